import pytest

from fangpin.monitoring.models import LimitUnit, TimeLimit
from fangpin.monitoring.selectors import Limit, time_limit


@pytest.mark.django_db
def test_a_time_limit_defaults_until_the_county_sets_its_own():
    assert time_limit("alert_first_visit") == Limit(5, LimitUnit.WORKING_DAYS)
    TimeLimit.objects.create(key="alert_first_visit", amount=3, unit=LimitUnit.WORKING_DAYS)
    assert time_limit("alert_first_visit") == Limit(3, LimitUnit.WORKING_DAYS)


@pytest.mark.django_db
def test_an_unknown_time_limit_names_the_known_ones():
    with pytest.raises(KeyError, match="alert_first_visit"):
        time_limit("first_vist")
