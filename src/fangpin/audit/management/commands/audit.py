"""`fangpin audit verify`: check the audit chain and name the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from fangpin.audit.services import audit_verify


class Command(BaseCommand):
    help = "Audit log tools. `verify` walks the hash chain and names the first broken link."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action: str, **options):
        report = audit_verify()
        if not report.ok:
            where = f"event {report.broken_id}" if report.broken_id is not None else "chain head"
            raise CommandError(
                f"Audit chain broken at {where}: {report.reason}. {report.checked} events before it are intact."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} events verified."))
