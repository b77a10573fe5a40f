"""`fangpin load_divisions FILE.csv`: load or update the administrative tree from a `code,name[,level]` CSV."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fangpin.core.errors import FileRejected
from fangpin.divisions.services import divisions_upsert, read_divisions_csv


class Command(BaseCommand):
    help = (
        "Load the county's divisions (12-digit codes) from a CSV with columns code,name and optionally level."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        try:
            rows = read_divisions_csv(file)
            n = divisions_upsert(actor="cli", rows=rows, source=str(file))
        except FileRejected as e:
            lines = "\n".join(f"  {err}" for err in e.errors)
            raise CommandError(f"{file}: nothing was loaded; {len(e.errors)} problem(s):\n{lines}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file}: nothing was loaded; the file is not UTF-8 text.") from None
        self.stdout.write(self.style.SUCCESS(f"Loaded {n} divisions from {file}."))
