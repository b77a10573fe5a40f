"""`fangpin import_visits FILE --user USERNAME`: import an ODK Central / KoboToolbox CSV export of visit
submissions, on behalf of a user whose role and jurisdiction apply (as on the upload page)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from fangpin.assistance.imports import visits_import
from fangpin.core.errors import PermissionDenied, ValidationError


class Command(BaseCommand):
    help = (
        "Import visit submissions (CSV export of the fangpin visit XLSForm from ODK Central or KoboToolbox)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user",
            required=True,
            help="the cadre or officer the visits are recorded by (their area applies)",
        )

    def handle(self, *args, file: Path, user: str, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        actor = get_user_model().objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"There is no user {user!r}.")
        try:
            result = visits_import(actor=actor, content=file.read_bytes(), file_name=file.name)
        except (ValidationError, PermissionDenied) as e:
            raise CommandError(f"{file}: nothing was imported. {e.message}") from None
        for error in result.errors:
            self.stdout.write(str(error))
        self.stdout.write(
            f"{file}: {result.imported} imported, {result.skipped} already imported, "
            f"{len(result.errors)} problems."
        )
