"""`fangpin import SOURCE FILE`: import a department file from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fangpin.core.errors import ValidationError
from fangpin.feeds.services import feed_import


class Command(BaseCommand):
    help = (
        "Import a department data file (CSV in UTF-8 or GBK, XLSX, XLS or Parquet) against SOURCE's schema."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="the schema's source, e.g. health, education, civil_affairs")
        parser.add_argument("file", type=Path)
        parser.add_argument("--department", default="", help="the department the file comes from (e.g. 卫健)")

    def handle(self, *args, source: str, file: Path, department: str, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        try:
            result = feed_import(actor="cli", source=source, path=file, department=department)
        except ValidationError as e:
            raise CommandError(f"{file}: nothing was imported. {e.message}") from None
        batch = result.batch
        if result.is_duplicate:
            self.stdout.write(
                f"{file}: already imported as batch {batch.pk} on {batch.started_at:%Y-%m-%d}; nothing to do."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Batch {batch.pk}: {batch.rows_total:,} rows; {batch.rows_valid:,} valid "
                f"({batch.rows_matched:,} matched, {batch.rows_ambiguous:,} ambiguous, {batch.rows_unmatched:,} unmatched); "
                f"{batch.rows_invalid:,} invalid."
            )
        )
