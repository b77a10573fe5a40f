"""一键申报: a person reports a difficulty from a phone without logging in; the village checks it within the
self-report time limit. Also the public status look-up by confirmation number and phone.
"""

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangpin.alerts import selectors
from fangpin.alerts.catalogue import DIFFICULTY_BY_KEY, self_report_limits
from fangpin.alerts.evidence import bilingual
from fangpin.alerts.models import OPEN_STATUSES, AlertSource, SelfReport
from fangpin.alerts.services import raise_or_reinforce
from fangpin.audit.services import audit_record
from fangpin.core.crypto import encrypt_text, keyed_hash
from fangpin.core.errors import PermissionDenied, ValidationError
from fangpin.divisions.codes import Level
from fangpin.divisions.models import Division
from fangpin.registry.models import Member

_PHONE = re.compile(r"^1[3-9]\d{9}$")
_VILLAGE_CODE = re.compile(r"^\d{12}$")
# Crockford's base32: no I, L, O or U, so a number read out over the phone cannot be mistaken.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_REFERENCE_LENGTH = 8  # 40 random bits; a look-up also needs the phone number
_EXPLAIN = gettext_lazy("Self-report: %(difficulty)s")


def normalize_phone(text: str) -> str:
    """A mainland mobile number as 11 digits (spaces, dashes and a +86 prefix dropped), or ValidationError."""
    digits = re.sub(r"[\s\-()]", "", text or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _PHONE.match(digits):
        raise ValidationError(
            _("Enter a mainland mobile number: 11 digits starting with 13 to 19, for example 13812341234."),
            field="phone",
        )
    return digits


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def normalize_reference(text: str) -> str:
    """A confirmation number as typed: case, spaces and dashes ignored, and O/I/L read as 0/1/1."""
    cleaned = re.sub(r"[\s\-]", "", text or "").upper()
    return cleaned.translate(str.maketrans("OIL", "011"))


def _new_reference() -> str:
    for _attempt in range(10):
        reference = "".join(secrets.choice(_CROCKFORD) for _i in range(_REFERENCE_LENGTH))
        if not SelfReport.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("Could not find a free confirmation number.")  # 10 collisions in 2**40: not by chance


def village_for_code(code: str) -> Division | None:
    """The village a code (typed, or from the QR code on the door) names; None when there is no such village."""
    if not _VILLAGE_CODE.match(code or ""):
        return None
    return Division.objects.filter(code=code, level=Level.VILLAGE).select_related("parent").first()


@dataclass(frozen=True)
class SelfReportData:
    name: str
    phone: str
    village_code: str
    difficulty: str  # a key of catalogue.DIFFICULTIES
    text: str = ""


def _ip_key(kind: str, client_ip: str) -> str:
    # A keyed hash: the cache holds no network address in clear.
    return f"alerts:{kind}:{keyed_hash(client_ip or 'unknown')}"


def _over_ip_limit(kind: str, client_ip: str, limit: int) -> bool:
    return (cache.get(_ip_key(kind, client_ip)) or 0) >= limit


def _count_ip(kind: str, client_ip: str) -> None:
    key = _ip_key(kind, client_ip)
    if cache.add(key, 1, timeout=3600):  # the window starts with the first request of the hour
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=3600)


def _validated(data: SelfReportData) -> tuple[str, str, Division, str]:
    limits = self_report_limits()
    name = data.name.strip()
    if not name:
        raise ValidationError(_("Enter your name."), field="name")
    if len(name) > 40:
        raise ValidationError(_("The name is too long."), field="name")
    phone = normalize_phone(data.phone)
    village = village_for_code(data.village_code.strip())
    if village is None:
        raise ValidationError(
            _("This village is not known here. Choose your township and village from the list."),
            field="village",
        )
    if data.difficulty not in DIFFICULTY_BY_KEY:
        raise ValidationError(_("Choose the kind of difficulty."), field="difficulty")
    text = data.text.strip()
    if len(text) > limits.text_max_chars:
        raise ValidationError(
            _("Keep the description under %(n)d characters.") % {"n": limits.text_max_chars}, field="text"
        )
    return name, phone, village, text


