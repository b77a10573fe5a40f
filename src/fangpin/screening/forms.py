"""Forms of the screening pages: editing a rule set and asking for a run. The services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fangpin.core.dates import parse_month
from fangpin.screening.models import Engine
from fangpin.web.forms import _Form


class RuleSetForm(_Form):
    source = forms.CharField(
        label=_("Rules (YAML)"),
        widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false", "class": "code"}),
        max_length=200_000,
    )
    note = forms.CharField(label=_("What changed"), max_length=300, required=False)


class RunForm(_Form):
    engine = forms.ChoiceField(label=_("Engine"), choices=Engine.choices, initial=Engine.DUCKDB)
    as_of = forms.CharField(
        label=_("Month screened"),
        required=False,
        max_length=7,
        help_text=_("YYYY-MM; empty means last month."),
        widget=forms.TextInput(attrs={"placeholder": "2026-10", "inputmode": "numeric"}),
    )

    def clean_as_of(self):
        text = self.cleaned_data["as_of"].strip()
        if not text:
            return None
        try:
            return parse_month(text)
        except ValueError as e:
            raise forms.ValidationError(str(e)) from None
