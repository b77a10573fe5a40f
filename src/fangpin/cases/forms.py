"""Forms of the case pages: one per step. They check the shape of the input; the services decide what is
allowed and report the rest as a ValidationError on a named field."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from fangpin.cases import services
from fangpin.cases.models import KIND_LABELS
from fangpin.cases.rules import EligibilityFacts
from fangpin.cases.workflow import Kind
from fangpin.core import clock
from fangpin.registry.codes import EliminationMethod, RiskType
from fangpin.registry.income import IncomeComponents
from fangpin.registry.models import Category
from fangpin.web.display import category_label

# ISO dates: what a browser's date picker reads and sends, whatever the interface language.
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_TEXT = forms.Textarea(attrs={"rows": 3})
_MONEY = {"min_value": Decimal(0), "max_digits": 12, "decimal_places": 2, "initial": Decimal(0)}


class _Form(forms.Form):
    """Labels sit above their fields, so they need no colon (in either language)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _today() -> dt.date:
    return clock.today()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class OpenCaseForm(_Form):
    kind = forms.ChoiceField(label=_("Procedure"))
    risk_codes = forms.MultipleChoiceField(
        label=_("Risk types seen so far"),
        choices=RiskType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note"), required=False, widget=_TEXT)

    def __init__(self, *args, kinds: Sequence[str], **kwargs) -> None:
        """Only the procedures the household's status allows (services.openable_kinds); the risk types only
        for an identification (an elimination takes the household's own)."""
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [(k, KIND_LABELS[Kind(k)]) for k in kinds]
        if Kind.IDENTIFICATION not in kinds:
            del self.fields["risk_codes"]


class ConsentForm(_Form):
    method = forms.ChoiceField(
        label=_("How consent was given"),
        choices=[("form", _("signed form (scan attached)")), ("attestation", _("cadre's attestation"))],
        widget=forms.RadioSelect,
    )
    signed_on = forms.DateField(label=_("Date"), initial=_today, widget=_DATE)
    attestation = forms.CharField(
        label=_("Attestation"),
        required=False,
        widget=_TEXT,
        help_text=_("Who gave consent, when, and in whose presence."),
    )
    scan = forms.FileField(
        label=_("Scanned consent form"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
        help_text=_("PDF, JPEG or PNG."),
    )

    def to_data(self) -> services.ConsentData:
        d = self.cleaned_data
        return services.ConsentData(
            method=d["method"], signed_on=d["signed_on"], attestation=d["attestation"]
        )


class VerifyForm(_Form):
    visited_on = forms.DateField(label=_("Visited on"), initial=_today, widget=_DATE)
    findings = forms.CharField(label=_("Findings at the home visit"), widget=_TEXT)
    residents = forms.IntegerField(label=_("Members living in the household"), min_value=1, initial=1)
    wage_income = forms.DecimalField(label=_("Wage income, last 12 months"), **_MONEY)
    business_income = forms.DecimalField(label=_("Production and business income"), **_MONEY)
    property_income = forms.DecimalField(label=_("Property income"), **_MONEY)
    transfer_income = forms.DecimalField(label=_("Transfer income"), **_MONEY)
    production_cost = forms.DecimalField(label=_("Production costs"), **_MONEY)
    medical_self_paid = forms.DecimalField(label=_("Compliant medical self-payment"), **_MONEY)
    schooling_self_paid = forms.DecimalField(label=_("Schooling self-payment"), **_MONEY)
    other_rigid_expense = forms.DecimalField(label=_("Other rigid expenses"), **_MONEY)
    photos = MultipleFileField(label=_("Photos"), required=False, help_text=_("JPEG, PNG or PDF."))

    def to_data(self) -> services.VerificationData:
        d = self.cleaned_data
        return services.VerificationData(
            visited_on=d["visited_on"],
            findings=d["findings"],
            residents=d["residents"],
            income=IncomeComponents(
                wage_income=d["wage_income"],
                business_income=d["business_income"],
                property_income=d["property_income"],
                transfer_income=d["transfer_income"],
                production_cost=d["production_cost"],
            ),
            medical_self_paid=d["medical_self_paid"],
            schooling_self_paid=d["schooling_self_paid"],
            other_rigid_expense=d["other_rigid_expense"],
        )


class CrosscheckForm(_Form):
    has_discrepancy = forms.BooleanField(
        label=_("The registry, department data or earlier visits disagree"), required=False
    )
    note = forms.CharField(label=_("What differs and how it was settled"), required=False, widget=_TEXT)

    def to_data(self) -> services.CrosscheckData:
        return services.CrosscheckData(
            has_discrepancy=self.cleaned_data["has_discrepancy"], note=self.cleaned_data["note"]
        )


class AppraiseForm(_Form):
    held_on = forms.DateField(label=_("Meeting date"), initial=_today, widget=_DATE)
    attendance = forms.IntegerField(label=_("Attendance"), min_value=1)
    votes_for = forms.IntegerField(label=_("Votes for"), min_value=0)
    votes_against = forms.IntegerField(label=_("Votes against"), min_value=0, initial=0)
    is_agreed = forms.TypedChoiceField(
        label=_("Result"),
        choices=[("1", _("agreed")), ("0", _("not agreed (the case is rejected)"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    category_code = forms.ChoiceField(label=_("Monitoring category"), required=False)
    risk_codes = forms.MultipleChoiceField(
        label=_("Risk types (up to 5)"),
        choices=RiskType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note (the reason, if not agreed)"), required=False, widget=_TEXT)

    def __init__(self, *args, kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if kind != "identification":
            del self.fields["category_code"], self.fields["risk_codes"]
        else:
            self.fields["category_code"].choices = [("", "—")] + [
                (c.code, category_label(c)) for c in Category.objects.filter(is_active=True)
            ]

    def to_data(self) -> services.AppraisalData:
        d = self.cleaned_data
        return services.AppraisalData(
            held_on=d["held_on"],
            attendance=d["attendance"],
            votes_for=d["votes_for"],
            votes_against=d["votes_against"],
            is_agreed=d["is_agreed"],
            category_code=d.get("category_code", ""),
            risk_codes=tuple(d.get("risk_codes", ())),
            note=d["note"],
        )


class PublishForm(_Form):
    starts_on = forms.DateField(label=_("Notice from"), initial=_today, widget=_DATE)
    ends_on = forms.DateField(label=_("Notice until"), widget=_DATE)

    def __init__(self, *args, min_days: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ends_on"].initial = _today() + dt.timedelta(days=min_days - 1)
        self.fields["ends_on"].help_text = _("At least %(n)d days, counting the first.") % {"n": min_days}


class ObjectionForm(_Form):
    received_on = forms.DateField(label=_("Received on"), initial=_today, widget=_DATE)
    content = forms.CharField(label=_("What the objection says"), widget=_TEXT)
    resolution = forms.CharField(
        label=_("How it was settled (if it already was)"), required=False, widget=_TEXT
    )


class ResolveForm(_Form):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    resolution = forms.CharField(label=_("How it was settled"), widget=_TEXT)


class NoteForm(_Form):
    note = forms.CharField(label=_("Note"), required=False, widget=_TEXT)


class ReasonForm(_Form):
    reason = forms.CharField(label=_("Reason"), widget=_TEXT)


class EligibilityForm(_Form):
    months_income_above_line = forms.IntegerField(
        label=_("Months in a row with income per person above the monitoring line"),
        min_value=0,
        max_value=120,
    )
    education_secure = forms.BooleanField(label=_("Compulsory education secure (no dropout)"), required=False)
    medical_secure = forms.BooleanField(label=_("Every member has basic medical insurance"), required=False)
    housing_secure = forms.BooleanField(label=_("Housing safe (grade A or B)"), required=False)
    water_secure = forms.BooleanField(label=_("Safe drinking water"), required=False)
    rigid_expense_controlled = forms.BooleanField(label=_("No uncontrolled rigid expense"), required=False)
    has_labour = forms.BooleanField(label=_("The household has labour"), required=False)
    lives_on_protection = forms.BooleanField(
        label=_("The household lives on protection (dibao, 特困)"), required=False
    )
    note = forms.CharField(label=_("Note"), required=False, widget=_TEXT)

    def to_facts(self) -> EligibilityFacts:
        d = self.cleaned_data
        return EligibilityFacts(**{k: v for k, v in d.items() if k != "note"})


class EliminateForm(_Form):
    method = forms.ChoiceField(
        label=_("Elimination method"), choices=EliminationMethod.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), required=False, widget=_TEXT)
