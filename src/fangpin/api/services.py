"""Issuing, checking and revoking API tokens."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangpin.accounts.models import User
from fangpin.accounts.roles import Role
from fangpin.api.models import ApiToken
from fangpin.audit.services import audit_record
from fangpin.core.errors import ValidationError

# Roles that may push through the API: departments send data; the county bureau integrates.
API_ROLES = {Role.DEPARTMENT, Role.COUNTY}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor, user: User, label: str) -> str:
    """A new token acting as `user`; the returned text is the only time the token is seen."""
    if Role(user.role) not in API_ROLES:
        raise ValidationError(
            _("Only department officers and the county bureau get API tokens."), field="user"
        )
    token = "fp_" + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, label=label, token_hash=_digest(token))
    audit_record(
        actor=actor, action="api.token.create", obj=row, data={"user": user.username, "label": label}
    )
    return token


def api_token_user(token: str) -> User | None:
    """The active user behind a token, or None; records when the token was last used."""
    row = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_digest(token), revoked_at__isnull=True)
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.user


@transaction.atomic
def api_token_revoke(*, actor, token_id: int) -> None:
    row = ApiToken.objects.select_for_update().get(pk=token_id)
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="api.token.revoke", obj=row)
