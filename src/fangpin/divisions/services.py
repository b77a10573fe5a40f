"""Loading the administrative tree. A county deployment loads it from a CSV with columns `code,name`
(optionally `level`, checked against the code); the simulator loads its own tree through the same path."""

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from fangpin.accounts.models import User
from fangpin.audit.services import audit_record
from fangpin.core.errors import FileRejected, RowError
from fangpin.divisions.codes import InvalidDivisionCode, Level, code_range, level_of, parent_code
from fangpin.divisions.models import Division


@dataclass(frozen=True)
class DivisionRow:
    code: str
    name: str


def divisions_check(rows: Sequence[DivisionRow], *, first_row: int = 2) -> list[RowError]:
    """Every problem of a tree, with the row it is on: bad or duplicate codes, missing names, orphans."""
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(rows, start=first_row):
        try:
            level_of(row.code)
        except InvalidDivisionCode as e:
            errors.append(RowError(i, "code", "invalid_code", f"{row.code!r}: {e}"))
            continue
        if row.code in seen:
            errors.append(
                RowError(
                    i,
                    "code",
                    "duplicate",
                    _("%(code)s already appears on row %(row)d.") % {"code": row.code, "row": seen[row.code]},
                )
            )
        seen[row.code] = i
        if not row.name.strip():
            errors.append(RowError(i, "name", "required", _("The name is empty.")))
    # The top level of the file may hang from divisions that are not loaded (a county file need not list
    # its province); every deeper row needs its parent in the file or in the database.
    top = min((_depth(c) for c in seen), default=0)
    parents = {parent_code(c) for c in seen} - {None}
    loaded = set(Division.objects.filter(code__in=parents).values_list("code", flat=True))
    for code, i in seen.items():
        parent = parent_code(code)
        if _depth(code) > top and parent not in seen and parent not in loaded:
            errors.append(
                RowError(
                    i,
                    "code",
                    "orphan",
                    _("The parent division %(parent)s is neither in the file nor loaded.")
                    % {"parent": parent},
                )
            )
    return errors


def _depth(code: str) -> int:
    return list(Level).index(level_of(code))


@transaction.atomic
def divisions_upsert(*, actor, rows: Sequence[DivisionRow], source: str) -> int:
    """Insert or rename the given divisions, parents before children; raises FileRejected, saving nothing."""
    errors = divisions_check(rows)
    if errors:
        raise FileRejected(errors)
    codes = {r.code for r in rows}
    parents = {parent_code(c) for c in codes} - {None}
    known = codes | set(Division.objects.filter(code__in=parents).values_list("code", flat=True))
    for row in sorted(rows, key=lambda r: _depth(r.code)):
        parent = parent_code(row.code)
        Division.objects.update_or_create(
            code=row.code,
            defaults={
                "name": row.name.strip(),
                "level": level_of(row.code).value,
                "parent_id": parent if parent in known else None,
            },
        )
    audit_record(
        actor=actor,
        action="divisions.load",
        object_type="divisions.division",
        data={"source": source, "rows": len(rows)},
    )
    return len(rows)


def divisions_prune(*, actor, under: str, keep: Iterable[str]) -> int:
    """Remove divisions under `under` that are not in `keep` (users attached to them lose their division,
    and so see nothing, rather than keeping rights to a place that no longer exists)."""
    low, high = code_range(under)
    stale = Division.objects.filter(code__range=(low, high)).exclude(code__in=set(keep))
    stale_codes = list(stale.values_list("code", flat=True))
    if not stale_codes:
        return 0
    User.objects.filter(division_id__in=stale_codes).update(division=None)
    # Children first, because parents are protected.
    for code in sorted(stale_codes, key=_depth, reverse=True):
        Division.objects.filter(code=code).delete()
    audit_record(
        actor=actor,
        action="divisions.prune",
        object_type="divisions.division",
        data={"under": under, "removed": len(stale_codes)},
    )
    return len(stale_codes)


def read_divisions_csv(path: Path) -> list[DivisionRow]:
    """Rows of a `code,name[,level]` CSV (UTF-8, with or without BOM); a level column must agree with the code."""
    errors: list[RowError] = []
    rows: list[DivisionRow] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = {"code", "name"} - set(reader.fieldnames or [])
        if missing:
            raise FileRejected(
                [
                    RowError(1, c, "missing_column", _("The header has no %(c)s column.") % {"c": c})
                    for c in sorted(missing)
                ]
            )
        for i, raw in enumerate(reader, start=2):
            code, name = (raw.get("code") or "").strip(), (raw.get("name") or "").strip()
            level = (raw.get("level") or "").strip()
            if level:
                try:
                    if level != level_of(code).value:
                        errors.append(
                            RowError(
                                i,
                                "level",
                                "level_mismatch",
                                _("The code %(code)s is a %(real)s, not a %(given)s.")
                                % {"code": code, "real": level_of(code).value, "given": level},
                            )
                        )
                except InvalidDivisionCode:
                    pass  # reported on the code column below
            rows.append(DivisionRow(code, name))
    errors += divisions_check(rows)
    if errors:
        raise FileRejected(sorted(errors, key=lambda e: e.row))
    return rows
