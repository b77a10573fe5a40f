"""Forms of the department-data pages: choosing a source and a file, placing unknown headers, settling an
ambiguous match. They check the shape of the input; the feeds services decide what is allowed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from fangpin.feeds.schema import FeedSchemaDef
from fangpin.feeds.selectors import schemas_importable_by
from fangpin.web.forms import _Form


def source_choices(user) -> list[tuple[str, str]]:
    """The sources the user may import (their department's, or every one for the county bureau), each as its
    latest active version names it in the current language."""
    labelled = [(s.source, s.name) for s in schemas_importable_by(user)]
    return sorted(labelled, key=lambda choice: choice[1])


class FeedUploadForm(_Form):
    source = forms.ChoiceField(label=_("Data source"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or GBK), Excel (.xlsx, .xls) or Parquet, with one row of column names."),
        widget=forms.FileInput(attrs={"accept": ".csv,.txt,.xlsx,.xls,.parquet"}),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = source_choices(user)
        # An officer who sends a single source need not choose it.
        cast(forms.ChoiceField, self.fields["source"]).choices = (
            choices if len(choices) == 1 else [("", "—"), *choices]
        )

    def to_data(self) -> "UploadData":
        return UploadData(source=self.cleaned_data["source"], file=self.cleaned_data["file"])


@dataclass(frozen=True)
class UploadData:
    source: str
    file: UploadedFile


IGNORE = ""


class HeaderMappingForm(_Form):
    """One choice per header of the file that fangpin could not place: a column of the schema, or ignore it."""

    def __init__(
        self, data=None, *, headers: Sequence[str], schema: FeedSchemaDef, missing: Sequence[str]
    ) -> None:
        super().__init__(data)
        self.headers = list(headers)

        def choice(name: str) -> tuple[str, str]:
            # The label alone: the column's internal name means nothing to an officer (labels are unique).
            return name, schema.column(name).label()

        others = [c.name for c in schema.columns if c.name not in missing]
        choices: list = [(IGNORE, _("— ignore this column —"))]
        if missing:
            choices.append((_("Required, not found in the file"), [choice(n) for n in missing]))
        choices.append((_("Other columns"), [choice(n) for n in others]))
        for index, header in enumerate(self.headers):
            self.fields[f"header_{index}"] = forms.ChoiceField(label=header, required=False, choices=choices)

    def clean(self) -> dict:
        data = super().clean() or {}
        chosen: dict[str, str] = {}
        for index, header in enumerate(self.headers):
            column = data.get(f"header_{index}") or IGNORE
            if column == IGNORE:
                continue
            if column in chosen:
                self.add_error(
                    f"header_{index}",
                    _("“%(other)s” is already placed in this column; choose another one or ignore it.")
                    % {"other": chosen[column]},
                )
            chosen[column] = header
        return data

    def to_data(self) -> dict[str, str]:
        """File header → schema column; an ignored header maps to "" (remembered as "ignore this header")."""
        return {
            header: self.cleaned_data.get(f"header_{index}") or IGNORE
            for index, header in enumerate(self.headers)
        }


@dataclass(frozen=True)
class Resolution:
    row_id: int
    member_id: int | None  # None: none of the candidates is the person in the row


class RowResolveForm(_Form):
    row = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # A candidate's id, or "none"; the service checks that the id is one of the row's candidates.
    member = forms.RegexField(regex=r"^(none|\d{1,18})$")

    def to_data(self) -> Resolution:
        member = self.cleaned_data["member"]
        return Resolution(
            row_id=self.cleaned_data["row"], member_id=None if member == "none" else int(member)
        )
