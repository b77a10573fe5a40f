"""Data-quality rules: each family fires on a hand-made household and stays silent on a clean one; runs count
new, still-open and fixed issues; only the county starts runs."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from fangpin.accounts.roles import Role
from fangpin.alerts.models import Alert
from fangpin.assistance.models import Measure, MeasureType, Plan
from fangpin.audit.models import AuditEvent
from fangpin.core.errors import PermissionDenied
from fangpin.registry.codes import Health, LabourSkill, MedicalInsurance, Relation, SchoolStatus
from fangpin.registry.models import Category, Household, IncomeRecord
from fangpin.screening.models import QualityIssue, QualityRun, RulePurpose, RuleSet
from fangpin.screening.quality.services import default_quality_source, quality_run
from fangpin.screening.quality.table import quality_catalogue
from fangpin.screening.rules import load_rule_set
from tests.factories import HouseholdFactory, MemberFactory, UserFactory, make_id_number

AS_OF = dt.date(2026, 11, 20)


def _months(n: int = 12) -> list[dt.date]:
    out, month = [], dt.date(2025, 11, 1)
    for _ in range(n):
        out.append(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return out


def clean_household(village, county_user, **fields) -> Household:
    """A monitored household with nothing to fix: members, income, plan, helper, 三保障 all in order."""
    defaults = {
        "status": "monitored",
        "category": Category.objects.order_by("sort_order").first(),
        "risk_codes": ["01"],
        "identified_on": dt.date(2025, 6, 1),
        "housing_grade": "A",
        "has_safe_water": True,
        "helper": UserFactory(),
    }
    h = HouseholdFactory(village=village, **(defaults | fields))
    MemberFactory(household=h)
    MemberFactory(household=h, relation=Relation.SPOUSE, id_number=make_id_number(male=False))
    for month in _months():
        IncomeRecord.objects.create(
            household=h,
            period=month,
            wage_income=Decimal("1500"),
            transfer_income=Decimal("100"),
            medical_self_paid=Decimal("300"),
        )
    plan = Plan.objects.create(household=h, created_by=county_user)
    for code in ("health", "industry"):
        Measure.objects.create(
            plan=plan,
            risk_code="01",
            measure_type=MeasureType.objects.get(code=code),
            provider="县卫健局",
            start_date=dt.date(2025, 7, 1),
            created_by=county_user,
        )
    return h


def _run(actor="cli", **kwargs) -> QualityRun:
    return quality_run(actor=actor, trigger="manual", as_of=AS_OF, **kwargs)


def _codes(run: QualityRun, household: Household) -> set[str]:
    return set(QualityIssue.objects.filter(run=run, household=household).values_list("rule_code", flat=True))


def test_the_default_quality_rules_validate_and_number_at_least_thirty():
    rule_set = load_rule_set(default_quality_source(), catalogue=quality_catalogue())
    assert len(rule_set.rules) >= 30
    assert all(re.fullmatch(r"1_\d{2}_\d{3}", r.code) for r in rule_set.rules)  # the national style


def test_a_clean_household_has_no_issue(county, users):
    h = clean_household(county.village_a1, users[Role.COUNTY])
    run = _run()
    assert _codes(run, h) == set()
    assert run.households == 1
    assert RuleSet.objects.get(purpose=RulePurpose.QUALITY).version == 1


def _no_helper(h):
    Household.objects.filter(pk=h.pk).update(helper=None)


def _invalid_id(h):
    h.members.filter(relation=Relation.SPOUSE).update(id_number_hash="", id_number_masked="")


def _shared_member(h):
    other = HouseholdFactory(village=h.village)
    head = h.members.get(relation=Relation.HEAD)
    MemberFactory(
        household=other,
        id_number_hash=head.id_number_hash,
        id_number_masked=head.id_number_masked,
    )


def _negative_income(h):
    IncomeRecord.objects.filter(household=h, period=dt.date(2026, 3, 1)).update(
        wage_income=Decimal("-50"), production_cost=Decimal("900")
    )


def _double_month(h):
    IncomeRecord.objects.create(
        household=h, period=dt.date(2026, 3, 1), source="feed", wage_income=Decimal("1500")
    )


def _unsafe_water(h):
    Household.objects.filter(pk=h.pk).update(has_safe_water=False)


def _dropout(h):
    MemberFactory(
        household=h,
        relation=Relation.CHILD,
        id_number=make_id_number(birth=dt.date(2014, 3, 1)),
        school_status=SchoolStatus.NOT_IN_SCHOOL,
        labour_skill=LabourSkill.NONE,
    )


def _uninsured(h):
    h.members.filter(relation=Relation.SPOUSE).update(medical_insurance=MedicalInsurance.NONE)


def _illness_without_health_measure(h):
    Measure.objects.filter(plan__household=h, measure_type__code="health").delete()


def _unstable_work_without_labour(h):
    Household.objects.filter(pk=h.pk).update(risk_codes=["01", "07"])
    h.members.update(labour_skill=LabourSkill.LOST, health=Health.SERIOUS)


def _only_protection(h):
    Measure.objects.filter(plan__household=h, measure_type__code="industry").delete()


def _eliminated_too_soon(h):
    Household.objects.filter(pk=h.pk).update(
        status="eliminated", eliminated_on=dt.date(2025, 7, 1), elimination_method="帮扶消除"
    )


def _eliminated_below_line(h):
    Household.objects.filter(pk=h.pk).update(
        status="eliminated", eliminated_on=dt.date(2026, 6, 1), elimination_method="帮扶消除"
    )
    IncomeRecord.objects.filter(household=h).update(wage_income=Decimal("100"))


def _eliminated_without_labour(h):
    Household.objects.filter(pk=h.pk).update(
        status="eliminated", eliminated_on=dt.date(2026, 6, 1), elimination_method="自然消除"
    )
    h.members.update(labour_skill=LabourSkill.NONE)


def _eliminated_fields_empty(h):
    Household.objects.filter(pk=h.pk).update(
        status="eliminated",
        eliminated_on=dt.date(2026, 6, 1),
        elimination_method="帮扶消除",
        housing_grade="",
    )


def _overdue_alert(h):
    Alert.objects.create(
        village=h.village,
        household=h,
        risk_code="01",
        level="orange",
        source="rule",
        raised_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
        first_visit_due=dt.date(2026, 10, 8),
    )


def _no_risk_type(h):
    Household.objects.filter(pk=h.pk).update(risk_codes=[])


def _odd_risk_codes(h):
    Household.objects.filter(pk=h.pk).update(risk_codes=["01", "08", "01", "02", "03", "0201"])


@pytest.mark.parametrize(
    ("spoil", "code", "words"),
    [
        (_invalid_id, "1_01_001", "1 member(s) have an empty or malformed ID number"),
        (_shared_member, "1_01_002", "also appears in another household"),
        (_no_risk_type, "1_03_001", "has no risk type"),
        (_odd_risk_codes, "1_03_002", "6 risk types are recorded; at most 5 are allowed"),
        (_odd_risk_codes, "1_03_003", "1 risk type(s) are not national codes"),
        (_odd_risk_codes, "1_03_004", "1 risk type(s) are listed twice"),
        (_negative_income, "1_04_001", "have a negative amount"),
        (_negative_income, "1_04_002", "production costs exceed all income"),
        (_double_month, "1_04_003", "1 extra record(s)"),
        (_unsafe_water, "1_05_006", "no water measure"),
        (_dropout, "1_05_001", "1 member(s) aged 6 to 15 are not in school"),
        (_uninsured, "1_05_002", "1 member(s) have no basic medical insurance"),
        (_illness_without_health_measure, "1_06_001", "no health measure"),
        (_unstable_work_without_labour, "1_06_004", "unstable employment (07) but has no labour"),
        (_only_protection, "1_06_006", "all 1 measures are protection"),
        (_no_helper, "1_07_001", "No helper"),
        (_eliminated_too_soon, "1_11_001", "30 days after identification"),
        (_eliminated_below_line, "1_11_002", "income per person over the last 12 months is 1,200 yuan"),
        (_eliminated_without_labour, "1_11_003", "has no labour"),
        (_eliminated_fields_empty, "1_11_004", "the housing grade () or safe water (yes) is empty"),
        (_overdue_alert, "1_12_003", "1 alert(s) are past their first-visit deadline, the oldest by 43 days"),
    ],
)
def test_each_rule_family_fires_on_a_spoiled_household_and_not_on_a_clean_one(
    county, users, spoil, code, words
):
    bad = clean_household(county.village_a1, users[Role.COUNTY])
    good = clean_household(county.village_a2, users[Role.COUNTY])
    spoil(bad)
    run = _run()
    issue = QualityIssue.objects.get(run=run, household=bad, rule_code=code)
    assert words in issue.explanation_en
    assert issue.explanation_zh
    assert issue.village_code == county.village_a1.code
    assert issue.township_code == county.township_a.code
    assert _codes(run, good) == set()


def test_a_second_run_counts_fixed_still_open_and_new_issues(county, users):
    a = clean_household(county.village_a1, users[Role.COUNTY], helper=None)
    b = clean_household(county.village_b1, users[Role.COUNTY], has_safe_water=False)
    first = _run()
    assert (first.issues, first.new_issues, first.still_open, first.fixed) == (2, 2, 0, 0)
    Household.objects.filter(pk=a.pk).update(helper=UserFactory())  # fixed
    Household.objects.filter(pk=b.pk).update(housing_grade="D")  # still open, and a new one
    second = _run()
    assert (second.issues, second.new_issues, second.still_open, second.fixed) == (2, 1, 1, 1)
    assert second.counts["1_07_001"] == {"issues": 0, "new": 0, "fixed": 1}
    assert second.counts["1_05_003"] == {"issues": 1, "new": 1, "fixed": 0}
    assert not QualityIssue.objects.get(run=second, rule_code="1_05_006").is_new
    assert AuditEvent.objects.filter(action="quality.run").count() == 2


@pytest.mark.parametrize("role", [Role.TOWNSHIP, Role.VILLAGE, Role.ANALYST])
def test_only_the_county_bureau_starts_a_quality_run(county, users, role):
    clean_household(county.village_a1, users[Role.COUNTY], helper=None)
    with pytest.raises(PermissionDenied, match="Only the county bureau"):
        _run(actor=users[role])
    assert not QualityRun.objects.exists()


def test_an_unknown_trigger_is_refused_and_nothing_is_stored(county, users):
    with pytest.raises(Exception, match="Unknown trigger"):
        quality_run(actor="cli", trigger="weekly")
    assert not QualityRun.objects.exists()


def test_the_cli_runs_the_checks_and_says_what_it_found(county, users, capsys):
    clean_household(county.village_a1, users[Role.COUNTY], helper=None)
    call_command("quality", "--trigger", "import", "--as-of", AS_OF.isoformat())
    out = capsys.readouterr().out
    run = QualityRun.objects.get()
    assert run.trigger == "import"
    assert "1 households, 1 issues (1 new, 0 still open, 0 fixed)" in out


def test_the_quality_table_has_exactly_the_columns_of_the_catalogue(county, users):
    from fangpin.screening import engine as engines
    from fangpin.screening.quality.table import COLUMNS, KEYS, quality_table

    clean_household(county.village_a1, users[Role.COUNTY])
    table = quality_table(engines.connect("duckdb"), as_of=AS_OF, monitoring_line=Decimal("6000"))
    assert set(table.columns) == set(COLUMNS) | set(KEYS)
    row = table.to_pyarrow().to_pylist()[0]
    assert row["residents"] == 2
    assert row["labour"] == 2
    assert row["income_months"] == 12
    assert row["income_pc_12m"] == pytest.approx(12 * 1600 / 2)
    assert row["risk_01"] and not row["risk_02"]
    assert row["township_code"] == county.township_a.code


def test_an_issue_of_a_household_left_unfixed_stays_open_over_three_runs(county, users):
    clean_household(county.village_a1, users[Role.COUNTY], helper=None)
    runs = [_run() for _ in range(3)]
    assert [(r.new_issues, r.still_open, r.fixed) for r in runs] == [(1, 0, 0), (0, 1, 0), (0, 1, 0)]
