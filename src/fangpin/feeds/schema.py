"""The schema language for department data feeds (部门数据): which columns a file has, their types and header spellings.

Schemas are versioned data (YAML shipped in `schemas/`, editable by a county later), validated on load.
"""

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import pydantic
import yaml
from django.utils.translation import get_language
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from fangpin.core.errors import ValidationError


class ColumnType(StrEnum):
    TEXT = "text"
    ID_NUMBER = "id_number"
    DATE = "date"
    MONTH = "month"
    AMOUNT = "amount"
    INTEGER = "integer"
    CODE = "code"
    BOOLEAN = "boolean"


_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
_SLUG = re.compile(r"^[a-z][a-z0-9_-]*$")
# Spacing and decoration that people vary freely in headers: "身份证 号码", "*姓名", "ID_Number", "金额：".
_HEADER_NOISE = re.compile(r"[\s*_\-:.·]+")


def normalize_header(text: str) -> str:
    """The form in which two header spellings are compared: full-width folded, case-free, no spaces or marks."""
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", text)).casefold()


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ColumnDef(_Frozen):
    name: str
    label_zh: str
    label_en: str
    type: ColumnType
    required: bool = False
    aliases: tuple[str, ...] = ()
    # For code columns: the allowed values as they appear in files, or a mapping of spelling → canonical code.
    codes: tuple[str, ...] | dict[str, str] = ()
    not_future: bool = False
    min: Decimal | None = None
    max: Decimal | None = None

    @field_validator("name")
    @classmethod
    def _name_is_snake_case(cls, value: str) -> str:
        if not _SNAKE.match(value):
            raise ValueError(f"{value!r} is not a snake_case identifier")
        return value

    @model_validator(mode="after")
    def _options_fit_the_type(self) -> "ColumnDef":
        if self.type is ColumnType.CODE and not self.codes:
            raise ValueError("a code column needs its list of codes")
        if self.type is not ColumnType.CODE and self.codes:
            raise ValueError(f"codes are only for code columns, not {self.type.value}")
        if self.not_future and self.type not in (ColumnType.DATE, ColumnType.MONTH):
            raise ValueError("not_future is only for date and month columns")
        if (self.min is not None or self.max is not None) and self.type not in (
            ColumnType.AMOUNT,
            ColumnType.INTEGER,
        ):
            raise ValueError("min and max are only for amount and integer columns")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self

    def code_map(self) -> dict[str, str]:
        """Every accepted spelling → its canonical code (each canonical code accepts itself)."""
        if isinstance(self.codes, dict):
            return {**{v: v for v in self.codes.values()}, **self.codes}
        return {code: code for code in self.codes}

    def label(self) -> str:
        """The column's label in the active language."""
        return self.label_zh if (get_language() or "").startswith("zh") else self.label_en

    def header_spellings(self) -> list[str]:
        """The headers that name this column: its name, both labels and the aliases."""
        return [self.name, self.label_zh, self.label_en, *self.aliases]


class MatchColumns(_Frozen):
    """Which columns carry a person's or village's identity, for matching rows to the registry."""

    id_number: str | None = None
    name: str | None = None
    birth_date: str | None = None
    village_code: str | None = None
    village_name: str | None = None

    @model_validator(mode="after")
    def _identifies_something(self) -> "MatchColumns":
        if not (self.id_number or self.village_code or self.village_name):
            raise ValueError("match needs id_number, village_code or village_name")
        return self

    def columns(self) -> dict[str, str]:
        return {role: column for role, column in self.model_dump().items() if column}


class FeedSchemaDef(_Frozen):
    source: str
    department: str
    name_zh: str
    name_en: str
    version: int = Field(ge=1)
    period_column: str
    key: tuple[str, ...] = Field(min_length=1)
    match: MatchColumns
    columns: tuple[ColumnDef, ...] = Field(min_length=1)

    @field_validator("source")
    @classmethod
    def _source_is_a_slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(f"{value!r} is not a slug (lower-case letters, digits, - and _)")
        return value

    @model_validator(mode="after")
    def _columns_are_consistent(self) -> "FeedSchemaDef":
        names = [c.name for c in self.columns]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"column names repeat: {', '.join(repeated)}")
        by_name = {c.name: c for c in self.columns}
        period = by_name.get(self.period_column)
        if period is None:
            raise ValueError(f"period_column {self.period_column!r} is not a column")
        if period.type not in (ColumnType.DATE, ColumnType.MONTH):
            raise ValueError(f"period_column {self.period_column!r} must be a date or month column")
        missing_key = [k for k in self.key if k not in by_name]
        if missing_key:
            raise ValueError(f"key columns are not columns: {', '.join(missing_key)}")
        missing_match = [c for c in self.match.columns().values() if c not in by_name]
        if missing_match:
            raise ValueError(f"match columns are not columns: {', '.join(missing_match)}")
        owner: dict[str, str] = {}
        for column in self.columns:
            for spelling in column.header_spellings():
                key = normalize_header(spelling)
                if key in owner and owner[key] != column.name:
                    raise ValueError(
                        f"header spelling {spelling!r} is used by both {owner[key]} and {column.name}"
                    )
                owner[key] = column.name
        return self

    def column(self, name: str) -> ColumnDef:
        return next(c for c in self.columns if c.name == name)


def _format_location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _format_error(error: Any) -> str:
    path = _format_location(tuple(error["loc"]))
    if error["type"] == "enum":
        message = f"{error['input']!r} is not one of {error['ctx']['expected']}"
    else:
        message = error["msg"].removeprefix("Value error, ")
    return f"{path}: {message}" if path else message


def load_schema(text_or_dict: str | Mapping[str, Any]) -> FeedSchemaDef:
    """A feed schema from YAML text or an already-parsed mapping; `ValidationError` naming the bad path."""
    if isinstance(text_or_dict, str):
        try:
            data = yaml.safe_load(text_or_dict)
        except yaml.YAMLError as exc:
            raise ValidationError(f"the schema is not valid YAML: {exc}") from None
    else:
        data = text_or_dict
    if not isinstance(data, Mapping):
        raise ValidationError("a schema is a mapping of fields (source, version, columns, …)")
    try:
        return FeedSchemaDef.model_validate(dict(data))
    except pydantic.ValidationError as exc:
        errors = exc.errors()
        first = _format_location(tuple(errors[0]["loc"])) or None
        raise ValidationError("; ".join(_format_error(e) for e in errors), field=first) from None


@cache
def _shipped_schemas() -> tuple[FeedSchemaDef, ...]:
    folder = resources.files("fangpin.feeds") / "schemas"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    schemas = []
    for file in files:
        try:
            schemas.append(load_schema(file.read_text(encoding="utf-8")))
        except ValidationError as exc:
            raise ValidationError(f"{file.name}: {exc}") from None
    return tuple(schemas)


def default_schemas() -> list[FeedSchemaDef]:
    """The schemas shipped with fangpin (version 1 of each department's feed), sorted by file name."""
    return list(_shipped_schemas())
