"""Forms of the assistance pages: they check the shape of the input; the services decide what is allowed and
report the rest as a ValidationError on a named field."""

from typing import cast

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from fangpin.assistance.codes import DeliveryStatus, FollowUpLevel
from fangpin.assistance.models import Measure, MeasureType, Plan, RiskSuggestion, Visit
from fangpin.assistance.services import Delivery, IncomeUpdate, MeasureData, MeasureReport, VisitData
from fangpin.core import clock
from fangpin.registry.codes import RiskType
from fangpin.registry.income import IncomeComponents
from fangpin.registry.models import Household, IncomeRecord
from fangpin.web.display import person_name
from fangpin.web.forms import MoneyField

_COMPONENTS = list(IncomeComponents.__dataclass_fields__)
_EXPENSES = ["medical_self_paid", "schooling_self_paid", "claims_income"]
_RISK_LABELS = dict(RiskType.choices)


def _label(model, field: str) -> str:
    return capfirst(model._meta.get_field(field).verbose_name)


class _Form(forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PlanForm(_Form):
    level = forms.ChoiceField(
        label=_label(Plan, "level"),
        choices=FollowUpLevel.choices,
        initial=FollowUpLevel.YELLOW,
        help_text=_("Red households are visited every month, the others every three months."),
    )

    def to_data(self) -> str:
        return self.cleaned_data["level"]


def _type_label(t: MeasureType) -> str:
    return f"{t.label} · {t.get_kind_display()}"


class MeasureForm(_Form):
    risk_code = forms.ChoiceField(label=_label(Measure, "risk_code"))
    measure_type = forms.ChoiceField(label=_label(Measure, "measure_type"))
    provider = forms.CharField(label=_label(Measure, "provider"), max_length=120)
    amount = MoneyField(label=_label(Measure, "amount"))
    # Most measures are entered the day they are agreed; the training clock moves this default too.
    start_date = forms.DateField(label=_label(Measure, "start_date"), widget=DateInput(), initial=clock.today)
    end_date = forms.DateField(label=_label(Measure, "end_date"), required=False, widget=DateInput())

    def __init__(self, data=None, *, household: Household, types: list[MeasureType], **kwargs) -> None:
        super().__init__(data, **kwargs)
        codes = household.risk_codes or []
        cast(forms.ChoiceField, self.fields["risk_code"]).choices = [
            (c, f"{c} {_RISK_LABELS.get(c, '')}") for c in codes
        ]
        cast(forms.ChoiceField, self.fields["measure_type"]).choices = [
            (t.code, _type_label(t)) for t in types
        ]

    @classmethod
    def initial_from(cls, suggestion: RiskSuggestion | None, household: Household) -> dict:
        """A suggestion pre-fills the type and the first of the household's risk codes it answers."""
        if suggestion is None:
            return {}
        codes = [
            c
            for c in household.risk_codes or []
            if c[:2] == suggestion.risk_code or c == suggestion.risk_code
        ]
        return {"measure_type": suggestion.measure_type.code, "risk_code": codes[0] if codes else ""}

    def to_measure(self) -> MeasureData:
        data = self.cleaned_data
        return MeasureData(
            risk_code=data["risk_code"],
            measure_type=data["measure_type"],
            provider=data["provider"],
            amount=data["amount"],
            start_date=data["start_date"],
            end_date=data["end_date"],
        )

    def to_data(self) -> MeasureData:
        return self.to_measure()


class MeasureEditForm(MeasureForm):
    delivery_status = forms.ChoiceField(
        label=_label(Measure, "delivery_status"), choices=DeliveryStatus.choices
    )
    delivered_on = forms.DateField(label=_label(Measure, "delivered_on"), required=False, widget=DateInput())
    delivery_note = forms.CharField(
        label=_label(Measure, "delivery_note"),
        max_length=300,
        required=False,
        help_text=_("Required when the measure failed: say why."),
    )

    @staticmethod
    def initial_of(measure: Measure) -> dict:
        return {
            "risk_code": measure.risk_code,
            "measure_type": measure.measure_type.code,
            "provider": measure.provider,
            "amount": f"{measure.amount:.2f}",
            "start_date": measure.start_date,
            "end_date": measure.end_date,
            "delivery_status": measure.delivery_status,
            "delivered_on": measure.delivered_on,
            "delivery_note": measure.delivery_note,
        }

    def to_data(self) -> tuple[MeasureData, Delivery]:  # type: ignore[override]
        data = self.cleaned_data
        delivery = Delivery(
            status=data["delivery_status"], on=data["delivered_on"], note=data["delivery_note"]
        )
        return self.to_measure(), delivery


class HelperForm(_Form):
    helper = forms.ChoiceField(label=_("Helper (帮扶责任人)"))

    def __init__(self, data=None, *, candidates, **kwargs) -> None:
        super().__init__(data, **kwargs)
        cast(forms.ChoiceField, self.fields["helper"]).choices = [
            (
                u.pk,
                f"{person_name(u)} · {u.get_role_display()}{' · ' + u.division.name if u.division else ''}",
            )
            for u in candidates
        ]

    def to_data(self) -> int:
        return int(self.cleaned_data["helper"])


class VisitForm(_Form):
    visited_on = forms.DateField(label=_label(Visit, "visited_on"), widget=DateInput())
    findings = forms.CharField(
        label=_label(Visit, "findings"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    record_income = forms.BooleanField(label=_("Record this month's income"), required=False)
    latitude = forms.DecimalField(
        label=_label(Visit, "latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=forms.TextInput(),
    )
    longitude = forms.DecimalField(
        label=_label(Visit, "longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=forms.TextInput(),
    )

    def __init__(self, data=None, *, measures: list[Measure], **kwargs) -> None:
        super().__init__(data, **kwargs)
        for name in [*_COMPONENTS, *_EXPENSES]:
            self.fields[name] = MoneyField(label=_label(IncomeRecord, name))
        self.measures = measures
        for m in measures:
            self.fields[f"measure_{m.pk}"] = forms.ChoiceField(
                label=f"#{m.pk} {m.measure_type.label} · {m.provider}",
                choices=DeliveryStatus.choices,
                initial=m.delivery_status,
            )
            self.fields[f"measure_{m.pk}_note"] = forms.CharField(
                label=_("Note"), max_length=300, required=False
            )

    def income_fields(self):
        return [self[name] for name in [*_COMPONENTS, *_EXPENSES]]

    def measure_fields(self):
        return [(self[f"measure_{m.pk}"], self[f"measure_{m.pk}_note"]) for m in self.measures]

    def to_data(self) -> VisitData:
        data = self.cleaned_data
        income = None
        if data["record_income"]:
            income = IncomeUpdate(
                components=IncomeComponents(**{n: data[n] for n in _COMPONENTS}),
                **{n: data[n] for n in _EXPENSES},
            )
        reports = tuple(
            MeasureReport(m.pk, data[f"measure_{m.pk}"], data[f"measure_{m.pk}_note"]) for m in self.measures
        )
        return VisitData(
            visited_on=data["visited_on"],
            findings=data["findings"],
            income=income,
            measures=reports,
            latitude=data["latitude"],
            longitude=data["longitude"],
        )


class VisitUploadForm(_Form):
    file = forms.FileField(
        label=_("CSV export of the visit form"),
        help_text=_("From ODK Central (Download → CSV) or KoboToolbox (Downloads → CSV)."),
    )

    def to_data(self):
        return self.cleaned_data["file"]
