"""`fangpin import_national FILE.xlsx [--county CODE]`: load a national monitoring system export."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fangpin.core.errors import FangpinError, FileRejected
from fangpin.registry.national.importer import national_import

_SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = (
        "Load the national monitoring system's Excel export (（自定义）监测对象信息 and （乡村建设）户信息) into "
        "the registry: households, members, categories, risks, income and elimination status. All or nothing: "
        "any row error rejects the file and lists every problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--county", default="", help="the county's 12-digit code (default: from the file)"
        )

    def handle(self, *args, file: Path, county: str, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        try:
            summary = national_import(actor="cli", path=file, county_code=county or None)
        except FileRejected as e:
            for error in e.errors[:_SHOWN_ERRORS]:
                self.stderr.write(str(error))
            more = len(e.errors) - _SHOWN_ERRORS
            if more > 0:
                self.stderr.write(f"… and {more:,} more.")
            raise CommandError(f"{file}: nothing was imported ({len(e.errors):,} row errors).") from None
        except FangpinError as e:
            raise CommandError(f"{file}: nothing was imported. {e.message}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {summary.households:,} households, {summary.members:,} members and "
                f"{summary.income_records:,} monthly income records into county {summary.county_code}."
            )
        )
        if summary.ignored_columns:
            self.stdout.write("Columns not read: " + "、".join(summary.ignored_columns))
