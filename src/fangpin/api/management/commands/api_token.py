"""`fangpin api_token create USERNAME --label TEXT`: issue a token (printed once) for a department officer."""

from django.core.management.base import BaseCommand, CommandError

from fangpin.accounts.models import User
from fangpin.api.services import api_token_create
from fangpin.core.errors import ValidationError


class Command(BaseCommand):
    help = "Issue an API token that acts as USERNAME (a department officer or the county bureau)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create"])
        parser.add_argument("username")
        parser.add_argument("--label", default="")

    def handle(self, *args, action: str, username: str, label: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user called {username}.")
        try:
            token = api_token_create(actor="cli", user=user, label=label or f"token for {username}")
        except ValidationError as e:
            raise CommandError(e.message) from None
        self.stdout.write(token)
