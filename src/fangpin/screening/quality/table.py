"""The data-quality input table: one row per household, built from a few aggregate queries streamed into Arrow.

Each query groups in the database (no per-household Python); the parts are joined on DuckDB through Ibis, and the
quality rules (the screening rule language) run over the result. `COLUMNS` is the catalogue rules are checked with.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from django.db.models import Count, F, Min, Q, Sum, TextField
from django.db.models.functions import Cast

from fangpin.alerts.models import OPEN_STATUSES, Alert
from fangpin.assistance.codes import DeliveryStatus, MeasureKind, PlanStatus
from fangpin.assistance.models import Measure, Plan
from fangpin.cases.models import Case
from fangpin.cases.workflow import Kind as CaseKind
from fangpin.core.dates import add_months
from fangpin.registry.codes import LABOUR_SKILLS, Health, MedicalInsurance, Relation, RiskType, SchoolStatus
from fangpin.registry.income import COMPONENT_SIGNS
from fangpin.registry.models import Household, IncomeRecord, Member
from fangpin.screening.indicators.base import Kind
from fangpin.screening.rules import Catalogue

N, B, T = Kind.NUMBER, Kind.BOOLEAN, Kind.TEXT
# The masked form the registry stores for a valid ID number (id_numbers.mask_id_number): 4 + 10 stars + 4.
MASKED_ID = r"^[0-9]{4}[*]{10}[0-9]{3}[0-9X]$"
# Risk codes a rule can name as `risk_<code>`; every 02xx disaster code also counts as `risk_02`.
RISK_FLAGS = ("01", "02", "03", "04", "05", "06", "07", "09", "99")


@dataclass(frozen=True)
class QualitySettings:
    """Which assistance measure types count as water, health, housing and education measures (catalogue codes),
    and the ages of compulsory education (DESIGN.md §3: no dropout aged 6–15)."""

    water_types: tuple[str, ...] = ("water",)
    health_types: tuple[str, ...] = ("health",)
    housing_types: tuple[str, ...] = ("housing", "relocation")
    education_types: tuple[str, ...] = ("compulsory-education", "other-education")
    school_age_from: int = 6
    school_age_to: int = 15


# The columns of the table and their kinds: what a quality rule may name (besides its parameters).
COLUMNS: dict[str, Kind] = {
    # registry facts
    "household_number": T,
    "status": T,
    "category": T,
    "risk_count": N,
    "risk_codes_unknown": N,
    "risk_codes_repeated": N,
    **{f"risk_{code}": B for code in RISK_FLAGS},
    "identified": B,
    "eliminated": B,
    "days_since_identified": N,
    "days_monitored": N,
    "elimination_method": T,
    "housing_grade": T,
    "has_safe_water": B,
    "has_helper": B,
    "is_formerly_poor": B,
    # members
    "members": N,
    "residents": N,
    "labour": N,
    "heads": N,
    "invalid_ids": N,
    "ids_repeated_in_household": N,
    "ids_in_other_households": N,
    "dropouts": N,
    "school_status_unknown": N,
    "uninsured": N,
    "ill_members": N,
    "disabled_without_grade": N,
    "employed_members": N,
    # income over the last 12 months
    "income_months": N,
    "income_net_12m": N,
    "income_pc_12m": N,
    "income_negative_components": N,
    "income_negative_net_months": N,
    "income_double_months": N,
    "medical_self_paid_12m": N,
    "schooling_self_paid_12m": N,
    "monitoring_line": N,
    # assistance
    "plans": N,
    "measures": N,
    "development_measures": N,
    "water_measures": N,
    "health_measures": N,
    "housing_measures": N,
    "education_measures": N,
    "measures_past_end": N,
    # deadlines
    "overdue_identifications": N,
    "overdue_eliminations": N,
    "overdue_alerts": N,
    "alert_days_overdue": N,
}
KEYS = ("household_id", "village_code", "township_code")


def quality_catalogue() -> Catalogue:
    return Catalogue(columns=COLUMNS)


def _arrow(rows: Iterable[Mapping], schema: pa.Schema) -> pa.Table:
    """The dict rows of a `.values()` query converted by Arrow in one call; money is read as decimals and given
    to the rules as float yuan (they compare amounts, never add cents)."""
    money = {f.name for f in schema if pa.types.is_floating(f.type)}
    read = pa.schema([pa.field(f.name, pa.decimal128(18, 2)) if f.name in money else f for f in schema])
    return pa.Table.from_pylist(list(rows), schema=read).cast(schema)


def _ints(*names: str) -> list[tuple[str, pa.DataType]]:
    return [(n, pa.int64()) for n in names]


def _households() -> pa.Table:
    # risk_codes travels as its JSON text; DuckDB reads the list out of it (quality_table), so a malformed value
    # becomes an empty list rather than an error.
    rows = (
        Household.objects.annotate(
            household_id=F("id"),
            household_number=F("number"),
            village_code=F("village_id"),
            category_code=F("category__code"),
            risk_text=Cast("risk_codes", TextField()),
        )
        .values(
            "household_id",
            "household_number",
            "village_code",
            "status",
            "category_code",
            "risk_text",
            "identified_on",
            "eliminated_on",
            "elimination_method",
            "housing_grade",
            "has_safe_water",
            "helper_id",
            "is_formerly_poor",
        )
        .order_by()
    )
    schema = pa.schema(
        [
            ("household_id", pa.int64()),
            ("household_number", pa.string()),
            ("village_code", pa.string()),
            ("status", pa.string()),
            ("category_code", pa.string()),
            ("risk_text", pa.string()),
            ("identified_on", pa.date32()),
            ("eliminated_on", pa.date32()),
            ("elimination_method", pa.string()),
            ("housing_grade", pa.string()),
            ("has_safe_water", pa.bool_()),
            ("helper_id", pa.int64()),
            ("is_formerly_poor", pa.bool_()),
        ]
    )
    return _arrow(rows.iterator(chunk_size=5000), schema)


def _members(as_of: dt.date, settings: QualitySettings) -> pa.Table:
    # Aged from..to on `as_of`: born after (as_of − (to+1) years) and on or before (as_of − from years).
    oldest = as_of.replace(year=as_of.year - settings.school_age_to - 1, day=min(as_of.day, 28))
    youngest = as_of.replace(year=as_of.year - settings.school_age_from, day=min(as_of.day, 28))
    school_age = Q(birth_date__gt=oldest, birth_date__lte=youngest)
    rows = (
        Member.objects.values("household_id")
        .annotate(
            members=Count("id"),
            residents=Count("id", filter=Q(is_resident=True)),
            labour=Count("id", filter=Q(is_resident=True, labour_skill__in=LABOUR_SKILLS)),
            heads=Count("id", filter=Q(relation=Relation.HEAD)),
            invalid_ids=Count("id", filter=Q(id_number_hash="") | ~Q(id_number_masked__regex=MASKED_ID)),
            distinct_ids=Count("id_number_hash", distinct=True, filter=~Q(id_number_hash="")),
            valid_hashes=Count("id", filter=~Q(id_number_hash="")),
            dropouts=Count("id", filter=school_age & Q(school_status=SchoolStatus.NOT_IN_SCHOOL)),
            school_status_unknown=Count("id", filter=school_age & Q(school_status="")),
            uninsured=Count("id", filter=Q(medical_insurance=MedicalInsurance.NONE)),
            ill_members=Count("id", filter=Q(health__in=[Health.CHRONIC, Health.SERIOUS])),
            disabled_without_grade=Count(
                "id", filter=Q(health=Health.DISABLED, disability_grade__isnull=True)
            ),
            employed_members=Count("id", filter=Q(months_employed__gt=0)),
        )
        .order_by()
    )
    names = [
        "members",
        "residents",
        "labour",
        "heads",
        "invalid_ids",
        "distinct_ids",
        "valid_hashes",
        "dropouts",
        "school_status_unknown",
        "uninsured",
        "ill_members",
        "disabled_without_grade",
        "employed_members",
    ]
    return _arrow(rows.iterator(chunk_size=5000), pa.schema(_ints("household_id", *names)))


def _shared_ids() -> pa.Table:
    """Members whose ID number (by its keyed hash) is also registered in another household (人员重复)."""
    shared = (
        Member.objects.exclude(id_number_hash="")
        .values("id_number_hash")
        .annotate(n=Count("household_id", distinct=True))
        .filter(n__gt=1)
        .values("id_number_hash")
    )
    rows = (
        Member.objects.filter(id_number_hash__in=shared)
        .values("household_id")
        .annotate(ids_in_other_households=Count("id"))
        .order_by()
    )
    return _arrow(rows.iterator(), pa.schema(_ints("household_id", "ids_in_other_households")))


def _income(as_of: dt.date) -> pa.Table:
    """The last 12 complete months: net income (registry/income.py's formula), and the records that do not add up.

    A record "does not add up" when a component is negative (every field of the form is an amount ≥ 0), or when
    its net is negative (costs above all income that month); a month "counted twice" has records from more than
    one source, whose sum then double-counts that month.
    """
    last = as_of.replace(day=1)
    net = None
    for name, sign in COMPONENT_SIGNS.items():
        net = F(name) if net is None else (net + F(name) if sign > 0 else net - F(name))
    negative_component = Q()
    for name in [*COMPONENT_SIGNS, "medical_self_paid", "schooling_self_paid", "claims_income"]:
        negative_component |= Q(**{f"{name}__lt": 0})
    rows = (
        IncomeRecord.objects.filter(period__gte=add_months(last, -12), period__lt=last)
        .annotate(net=net)
        .values("household_id")
        .annotate(
            income_months=Count("period", distinct=True),
            income_records=Count("id"),
            income_net_12m=Sum("net"),
            income_negative_components=Count("id", filter=negative_component),
            income_negative_net_months=Count("id", filter=Q(net__lt=0)),
            medical_self_paid_12m=Sum("medical_self_paid"),
            schooling_self_paid_12m=Sum("schooling_self_paid"),
        )
        .order_by()
    )
    schema = pa.schema(
        [
            *_ints("household_id", "income_months", "income_records"),
            ("income_net_12m", pa.float64()),
            *_ints("income_negative_components", "income_negative_net_months"),
            ("medical_self_paid_12m", pa.float64()),
            ("schooling_self_paid_12m", pa.float64()),
        ]
    )
    return _arrow(rows.iterator(), schema)


def _measures(as_of: dt.date, settings: QualitySettings) -> pa.Table:
    """Measures of the plan in force, by kind and by catalogue type."""
    rows = (
        Measure.objects.filter(plan__status=PlanStatus.ACTIVE)
        .values(household_id=F("plan__household_id"))
        .annotate(
            measures=Count("id"),
            development_measures=Count("id", filter=Q(measure_type__kind=MeasureKind.DEVELOPMENT)),
            water_measures=Count("id", filter=Q(measure_type__code__in=settings.water_types)),
            health_measures=Count("id", filter=Q(measure_type__code__in=settings.health_types)),
            housing_measures=Count("id", filter=Q(measure_type__code__in=settings.housing_types)),
            education_measures=Count("id", filter=Q(measure_type__code__in=settings.education_types)),
            measures_past_end=Count(
                "id", filter=Q(end_date__lt=as_of, delivery_status=DeliveryStatus.PLANNED)
            ),
        )
        .order_by()
    )
    names = [
        "measures",
        "development_measures",
        "water_measures",
        "health_measures",
        "housing_measures",
        "education_measures",
        "measures_past_end",
    ]
    return _arrow(rows.iterator(), pa.schema(_ints("household_id", *names)))


def _plans() -> pa.Table:
    rows = (
        Plan.objects.filter(status=PlanStatus.ACTIVE)
        .values("household_id")
        .annotate(plans=Count("id"))
        .order_by()
    )
    return _arrow(rows.iterator(), pa.schema(_ints("household_id", "plans")))


def _deadlines(as_of: dt.date) -> tuple[pa.Table, pa.Table]:
    """Open cases past their whole-procedure deadline, and open alerts past their first-visit deadline."""
    cases = (
        Case.objects.filter(closed_at__isnull=True, due_on__lt=as_of)
        .values("household_id")
        .annotate(
            overdue_identifications=Count("id", filter=Q(kind=CaseKind.IDENTIFICATION)),
            overdue_eliminations=Count("id", filter=Q(kind=CaseKind.ELIMINATION)),
        )
        .order_by()
    )
    alerts = (
        Alert.objects.filter(household__isnull=False, status__in=OPEN_STATUSES, first_visit_due__lt=as_of)
        .values("household_id")
        .annotate(overdue_alerts=Count("id"), oldest_due=Min("first_visit_due"))
        .order_by()
    )
    cases_t = _arrow(
        cases.iterator(),
        pa.schema(_ints("household_id", "overdue_identifications", "overdue_eliminations")),
    )
    alerts_t = _arrow(
        alerts.iterator(),
        pa.schema([*_ints("household_id", "overdue_alerts"), ("oldest_due", pa.date32())]),
    )
    return cases_t, alerts_t


def quality_table(
    backend: ibis.BaseBackend,
    *,
    as_of: dt.date,
    monitoring_line: Decimal | None,
    settings: QualitySettings = QualitySettings(),
) -> ir.Table:
    """Every household with the columns of `COLUMNS` (plus `household_id`, `village_code`, `township_code`)."""
    cases, alerts = _deadlines(as_of)
    parts = {
        "members": _members(as_of, settings),
        "shared": _shared_ids(),
        "income": _income(as_of),
        "measures": _measures(as_of, settings),
        "plans": _plans(),
        "cases": cases,
        "alerts": alerts,
    }
    backend.create_table("quality_households_raw", _households(), temp=True, overwrite=True)
    h = backend.sql(
        "SELECT *, coalesce(CAST(json_extract_string(TRY_CAST(risk_text AS JSON), '$[*]') AS VARCHAR[]), [])"
        " AS risk_list FROM quality_households_raw"
    )
    joined = h
    for name, part in parts.items():
        other = backend.create_table(f"quality_{name}", part, temp=True, overwrite=True)
        joined = joined.left_join(other, "household_id").drop("household_id_right")
    t = joined
    as_of_lit = ibis.literal(as_of)
    risks = t.risk_list
    national = ibis.literal(sorted(RiskType.values))

    def zero(name: str) -> ir.IntegerValue:
        return t[name].fill_null(0)

    flags = {
        f"risk_{code}": (
            risks.filter(lambda c: c.startswith("02")).length() > 0 if code == "02" else risks.contains(code)
        )
        for code in RISK_FLAGS
    }
    residents = zero("residents")
    net = t.income_net_12m
    return t.select(
        "household_id",
        "village_code",
        township_code=t.village_code.substr(0, 9) + "000",
        household_number=t.household_number,
        status=t.status,
        category=t.category_code.fill_null(""),
        risk_count=risks.length(),
        risk_codes_unknown=risks.filter(lambda c: ~national.contains(c)).length(),
        risk_codes_repeated=risks.length() - risks.unique().length(),
        **flags,
        identified=t.identified_on.notnull(),
        eliminated=t.eliminated_on.notnull(),
        days_since_identified=as_of_lit.delta(t.identified_on, unit="day"),
        days_monitored=t.eliminated_on.delta(t.identified_on, unit="day"),
        elimination_method=t.elimination_method,
        housing_grade=t.housing_grade,
        has_safe_water=t.has_safe_water,
        has_helper=t.helper_id.notnull(),
        is_formerly_poor=t.is_formerly_poor,
        members=zero("members"),
        residents=residents,
        labour=zero("labour"),
        heads=zero("heads"),
        invalid_ids=zero("invalid_ids"),
        ids_repeated_in_household=zero("valid_hashes") - zero("distinct_ids"),
        ids_in_other_households=zero("ids_in_other_households"),
        dropouts=zero("dropouts"),
        school_status_unknown=zero("school_status_unknown"),
        uninsured=zero("uninsured"),
        ill_members=zero("ill_members"),
        disabled_without_grade=zero("disabled_without_grade"),
        employed_members=zero("employed_members"),
        income_months=zero("income_months"),
        income_net_12m=net,
        # Missing without records or without residents: "no income data" is a rule of its own.
        income_pc_12m=ibis.ifelse(residents > 0, net / residents.cast("float64"), ibis.null("float64")),
        income_negative_components=zero("income_negative_components"),
        income_negative_net_months=zero("income_negative_net_months"),
        income_double_months=zero("income_records") - zero("income_months"),
        medical_self_paid_12m=t.medical_self_paid_12m.fill_null(0.0),
        schooling_self_paid_12m=t.schooling_self_paid_12m.fill_null(0.0),
        monitoring_line=ibis.literal(
            float(monitoring_line) if monitoring_line is not None else None, "float64"
        ),
        plans=zero("plans"),
        measures=zero("measures"),
        development_measures=zero("development_measures"),
        water_measures=zero("water_measures"),
        health_measures=zero("health_measures"),
        housing_measures=zero("housing_measures"),
        education_measures=zero("education_measures"),
        measures_past_end=zero("measures_past_end"),
        overdue_identifications=zero("overdue_identifications"),
        overdue_eliminations=zero("overdue_eliminations"),
        overdue_alerts=zero("overdue_alerts"),
        alert_days_overdue=as_of_lit.delta(t.oldest_due, unit="day"),
    )
