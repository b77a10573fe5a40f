"""Screening fixtures: the engines (one Spark session for the whole test run) and a tiny hand-made county in
Parquet — a snapshot and one file per feed — whose indicator values are worked out by hand in the tests."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fangpin.screening import engine as engines
from fangpin.screening.inputs import FEED_SOURCES, FeedFiles, window_months

ENGINES = ["duckdb", "spark"]
AS_OF = dt.date(2026, 10, 15)  # window 2025-11-01 … 2026-10-31; the year before from 2024-11-01
V1, V2, V3 = "450123100201", "450123101201", "450123101202"
D = dt.date
MONEY = pa.decimal128(14, 2)


@pytest.fixture(scope="session")
def spark_backend():
    """Started once: a local SparkSession costs seconds."""
    return engines.connect("spark")


@pytest.fixture(params=ENGINES)
def backend(request):
    if request.param == "spark":
        return request.getfixturevalue("spark_backend")
    return engines.connect("duckdb")


def _months(first: dt.date, n: int) -> list[dt.date]:
    out = [first]
    while len(out) < n:
        last = out[-1]
        out.append(D(last.year + last.month // 12, last.month % 12 + 1, 1))
    return out


def _incomes() -> pa.Table:
    rows: list[dict] = []

    def add(household, period, wage=0.0, business=0.0, transfer=0.0, cost=0.0, medical=0.0, school=0.0):
        rows.append(
            {
                "household_id": household,
                "period": period,
                "wage_income": wage,
                "business_income": business,
                "property_income": 0.0,
                "transfer_income": transfer,
                "production_cost": cost,
                "medical_self_paid": medical,
                "schooling_self_paid": school,
                "claims_income": 0.0,
            }
        )

    # H1: the whole window at 1,250.05 a month net (1000.10 + 200 + 100 − 50.05), the year before at 1,500.
    for month in _months(D(2025, 11, 1), 12):
        medical = 300.0 if month == D(2026, 1, 1) else 0.0
        school = 500.5 if month == D(2026, 9, 1) else 0.0
        add(
            1, month, wage=1000.10, business=200.0, transfer=100.0, cost=50.05, medical=medical, school=school
        )
    for month in _months(D(2024, 11, 1), 12):
        add(1, month, wage=1500.0)
    add(1, D(2024, 10, 1), wage=99_999.0)  # before both years
    add(1, D(2026, 11, 1), wage=99_999.0)  # after the window
    # H2: six months of 500 in the window, nothing the year before; 12,000 self-paid medical costs in June.
    for month in _months(D(2026, 5, 1), 6):
        add(2, month, wage=500.0, medical=12_000.0 if month == D(2026, 6, 1) else 0.0)
    return pa.Table.from_pylist(rows)


def _members() -> pa.Table:
    def m(
        mid,
        hid,
        born,
        labour,
        *,
        resident=True,
        insurance="城乡居民",
        health="健康",
        grade=None,
        school="非在校生",
    ):
        return {
            "member_id": mid,
            "household_id": hid,
            "relation": "户主",
            "sex": "男",
            "birth_date": born,
            "education": "",
            "school_status": school,
            "health": health,
            "disability_grade": grade,
            "labour_skill": labour,
            "medical_insurance": insurance,
            "months_employed": 0,
            "is_resident": resident,
        }

    rows = [
        m(1, 1, D(1980, 5, 1), "普通劳动力"),
        m(2, 1, D(1982, 1, 1), "弱劳动力或半劳动力", insurance="未参保", health="残疾", grade=2),
        m(3, 1, D(2012, 10, 16), "无劳动力", school="非在校生"),  # 13; the feed says back in school
        m(4, 1, D(2020, 10, 15), "无劳动力"),  # 6 today: school age, not in school
        m(5, 1, D(1960, 10, 16), "无劳动力", resident=False, insurance="未参保"),  # 65
        m(6, 2, D(1950, 1, 1), "无劳动力"),  # 76, dies in the window: not an earner
        m(7, 2, D(2010, 10, 15), "普通劳动力"),  # 16 today: past school age, of working age
        m(8, 2, D(2011, 1, 1), "无劳动力", school="初中"),  # 15, dropped out per the feed
        m(9, 4, D(1990, 1, 1), "技能劳动力"),  # the earner who dies
    ]
    schema = pa.schema(
        [
            ("member_id", pa.int64()),
            ("household_id", pa.int64()),
            ("relation", pa.string()),
            ("sex", pa.string()),
            ("birth_date", pa.date32()),
            ("education", pa.string()),
            ("school_status", pa.string()),
            ("health", pa.string()),
            ("disability_grade", pa.int8()),
            ("labour_skill", pa.string()),
            ("medical_insurance", pa.string()),
            ("months_employed", pa.int8()),
            ("is_resident", pa.bool_()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def _households() -> pa.Table:
    return pa.table(
        {
            "household_id": pa.array([1, 2, 3, 4], pa.int64()),
            "number": [f"{v}0001" for v in (V1, V2, V1, V3)],
            "village_code": [V1, V2, V1, V3],
            "status": ["monitored", "normal", "eliminated", "normal"],
            "category_code": [None, None, None, None],
            "is_formerly_poor": pa.array([True, False, None, False]),
            "poverty_exit_year": pa.array([2019, None, None, None], pa.int16()),
            "housing_grade": ["B", "A", "C", "A"],
            "has_safe_water": [True, True, False, True],
        }
    )


def _feed(rows: list[dict], columns: dict[str, pa.DataType]) -> pa.Table:
    """Feed rows as the import stores them: the schema's columns (no PII) plus the match."""
    schema = pa.schema(
        [
            *columns.items(),
            ("village_code", pa.string()),
            ("member_id", pa.int64()),
            ("household_id", pa.int64()),
            ("match_status", pa.string()),
            ("batch_id", pa.int64()),
        ]
    )
    full = [
        {"village_code": None, "match_status": "exact", "batch_id": 1, "member_id": None} | row
        for row in rows
    ]
    return pa.Table.from_pylist(full, schema=schema)


