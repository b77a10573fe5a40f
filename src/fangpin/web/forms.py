"""Forms of the web app: they check the shape of the input (a month, an amount, a choice from a code list);
the services decide what is allowed and report the rest as a `ValidationError` on a named field."""

import re
from decimal import Decimal, InvalidOperation
from itertools import groupby
from typing import cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from fangpin.core.dates import parse_month
from fangpin.divisions.selectors import villages_visible_to
from fangpin.registry.codes import (
    Education,
    Health,
    IncomeSource,
    LabourSkill,
    MedicalInsurance,
    MonitoringStatus,
    Relation,
    SchoolStatus,
)
from fangpin.registry.income import IncomeComponents
from fangpin.registry.models import Category, Household, IncomeRecord, Member
from fangpin.registry.selectors import HouseholdFilter
from fangpin.registry.services import IncomeData, MemberData
from fangpin.web.display import category_label

_NONE = ("", "—")


class _Form(forms.Form):
    """Labels sit above their fields, so they need no colon (in either language)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _label(model, field: str) -> str:
    """The model's verbose name, so a field has one label (and one translation) everywhere."""
    return capfirst(model._meta.get_field(field).verbose_name)


def village_choices(user) -> list[tuple[str, list[tuple[str, str]]]]:
    """The villages inside the user's scope, grouped by township (one query)."""
    villages = villages_visible_to(user)
    return [
        (group[0].parent.name if group[0].parent else "", [(v.code, v.name) for v in group])
        for group in (list(g) for _key, g in groupby(villages, key=lambda v: v.parent_id))
    ]


class HouseholdSearchForm(_Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, pinyin initials, ID number or its last 4")}
        ),
    )
    village = forms.ChoiceField(label=_label(Household, "village"), required=False)
    category = forms.ChoiceField(label=_label(Household, "category"), required=False)
    status = forms.ChoiceField(
        label=_label(Household, "status"),
        required=False,
        choices=[("", _("All statuses")), *MonitoringStatus.choices],
    )

    def __init__(self, data, *, user) -> None:
        super().__init__(data)
        cast(forms.ChoiceField, self.fields["village"]).choices = [
            ("", _("All villages")),
            *village_choices(user),
        ]
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            ("", _("All categories")),
            *((c.code, category_label(c)) for c in Category.objects.order_by("sort_order", "code")),
        ]

    def to_filter(self) -> HouseholdFilter:
        """The valid part of the query string (an unknown village or status is simply ignored)."""
        self.is_valid()
        data = self.cleaned_data
        return HouseholdFilter(
            query=data.get("q", ""),
            village_code=data.get("village", ""),
            category_code=data.get("category", ""),
            status=data.get("status", ""),
        )


class MemberForm(_Form):
    # Not the model's verbose name: "name" is shared with divisions (名称), a person has a 姓名.
    name = forms.CharField(label=_("Name"), max_length=40)
    # Checked by the service (registry/id_numbers.py), which says exactly what is wrong with it.
    id_number = forms.CharField(
        label=_label(Member, "id_number_masked"),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    relation = forms.ChoiceField(label=_label(Member, "relation"), choices=Relation.choices)
    health = forms.ChoiceField(label=_label(Member, "health"), choices=Health.choices, initial=Health.HEALTHY)
    disability_grade = forms.TypedChoiceField(
        label=_label(Member, "disability_grade"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[_NONE, (1, _("Grade 1")), (2, _("Grade 2")), (3, _("Grade 3")), (4, _("Grade 4"))],
    )
    labour_skill = forms.ChoiceField(label=_label(Member, "labour_skill"), choices=LabourSkill.choices)
    medical_insurance = forms.ChoiceField(
        label=_label(Member, "medical_insurance"), choices=MedicalInsurance.choices
    )
    education = forms.ChoiceField(
        label=_label(Member, "education"), required=False, choices=[_NONE, *Education.choices]
    )
    school_status = forms.ChoiceField(
        label=_label(Member, "school_status"), required=False, choices=[_NONE, *SchoolStatus.choices]
    )

    def to_data(self) -> MemberData:
        return MemberData(**self.cleaned_data)


# 1234.50, 1,234.50 (commas only between groups of three), optionally with a minus sign so that a negative
# amount gets its own message rather than "not a number".
_AMOUNT = re.compile(r"^(?P<sign>-?)(?P<whole>\d+|\d{1,3}(?:,\d{3})+)(?:\.(?P<fraction>\d*))?$")


class MoneyField(forms.CharField):
    """An amount in yuan: "1,234.50", "1234.5", "¥800"; empty means 0."""

    default_error_messages = {
        "invalid": _("Enter an amount in yuan, such as 1,234.50."),
        "negative": _("An amount cannot be negative."),
        "fen": _("Give at most two decimal places (fen)."),
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00"}))
        super().__init__(**kwargs)

    def to_python(self, value) -> Decimal:  # type: ignore[override]
        text = (
            (super().to_python(value) or "")
            .replace("，", ",")
            .replace("¥", "")
            .replace("￥", "")
            .replace(" ", "")
            .replace("−", "-")
        )
        if not text:
            return Decimal(0)
        match = _AMOUNT.match(text)
        if not match:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if match["sign"]:
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        if len(match["fraction"] or "") > 2:
            raise forms.ValidationError(self.error_messages["fen"], code="fen")
        try:
            return Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class MonthField(forms.CharField):
    """A month written YYYY-MM (or the national exports' YYYYMM), as the first day of that month."""

    default_error_messages = {"invalid": _("Write the month as YYYY-MM, for example 2025-10.")}

    def __init__(self, **kwargs) -> None:
        # A text box rather than <input type="month">, which desktop Firefox and Safari show as plain text
        # anyway and which some phones fill in a format of their own.
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "2025-10", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_month(text)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


_COMPONENTS = [f.name for f in IncomeComponents.__dataclass_fields__.values()]
_EXPENSES = ["medical_self_paid", "schooling_self_paid", "claims_income"]


class IncomeForm(_Form):
    period = MonthField(label=_label(IncomeRecord, "period"))
    source = forms.ChoiceField(
        label=_label(IncomeRecord, "source"),
        choices=[
            (IncomeSource.SURVEY, IncomeSource.SURVEY.label),
            (IncomeSource.ESTIMATE, IncomeSource.ESTIMATE.label),
        ],
        initial=IncomeSource.SURVEY,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in [*_COMPONENTS, *_EXPENSES]:
            self.fields[name] = MoneyField(label=_label(IncomeRecord, name))

    def head_fields(self):
        return [self["period"], self["source"]]

    def component_fields(self):
        return [self[name] for name in _COMPONENTS]

    def expense_fields(self):
        return [self[name] for name in _EXPENSES]

    def to_data(self) -> IncomeData:
        data = self.cleaned_data
        return IncomeData(
            period=data["period"],
            source=data["source"],
            components=IncomeComponents(**{name: data[name] for name in _COMPONENTS}),
            **{name: data[name] for name in _EXPENSES},
        )
