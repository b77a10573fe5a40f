"""How the web pages show values: money, category and risk labels, history rows, the empty-list sentence.

Pure presentation on objects already loaded; nothing here queries the database.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from fangpin.accounts.roles import Role, can_see_households
from fangpin.divisions.jurisdiction import scope_for
from fangpin.registry.codes import RiskType
from fangpin.registry.income import IncomeComponents
from fangpin.registry.models import Category

# Bookkeeping columns a person does not need to see in "what changed".
_HISTORY_HIDDEN_FIELDS = frozenset(
    {"created_at", "updated_at", "recorded_at", "id_number_hash", "name_initials"}
)


def yuan(amount: Decimal | int | None) -> str:
    """¥12,345.67 in both languages (the Chinese locale has no thousands separator, but money needs one)."""
    if amount is None:
        return "—"
    value = Decimal(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"


def category_label(category: Category | None) -> str:
    if category is None:
        return "—"
    return category.name_zh if (get_language() or "zh").startswith("zh") else category.name_en


def risk_label(code: str) -> str:
    try:
        return str(RiskType(code).label)
    except ValueError:
        return code  # a code from a newer code list still shows, as itself


def record_net(record) -> Decimal:
    """Net income of one income record (the formula lives in registry/income.py)."""
    return IncomeComponents(
        wage_income=record.wage_income,
        business_income=record.business_income,
        property_income=record.property_income,
        transfer_income=record.transfer_income,
        production_cost=record.production_cost,
    ).net


def no_households_reason(user) -> str:
    """Why the household list is empty for this user, in a sentence; empty when they do have a scope."""
    if not scope_for(user).is_empty:
        return ""
    role = Role(user.role)
    if role == Role.DEPARTMENT:
        return _(
            "Department data officers see the data their department sends and its matching results, "
            "not household files."
        )
    if role == Role.SOCIAL:
        return _(
            "Social organisations see the needs matched to their pledges, never household files or ID numbers."
        )
    if role == Role.ANALYST:
        return _("Analysts work with aggregated figures, not with individual household files.")
    if can_see_households(role):
        return _(
            "Your account is not attached to a village, township or county yet. Ask the county administrator."
        )
    return _("Your role does not open household files.")


def person_name(user) -> str:
    """黄秀兰 for a Chinese name (family name first, no space), "Xiulan Huang" otherwise; else the username."""
    first, last = user.first_name.strip(), user.last_name.strip()
    if first and last and _is_cjk(first + last):
        return f"{last}{first}"
    return user.get_full_name() or user.username


def _is_cjk(text: str) -> bool:
    return all("\u3400" <= ch <= "\u9fff" or ch == "·" for ch in text)


@dataclass(frozen=True)
class HistoryRow:
    when: datetime
    who: str
    what: str  # "Household H001 changed"
    fields: str  # ": monitoring status, risk types", or empty


def history_rows(records: list) -> list[HistoryRow]:
    """simple_history records (newest first) as rows: when, who, what, and which fields changed.

    A change is compared with the previous version of the same object when that version is in the list,
    so the page needs no query per row; older changes just say "changed". Values are not shown: a field
    may hold personal data, and the audit log is the place for who saw what.
    """
    action_labels = {
        "+": pgettext("history", "created"),
        "~": pgettext("history", "changed"),
        "-": pgettext("history", "deleted"),
    }
    previous: dict[tuple[type, int], object] = {}
    fields_by_record: dict[int, list[str]] = {}
    for record in reversed(records):  # oldest first, so the version before each one has been seen
        key = (type(record), record.id)
        older = previous.get(key)
        if record.history_type == "~" and older is not None:
            fields_by_record[id(record)] = _changed_field_labels(record, older)
        previous[key] = record
    separator = pgettext("list separator", ", ")
    rows = []
    for record in records:
        labels = fields_by_record.get(id(record), [])
        rows.append(
            HistoryRow(
                when=record.history_date,
                who=person_name(record.history_user) if record.history_user else _("system"),
                what=pgettext("history", "%(subject)s %(action)s")
                % {"subject": _subject(record), "action": action_labels.get(record.history_type, "")},
                fields=pgettext("history", ": %(fields)s") % {"fields": separator.join(labels)}
                if labels
                else "",
            )
        )
    return rows


def _changed_field_labels(record, older) -> list[str]:
    model: type[models.Model] = record.instance_type
    delta = record.diff_against(older)
    return [
        str(capfirst(getattr(model._meta.get_field(change.field), "verbose_name", change.field)))
        for change in delta.changes
        if change.field not in _HISTORY_HIDDEN_FIELDS
    ]


def _subject(record) -> str:
    model: type[models.Model] = record.instance_type
    label = capfirst(model._meta.verbose_name)
    name = getattr(record, "number", None) or getattr(record, "name", None) or record.id
    return f"{label} {name}"