def _m(member: int, household: int) -> dict:
    return {"member_id": member, "household_id": household}


UNMATCHED = {"member_id": None, "household_id": None, "match_status": "unmatched"}


def _feeds() -> dict[str, pa.Table]:
    date, text = pa.date32(), pa.string()
    return {
        "health": _feed(
            [
                _m(1, 1) | {"settlement_date": D(2026, 2, 1), "out_of_pocket": Decimal("1234.56")},
                _m(2, 1) | {"settlement_date": D(2026, 7, 10), "out_of_pocket": Decimal("8000.00")},
                _m(2, 1) | {"settlement_date": D(2025, 10, 31), "out_of_pocket": Decimal("99999.00")},
                UNMATCHED | {"settlement_date": D(2026, 3, 1), "out_of_pocket": Decimal("50000.00")},
            ],
            {"settlement_date": date, "out_of_pocket": MONEY},
        ),
        "education_dropout": _feed(
            [
                _m(3, 1) | {"status": "辍学", "status_date": D(2026, 1, 10)},
                _m(3, 1) | {"status": "在读", "status_date": D(2026, 5, 1)},
                _m(8, 2) | {"status": "在读", "status_date": D(2026, 6, 1)},
                _m(8, 2) | {"status": "辍学", "status_date": D(2026, 6, 1)},  # same day: the worse counts
            ],
            {"status": text, "status_date": date},
        ),
        "civil_affairs": _feed(
            [
                _m(1, 1) | {"assistance_type": "低保", "status": "新增", "start_date": D(2026, 8, 1)},
                _m(6, 2) | {"assistance_type": "低保", "status": "在保", "start_date": D(2026, 2, 1)},
                _m(9, 4) | {"assistance_type": "临时救助", "status": None, "start_date": D(2026, 9, 1)},
                {"household_id": 3}
                | {"assistance_type": "低收入", "status": "新增", "start_date": D(2026, 9, 1)},
            ],
            {"assistance_type": text, "status": text, "start_date": date},
        ),
        "public_security": _feed(
            [
                _m(6, 2) | {"event_type": "死亡", "event_date": D(2026, 4, 1)},
                _m(7, 2) | {"event_type": "死亡", "event_date": D(2025, 10, 20)},  # before the window
                _m(9, 4) | {"event_type": "死亡", "event_date": D(2026, 9, 1)},
                _m(3, 1) | {"event_type": "迁出", "event_date": D(2026, 9, 1)},
            ],
            {"event_type": text, "event_date": date},
        ),
        "disability": _feed(
            [_m(1, 1) | {"disability_grade": "3", "issue_date": D(2026, 3, 1)}],
            {"disability_grade": text, "issue_date": date},
        ),
        "human_resources": _feed(
            [
                _m(1, 1) | {"event_type": "失业", "event_date": D(2026, 3, 1)},
                _m(1, 1) | {"event_type": "欠薪", "event_date": D(2026, 4, 1)},
                _m(1, 1) | {"event_type": "就业", "event_date": D(2026, 5, 1)},
                _m(7, 2) | {"event_type": "欠薪", "event_date": D(2025, 10, 1)},
                UNMATCHED | {"event_type": "失业", "event_date": D(2026, 3, 1)},
            ],
            {"event_type": text, "event_date": date},
        ),
        "housing": _feed(
            [
                {"household_id": 1, "grade": "D", "appraisal_date": D(2025, 9, 1)},  # before the window
                {"household_id": 3, "grade": "B", "appraisal_date": D(2026, 3, 1)},
                {"household_id": 3, "grade": "D", "appraisal_date": D(2026, 6, 1)},
                {"household_id": 3, "grade": "C", "appraisal_date": D(2026, 6, 1)},
            ],
            {"grade": text, "appraisal_date": date},
        ),
        "disaster": _feed(
            [
                {"household_id": 2, "village_code": V2, "loss_amount": Decimal("1500.00")}
                | {"drinking_water": "中断", "disaster_date": D(2026, 8, 1)},
                UNMATCHED
                | {"village_code": V3, "loss_amount": Decimal("80000.00")}
                | {"drinking_water": "不安全", "disaster_date": D(2026, 7, 1)},
            ],
            {"loss_amount": MONEY, "drinking_water": text, "disaster_date": date},
        ),
        "finance": _feed(
            [
                {"household_id": 1, "record_type": "小额信贷逾期", "amount": Decimal("20000.00")}
                | {"event_date": D(2026, 2, 1)},
                {"household_id": 1, "record_type": "小额信贷逾期", "amount": Decimal("30000.00")}
                | {"event_date": D(2026, 5, 1)},
                {"household_id": 2, "record_type": "防贫保理赔", "amount": Decimal("5000.00")}
                | {"event_date": D(2026, 5, 1)},
            ],
            {"record_type": text, "amount": MONEY, "event_date": date},
        ),
    }


def write_tiny_county(root: Path) -> tuple[Path, FeedFiles]:
    snapshot = root / "snapshot"
    snapshot.mkdir(parents=True)
    pq.write_table(_households(), snapshot / "households.parquet")
    pq.write_table(_members(), snapshot / "members.parquet")
    pq.write_table(_incomes(), snapshot / "incomes.parquet")
    files: dict[str, tuple[Path, ...]] = {}
    for source, table in _feeds().items():
        folder = root / "feeds" / f"source={source}" / "period=202610"
        folder.mkdir(parents=True)
        pq.write_table(table, folder / "batch-1.parquet")
        files[source] = (folder / "batch-1.parquet",)
    assert set(files) == set(FEED_SOURCES)
    months = tuple(window_months(as_of=AS_OF))
    feeds = FeedFiles(
        months=months,
        files=files,
        batch_ids={s: (1,) for s in files},
        missing_months={s: () for s in files},
    )
    return snapshot, feeds


@pytest.fixture(scope="session")
def tiny_county(tmp_path_factory) -> tuple[Path, FeedFiles]:
    return write_tiny_county(tmp_path_factory.mktemp("tiny-county"))
