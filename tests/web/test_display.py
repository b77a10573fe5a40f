"""How values are shown: money, names, risk labels and the history rows (without a query per row)."""

from decimal import Decimal

import pytest
from django.utils import translation

from fangpin.accounts.models import User
from fangpin.registry import selectors
from fangpin.web.display import history_rows, person_name, risk_label, yuan


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(Decimal("12345.67"), "¥12,345.67"), (Decimal("-1234.5"), "-¥1,234.50"), (0, "¥0.00"), (None, "—")],
)
def test_money_is_shown_in_yuan_with_thousands_separators(amount, shown):
    assert yuan(amount) == shown


def test_a_chinese_name_is_shown_family_name_first_without_a_space():
    assert person_name(User(username="hx", first_name="秀兰", last_name="黄")) == "黄秀兰"
    assert person_name(User(username="jd", first_name="Jane", last_name="Doe")) == "Jane Doe"
    assert person_name(User(username="village")) == "village"


def test_an_unknown_risk_code_is_shown_as_itself():
    with translation.override("zh-hans"):
        assert risk_label("01") == "因病"
    assert risk_label("42") == "42"


def test_history_rows_name_the_changed_fields_without_querying(households, django_assert_num_queries):
    household = households["a1"]
    household.status, household.address = "monitored", "东岭村3组"
    household.save()
    records = selectors.household_history(household=household)
    with translation.override("en"), django_assert_num_queries(0):
        rows = history_rows(records)
    changed = [r for r in rows if "changed" in r.what]
    assert len(changed) == 1
    assert changed[0].fields == ": Address, Monitoring status"
    assert changed[0].who == "system"
    with translation.override("zh-hans"):
        assert history_rows(records)[0].fields == "：住址、监测状态"
