"""Month arithmetic and Chinese date conventions."""

import datetime as dt

from django.utils.translation import gettext as _


def add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month `n` months after (or before, for negative n) `month`."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_month(text: str) -> dt.date:
    """'2026-10' or '202610' (the national exports' YYYYMM) → 2026-10-01; ValueError saying why."""
    digits = text.strip().replace("-", "").replace("/", "")
    if len(digits) != 6 or not digits.isdigit():
        raise ValueError(
            _("%(text)s is not a month: write it as YYYY-MM, for example 2026-10.") % {"text": text}
        )
    year, month = int(digits[:4]), int(digits[4:])
    if not 1 <= month <= 12:
        raise ValueError(
            _("%(text)s is not a month: %(month)d is not between 1 and 12.") % {"text": text, "month": month}
        )
    return dt.date(year, month, 1)
