import datetime as dt
from decimal import Decimal

import pyarrow.parquet as pq
import pytest

from fangpin.audit.models import AuditEvent
from fangpin.registry.codes import IncomeSource
from fangpin.registry.models import IncomeRecord
from fangpin.registry.snapshot import CHUNK, current_snapshot_dir, registry_snapshot_write
from fangpin.simulation.generate import SimulationParams
from fangpin.simulation.services import county_simulate
from tests.factories import HouseholdFactory, MemberFactory


def _income(household, period, source, wages):
    return IncomeRecord.objects.create(
        household=household, period=period, source=source, wage_income=Decimal(wages)
    )


@pytest.mark.django_db
def test_a_registry_snapshot_keeps_one_income_row_per_month_with_the_survey_preferred(
    county, users, tmp_path
):
    household = HouseholdFactory(village=county.village_a1, risk_codes=["01", "03"], housing_grade="C")
    MemberFactory(household=household)
    _income(household, dt.date(2026, 9, 1), IncomeSource.FEED, "900.50")
    _income(household, dt.date(2026, 9, 1), IncomeSource.SURVEY, "1200.25")
    _income(household, dt.date(2026, 10, 1), IncomeSource.ESTIMATE, "700")

    path = registry_snapshot_write(actor=users["county"], root=tmp_path)

    assert current_snapshot_dir(tmp_path) == path
    incomes = pq.read_table(path / "incomes.parquet").to_pylist()
    assert [(r["period"], r["wage_income"]) for r in incomes] == [
        (dt.date(2026, 9, 1), 1200.25),
        (dt.date(2026, 10, 1), 700.0),
    ]
    households = pq.read_table(path / "households.parquet").to_pylist()
    assert households[0]["risk_codes"] == ["01", "03"]
    assert households[0]["village_code"] == county.village_a1.code
    assert AuditEvent.objects.filter(action="registry.snapshot").count() == 1


@pytest.mark.django_db
def test_a_month_split_across_two_chunks_is_still_written_once(county, users, tmp_path, monkeypatch):
    monkeypatch.setattr("fangpin.registry.snapshot.CHUNK", 1)
    household = HouseholdFactory(village=county.village_a1)
    _income(household, dt.date(2026, 9, 1), IncomeSource.SURVEY, "10")
    _income(household, dt.date(2026, 9, 1), IncomeSource.FEED, "20")
    path = registry_snapshot_write(actor=users["county"], root=tmp_path)
    assert pq.read_table(path / "incomes.parquet")["wage_income"].to_pylist() == [10.0]
    assert CHUNK > 1


@pytest.mark.django_db
def test_the_registry_snapshot_has_the_simulators_columns_and_no_personal_data(users, tmp_path):
    county_simulate(
        actor="test",
        params=SimulationParams(households=1_000, seed=7, months=3),
        parquet_root=tmp_path / "sim",
    )
    simulated = current_snapshot_dir(tmp_path / "sim")
    exported = registry_snapshot_write(actor=users["county"], root=tmp_path / "oltp")
    for table in ("households", "members", "incomes"):
        sim_schema = pq.read_schema(simulated / f"{table}.parquet")
        oltp_schema = pq.read_schema(exported / f"{table}.parquet")
        assert oltp_schema.names == sim_schema.names, table
        assert not {"name", "name_initials", "id_number", "address"} & set(oltp_schema.names)
    assert pq.read_metadata(exported / "households.parquet").num_rows == 1_000
