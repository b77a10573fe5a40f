"""The inbox: what each role sees (its own village only, or overdue work one level down), a fixed number of
queries whatever the data size, and the page with its links and deadline colours."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fangpin.accounts.roles import Role
from fangpin.alerts.models import Alert, AlertStatus
from fangpin.cases import services as case_services
from fangpin.cases.rules import DeadlineState
from fangpin.feeds.models import BatchStatus, FeedBatch, FeedRow, FeedSchema, RowStatus
from fangpin.feeds.services import feed_schemas_install_defaults
from fangpin.registry.codes import MonitoringStatus
from fangpin.web.inbox import SectionKey, inbox_for
from tests.factories import HouseholdFactory, MemberFactory, UserFactory

# The lead adds the inbox to fangpin.web.urls; until then these tests mount it themselves.
pytestmark = [pytest.mark.django_db]

TODAY = dt.date(2026, 11, 10)  # a Tuesday with no holiday near it
LATER = TODAY + dt.timedelta(days=30)  # the clock moved forward: every step and visit is overdue


def make_alert(household, *, due=TODAY + dt.timedelta(days=5), assigned_to=None, risk_code="01") -> Alert:
    return Alert.objects.create(
        village_id=household.village_id,
        household=household,
        risk_code=risk_code,
        level="orange",
        source="rule",
        status=AlertStatus.ASSIGNED if assigned_to else AlertStatus.OPEN,
        raised_at=timezone.now(),
        first_visit_due=due,
        assigned_to=assigned_to,
    )


def make_case(household, users):
    return case_services.case_open_identification(
        actor=users[Role.VILLAGE], household_id=household.pk, risk_codes=["01"]
    )


def make_follow_up(village, helper):
    """A monitored household identified long ago and never visited: its follow-up is overdue."""
    household = HouseholdFactory(
        village=village,
        status=MonitoringStatus.MONITORED,
        risk_codes=["01"],
        identified_on=TODAY - dt.timedelta(days=200),
        helper=helper,
    )
    MemberFactory(household=household)
    return household


def make_match(member) -> FeedRow:
    if not FeedSchema.objects.exists():
        feed_schemas_install_defaults()
    batch = FeedBatch.objects.create(
        schema=FeedSchema.objects.get(source="health"),
        department="卫健",
        file_name="住院.csv",
        file_sha256="0" * 64,
        status=BatchStatus.DONE,
    )
    return FeedRow.objects.create(
        batch=batch, row_number=7, status=RowStatus.AMBIGUOUS, candidates=[member.pk]
    )


def numbers(inbox, key) -> list[str]:
    section = inbox.section(key)
    return [str(item.label) for item in section.items] if section else []


def test_a_village_cadre_sees_the_alerts_assigned_to_them_and_not_the_area_queue(users, households):
    cadre = users[Role.VILLAGE]
    mine = make_alert(households["a1"], assigned_to=cadre)
    make_alert(households["a1b"])  # unassigned: the township's to give out
    inbox = inbox_for(actor=cadre, today=TODAY)
    assert numbers(inbox, SectionKey.MY_ALERTS) == [mine.household.number]
    assert inbox.section(SectionKey.AREA_ALERTS) is None
    assert inbox.section(SectionKey.MATCHES) is None
    assert inbox.section(SectionKey.HELPERS_OVERDUE) is None


def test_a_township_officer_sees_unassigned_and_overdue_alerts_of_their_villages_only(users, households):
    cadre, officer = users[Role.VILLAGE], users[Role.TOWNSHIP]
    unassigned = make_alert(households["a2"])
    late = make_alert(households["a1"], assigned_to=cadre, due=TODAY - dt.timedelta(days=1))
    make_alert(households["a1b"], assigned_to=cadre)  # assigned and on time: the cadre's business
    make_alert(households["b1"])  # township B
    inbox = inbox_for(actor=officer, today=TODAY)
    area = inbox.section(SectionKey.AREA_ALERTS)
    assert (area.count, area.overdue) == (2, 1)
    assert [i.label for i in area.items] == [
        late.household.number,
        unassigned.household.number,
    ]  # most urgent
    assert [i.deadline for i in area.items] == [DeadlineState.RED, DeadlineState.ON_TIME]
    assert area.items[0].url_name == "alert-detail" and area.items[0].url_pk == late.pk


def test_an_alert_turns_orange_when_due_by_the_next_working_day_and_red_after(users, households):
    cadre = users[Role.VILLAGE]
    make_alert(households["a1"], assigned_to=cadre, due=TODAY + dt.timedelta(days=1))
    [item] = inbox_for(actor=cadre, today=TODAY).section(SectionKey.MY_ALERTS).items
    assert item.deadline == DeadlineState.ORANGE
    [item] = inbox_for(actor=cadre, today=TODAY + dt.timedelta(days=2)).section(SectionKey.MY_ALERTS).items
    assert item.deadline == DeadlineState.RED and item.is_overdue


def test_closed_alerts_leave_the_inbox(users, households):
    cadre = users[Role.VILLAGE]
    alert = make_alert(households["a1"], assigned_to=cadre)
    Alert.objects.filter(pk=alert.pk).update(status=AlertStatus.DISMISSED)
    assert inbox_for(actor=cadre, today=TODAY).section(SectionKey.MY_ALERTS).count == 0


def test_cases_wait_for_the_village_and_reach_the_township_only_once_overdue(users, households):
    case = make_case(households["a1"], users)
    village, township = users[Role.VILLAGE], users[Role.TOWNSHIP]
    today = timezone.localdate()
    assert numbers(inbox_for(actor=village, today=today), SectionKey.CASES) == [case.household.number]
    assert inbox_for(actor=township, today=today).section(SectionKey.CASES).count == 0
    later = case.step_due_on + dt.timedelta(days=1)
    township_cases = inbox_for(actor=township, today=later).section(SectionKey.CASES)
    assert (township_cases.count, township_cases.overdue) == (1, 1)
    [item] = township_cases.items
    assert item.deadline == DeadlineState.RED and item.url_name == "case-detail" and item.url_pk == case.pk
    assert "(overdue below)" in str(item.detail)


def test_a_cadre_of_another_village_does_not_see_the_case(users, households, county):
    make_case(households["a1"], users)
    other = UserFactory(username="village-a2", role=Role.VILLAGE, division=county.village_a2)
    later = timezone.localdate() + dt.timedelta(days=60)
    assert inbox_for(actor=other, today=later).section(SectionKey.CASES).count == 0
    assert (
        inbox_for(
            actor=UserFactory(username="township-b", role=Role.TOWNSHIP, division=county.township_b),
            today=later,
        )
        .section(SectionKey.CASES)
        .count
        == 0
    )


def test_a_helper_sees_their_follow_ups_and_the_township_sees_them_per_helper(users, county):
    cadre = users[Role.VILLAGE]
    household = make_follow_up(county.village_a1, cadre)
    make_follow_up(county.village_a2, None)
    mine = inbox_for(actor=cadre, today=TODAY).section(SectionKey.MY_FOLLOW_UPS)
    assert (mine.count, mine.overdue) == (1, 1)
    assert mine.items[0].url_name == "assistance-plan" and mine.items[0].url_pk == household.pk
    per_helper = inbox_for(actor=users[Role.TOWNSHIP], today=TODAY).section(SectionKey.HELPERS_OVERDUE)
    assert per_helper.count == 2
    assert [(str(i.label), str(i.detail)) for i in per_helper.items] == [
        ("village", "1 overdue"),
        ("no helper assigned", "1 overdue"),
    ]
    outside = UserFactory(username="township-b", role=Role.TOWNSHIP, division=county.township_b)
    assert inbox_for(actor=outside, today=TODAY).section(SectionKey.HELPERS_OVERDUE).count == 0


def test_ambiguous_matches_wait_for_the_township_of_the_candidate(users, households, county):
    member = households["a1"].members.get()
    make_match(member)
    matches = inbox_for(actor=users[Role.TOWNSHIP], today=TODAY).section(SectionKey.MATCHES)
    assert matches.count == 1 and matches.items[0].url_name == "feeds-queue"
    assert "row 7" in str(matches.items[0].detail)
    outside = UserFactory(username="township-b", role=Role.TOWNSHIP, division=county.township_b)
    assert inbox_for(actor=outside, today=TODAY).section(SectionKey.MATCHES).count == 0


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.SOCIAL, Role.ANALYST])
def test_roles_without_households_have_an_empty_inbox(users, households, role):
    make_alert(households["a1"])
    inbox = inbox_for(actor=users[role], today=TODAY)
    assert inbox.sections == () and inbox.count == 0


def _fill(users, households, county, n: int) -> None:
    cadre = users[Role.VILLAGE]
    for _ in range(n):
        household = HouseholdFactory(village=county.village_a1)
        member = MemberFactory(household=household)
        make_alert(household, assigned_to=cadre, due=TODAY - dt.timedelta(days=1))
        make_alert(household, risk_code="02")
        make_case(household, users)
        make_follow_up(county.village_a1, cadre)
        make_follow_up(county.village_a2, UserFactory(role=Role.VILLAGE, division=county.village_a2))
        make_match(member)


def _queries(actor) -> int:
    with CaptureQueriesContext(connection) as ctx:
        inbox_for(actor=actor, today=LATER)
    return len(ctx)


@pytest.mark.parametrize("role", [Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY])
def test_the_number_of_queries_does_not_grow_with_the_data(users, households, county, role):
    _fill(users, households, county, 1)
    few = _queries(users[role])
    _fill(users, households, county, 8)
    assert _queries(users[role]) == few
    # The county sees no case waiting for a village, however late; it sees the villages' alerts.
    key, total = (SectionKey.AREA_ALERTS, 18) if role == Role.COUNTY else (SectionKey.CASES, 9)
    section = inbox_for(actor=users[role], today=LATER).section(key)
    assert section.count == total and len(section.items) == 5  # counted in full, five shown


def test_the_township_inbox_takes_a_fixed_number_of_queries(
    users, households, county, django_assert_num_queries
):
    _fill(users, households, county, 3)
    # alerts 2 + 2, cases 2, my follow-ups 3, per helper 3, matches 4
    with django_assert_num_queries(16):
        inbox_for(actor=users[Role.TOWNSHIP], today=LATER)


def _login(client, users, role):
    client.force_login(users[role])
    client.cookies["django_language"] = "en"


def test_the_page_lists_the_work_with_links_and_colours(client, users, households):
    cadre = users[Role.VILLAGE]
    late = make_alert(households["a1"], assigned_to=cadre, due=timezone.localdate() - dt.timedelta(days=2))
    case = make_case(households["a1b"], users)
    _login(client, users, Role.VILLAGE)
    page = client.get(reverse("inbox")).content.decode()
    assert "My inbox" in page
    assert reverse("alert-detail", args=[late.pk]) in page
    assert reverse("case-detail", args=[case.pk]) in page
    assert 'class="deadline-red"' in page and "overdue, was due" in page
    assert households["b1"].number not in page


def test_the_page_shows_the_township_its_sections(client, users, households):
    make_alert(households["a2"])
    make_match(households["a1"].members.get())
    _login(client, users, Role.TOWNSHIP)
    page = client.get(reverse("inbox")).content.decode()
    for key in (SectionKey.AREA_ALERTS, SectionKey.HELPERS_OVERDUE, SectionKey.MATCHES):
        assert f'id="{key}"' in page
    assert reverse("feeds-queue") in page and households["a2"].number in page


def test_the_page_speaks_chinese_by_default(client, users):
    client.force_login(users[Role.VILLAGE])
    page = client.get(reverse("inbox")).content.decode()
    assert '<html lang="zh-hans">' in page


def test_the_page_needs_a_log_in(client):
    response = client.get(reverse("inbox"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_page_query_count_does_not_grow_with_the_data(client, users, households, county):
    _login(client, users, Role.TOWNSHIP)
    _fill(users, households, county, 1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("inbox")).status_code == 200
    _fill(users, households, county, 6)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("inbox")).status_code == 200
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("role", "landing"), [(Role.DEPARTMENT, "feeds-upload"), (Role.ANALYST, "household-list")]
)
def test_roles_without_an_inbox_are_sent_to_their_own_pages(client, users, role, landing):
    _login(client, users, role)
    response = client.get(reverse("inbox"))
    assert response.status_code == 302 and response["Location"] == reverse(landing)