def self_report_submit(*, actor, data: SelfReportData, client_ip: str) -> SelfReport:
    """Store a self-report and put it on the village's queue (source self_report, the village-check limit).

    It is matched to a household when the name identifies exactly one resident member's household in the
    village; otherwise the alert has no household and the village finds the family on its visit.
    """
    limits = self_report_limits()
    if not (getattr(actor, "is_authenticated", False) or isinstance(actor, str)):
        actor = "public"  # an anonymous visitor: named in the audit log as the public page
    name, phone, village, text = _validated(data)
    if _over_ip_limit("report", client_ip, limits.per_ip_per_hour):
        raise PermissionDenied(
            _(
                "Too many reports have been sent from this network in the last hour. Try again later or call 12317."
            )
        )
    phone_hash = keyed_hash(phone)
    day_ago = timezone.now() - dt.timedelta(days=1)
    if SelfReport.objects.filter(phone_hash=phone_hash, submitted_at__gte=day_ago).count() >= (
        limits.per_phone_per_day
    ):
        raise PermissionDenied(
            _("This phone number has already sent several reports today. The village will contact you.")
        )
    difficulty = DIFFICULTY_BY_KEY[data.difficulty]
    households = list(
        Member.objects.filter(household__village_id=village.code, name=name, is_resident=True)
        .values_list("household_id", flat=True)
        .distinct()[:2]
    )
    household_id = households[0] if len(households) == 1 else None
    with transaction.atomic():
        evidence = {
            "self_report": {"difficulty": difficulty.key},
            "explain": bilingual(_EXPLAIN, difficulty=difficulty.label),
        }
        alert = None
        if household_id is None:
            # The same person reporting the same difficulty again joins their open report, not a new alert.
            earlier = (
                SelfReport.objects.filter(
                    phone_hash=phone_hash,
                    alert__status__in=OPEN_STATUSES,
                    alert__risk_code=difficulty.risk_code,
                    alert__household__isnull=True,
                )
                .select_related("alert")
                .first()
            )
            alert = earlier.alert if earlier is not None else None
        if alert is None:
            alert, _created = raise_or_reinforce(
                actor=actor,
                village_id=village.code,
                household_id=household_id,
                risk_code=difficulty.risk_code,
                level=difficulty.level,
                source=AlertSource.SELF_REPORT,
                evidence=evidence,
                limit_key="self_report_village_check",
            )
        report = SelfReport.objects.create(
            reference=_new_reference(),
            name=name,
            phone_encrypted=encrypt_text(phone),
            phone_hash=phone_hash,
            phone_masked=mask_phone(phone),
            village=village,
            difficulty=difficulty.key,
            text=text,
            household_id=household_id,
            alert=alert,
        )
        audit_record(
            actor=actor,
            action="self_report.submit",
            obj=report,
            data={"alert": alert.pk, "village": village.code, "matched": household_id is not None},
        )
    _count_ip("report", client_ip)
    return report


def self_report_status(*, reference: str, phone: str, client_ip: str) -> selectors.SelfReportStatus:
    """The state of a self-report for the person who sent it: the number and the phone must both agree."""
    limits = self_report_limits()
    if _over_ip_limit("status", client_ip, limits.status_checks_per_ip_per_hour):
        raise PermissionDenied(_("Too many look-ups from this network in the last hour. Try again later."))
    _count_ip("status", client_ip)
    phone = normalize_phone(phone)
    status = selectors.self_report_find(
        reference=normalize_reference(reference), phone_hash=keyed_hash(phone)
    )
    if status is None:
        raise ValidationError(
            _("No report has this confirmation number and phone number. Check both and try again."),
            field="reference",
        )
    return status
