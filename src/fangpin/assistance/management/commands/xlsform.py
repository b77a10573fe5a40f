"""`fangpin xlsform visit --out FILE.xlsx`: write the follow-up visit form as an XLSForm for ODK / Kobo."""

from pathlib import Path

from django.core.management.base import BaseCommand

from fangpin.assistance.xlsform import visit_xlsform

FORMS = {"visit": visit_xlsform}


class Command(BaseCommand):
    help = "Write a form as an XLSForm (.xlsx) to load into ODK Central or KoboToolbox."

    def add_arguments(self, parser):
        parser.add_argument("form", choices=sorted(FORMS), help="which form")
        parser.add_argument("--out", type=Path, required=True, help="the .xlsx file to write")

    def handle(self, *args, form: str, out: Path, **options):
        out.write_bytes(FORMS[form]())
        self.stdout.write(self.style.SUCCESS(f"Wrote the {form} form to {out}."))
