"""Forms of the alert pages: the queue's filters, assigning and closing an alert, and the public self-report.

The self-report form carries two spam checks a person never notices: a field hidden from people that only
scripts fill in (a honeypot), and a signed time stamp, since nobody fills the form in under a few seconds.
"""

import time
from collections import defaultdict
from typing import cast

from django import forms
from django.core import signing
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangpin.alerts.catalogue import DIFFICULTIES, self_report_limits
from fangpin.alerts.models import AlertLevel, AlertStatus
from fangpin.alerts.selectors import ACTIVE, ALL, AlertFilter
from fangpin.alerts.self_reports import SelfReportData
from fangpin.core import clock
from fangpin.divisions.codes import Level
from fangpin.divisions.jurisdiction import scope_for
from fangpin.divisions.models import Division
from fangpin.registry.codes import RiskType
from fangpin.web.display import person_name

_STARTED_SALT = "fangpin.alerts.self-report.started"


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=pgettext_lazy("alert", "Status"),
        required=False,
        choices=[(ACTIVE, _("waiting for a visit")), *AlertStatus.choices, (ALL, _("all"))],
    )
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", _("any")), *AlertLevel.choices])
    risk = forms.ChoiceField(
        label=_("Risk type"), required=False, choices=[("", _("any")), *RiskType.choices]
    )
    township = forms.ChoiceField(label=_("Township"), required=False)
    village = forms.ChoiceField(label=pgettext_lazy("alert", "Village"), required=False)

    def __init__(self, data, *, user) -> None:
        super().__init__(data)
        divisions = scope_for(user).filter(
            Division.objects.filter(level__in=[Level.TOWNSHIP, Level.VILLAGE]), field="code"
        )
        townships: list[tuple[str, str]] = []
        villages: list[tuple[str, str]] = []
        for code, name, level in divisions.order_by("code").values_list("code", "name", "level"):
            (townships if level == Level.TOWNSHIP else villages).append((code, name))
        cast(forms.ChoiceField, self.fields["township"]).choices = [("", _("any")), *townships]
        cast(forms.ChoiceField, self.fields["village"]).choices = [("", _("any")), *villages]

    def to_filter(self) -> AlertFilter:
        if not self.is_valid():
            return AlertFilter()
        data = self.cleaned_data
        return AlertFilter(
            status=data["status"] or ACTIVE,
            level=data["level"],
            risk_code=data["risk"],
            township_code=data["township"],
            village_code=data["village"],
        )


class _CadreField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        division = obj.division.name if obj.division_id else ""
        return f"{person_name(obj)} · {obj.get_role_display()} · {division}"


class AssignForm(forms.Form):
    assignee = _CadreField(label=_("Cadre"), queryset=None, empty_label=_("choose a person"))

    def __init__(self, data=None, *, users: QuerySet) -> None:
        super().__init__(data)
        cast(_CadreField, self.fields["assignee"]).queryset = users


class _VisitForm(forms.Form):
    visited_on = forms.DateField(
        label=_("Date of the visit"),
        # ISO whatever the page language: <input type="date"> takes only YYYY-MM-DD and shows an empty field
        # for the Chinese format (2026/11/26). Today comes from the training clock, like the deadlines.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=clock.today,
    )


class ConfirmForm(_VisitForm):
    note = forms.CharField(
        label=_("What the visit found"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class DismissForm(_VisitForm):
    reason = forms.CharField(
        label=_("Why no monitoring is needed"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


def signed_start() -> str:
    return signing.dumps(time.time(), salt=_STARTED_SALT)


class SelfReportForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=40)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("The village calls you on this number."),
    )
    # A text field with a select, not a ChoiceField: an unknown code gets the service's clear sentence.
    village = forms.CharField(label=_("Township and village"), widget=forms.Select)
    difficulty = forms.ChoiceField(
        label=_("What difficulty?"),
        widget=forms.RadioSelect,
        choices=[(d.key, d.label) for d in DIFFICULTIES],
    )
    text = forms.CharField(
        label=_("In a few words (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # A honeypot: hidden from people by the page's style, named to tempt scripts that fill every field.
    website = forms.CharField(label=_("Leave this empty"), required=False)
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, data=None, *, village: Division | None = None) -> None:
        super().__init__(data, initial={"started": signed_start()})
        limits = self_report_limits()
        cast(forms.CharField, self.fields["text"]).max_length = limits.text_max_chars
        self.fields["text"].widget.attrs["maxlength"] = limits.text_max_chars
        self.fixed_village = village
        if village is not None:
            # From the QR code on the door: the village is known, nothing to choose.
            self.fields["village"] = forms.CharField(widget=forms.HiddenInput, initial=village.code)
        else:
            self.fields["village"].widget.choices = [("", _("choose your village")), *_village_choices()]

    def clean_website(self) -> str:
        if self.cleaned_data["website"]:
            raise forms.ValidationError(
                _("The report could not be accepted. Please leave the last field empty.")
            )
        return ""

    def clean_started(self) -> str:
        limits = self_report_limits()
        try:
            started = float(signing.loads(self.cleaned_data["started"], salt=_STARTED_SALT))
        except (signing.BadSignature, TypeError, ValueError):
            raise forms.ValidationError(_("The form was damaged. Please reload the page.")) from None
        age = time.time() - started
        if age > limits.max_form_age_seconds:
            raise forms.ValidationError(_("The form was open too long. Please fill it in again."))
        if age < limits.min_fill_seconds:
            raise forms.ValidationError(
                _("The form was sent too quickly. Please check your answers and send it again.")
            )
        return self.cleaned_data["started"]

    def non_field_problems(self) -> list[str]:
        """The refusals of the hidden fields, shown above the form since their fields are not visible."""
        return [str(e) for name in ("website", "started") for e in self.errors.get(name, [])]

    def to_data(self) -> SelfReportData:
        data = self.cleaned_data
        return SelfReportData(
            name=data["name"],
            phone=data["phone"],
            village_code=data["village"],
            difficulty=data["difficulty"],
            text=data["text"],
        )


def _village_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Villages grouped under their township (a select with one group per township), in one query."""
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    villages = Division.objects.filter(level=Level.VILLAGE).select_related("parent").order_by("code")
    for village in villages:
        groups[village.parent.name if village.parent else ""].append((village.code, village.name))
    return list(groups.items())


class StatusForm(forms.Form):
    reference = forms.CharField(label=_("Confirmation number"), max_length=20)
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )


class VisitFindingForm(forms.Form):
    """A risk a cadre found on a visit or a sweep (基层干部排查), put on the queue like any other alert."""

    risk_code = forms.ChoiceField(label=_("Risk type"), choices=RiskType.choices)
    level = forms.ChoiceField(label=_("Level"), choices=AlertLevel.choices, initial=AlertLevel.ORANGE)
    note = forms.CharField(
        label=_("What the visit found"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
