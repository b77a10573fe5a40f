import datetime as dt

from django.utils import timezone

from fangpin.alerts.models import Alert
from fangpin.alerts.selectors import alert_is_overdue
from fangpin.core import clock


def test_the_clock_is_the_local_date_unless_a_trainer_moves_it(settings):
    assert clock.today() == timezone.localdate()
    settings.FANGPIN_CLOCK_OFFSET_DAYS = 10
    assert clock.today() == timezone.localdate() + dt.timedelta(days=10)


def test_moving_the_clock_forward_turns_a_first_visit_overdue(settings):
    alert = Alert(status="open", first_visit_due=timezone.localdate() + dt.timedelta(days=5))
    assert not alert_is_overdue(alert)
    settings.FANGPIN_CLOCK_OFFSET_DAYS = 6
    assert alert_is_overdue(alert)
