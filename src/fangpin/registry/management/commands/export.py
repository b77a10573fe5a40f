"""`fangpin export national --out FILE.xlsx [--county CODE]`: the registry in the national system's layout."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fangpin.core.errors import FangpinError
from fangpin.divisions.codes import Level
from fangpin.divisions.models import Division
from fangpin.registry.national.export import national_export


class Command(BaseCommand):
    help = (
        "Write the county's households and members as the national monitoring system's Excel export "
        "(（自定义）监测对象信息 and （乡村建设）户信息, header on row 3). ID numbers are written in full."
    )

    def add_arguments(self, parser):
        parser.add_argument("layout", choices=["national"], help="the file layout (only: national)")
        parser.add_argument("--out", type=Path, required=True, help="the .xlsx file to write")
        parser.add_argument(
            "--county", default="", help="the county's 12-digit code (default: the only county)"
        )

    def handle(self, *args, layout: str, out: Path, county: str, **options):
        if not out.parent.is_dir():
            raise CommandError(f"{out.parent}: no such folder.")
        if not county:
            codes = list(Division.objects.filter(level=Level.COUNTY).values_list("code", flat=True)[:2])
            if len(codes) != 1:
                raise CommandError("Give the county with --county CODE (there is not exactly one county).")
            county = codes[0]
        try:
            path = national_export(actor="cli", path=out, county_code=county)
        except FangpinError as e:
            raise CommandError(f"Nothing was exported: {e.message}") from None
        self.stdout.write(self.style.SUCCESS(f"Wrote {path}."))
