"""The simulated county in the database and the Parquet store (the generator itself: test_generate.py)."""

import hashlib
import os
import subprocess
import sys

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fangpin.audit.models import AuditEvent
from fangpin.core.crypto import decrypt_text
from fangpin.divisions.models import Division
from fangpin.registry.codes import Relation
from fangpin.registry.id_numbers import is_valid_id_number
from fangpin.registry.models import Household, IncomeRecord, Member
from fangpin.simulation.generate import SimulationParams
from fangpin.simulation.services import county_simulate

PARAMS = SimulationParams(households=1_000, seed=7, months=12)


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.parquet"))}


@pytest.fixture
def simulated(db, tmp_path):
    return county_simulate(actor="test", params=PARAMS, parquet_root=tmp_path)


def test_the_county_lands_in_the_database_as_in_the_snapshot(simulated):
    snapshot = simulated.snapshot_path
    assert Household.objects.count() == pq.read_metadata(snapshot / "households.parquet").num_rows == 1_000
    assert Member.objects.count() == pq.read_metadata(snapshot / "members.parquet").num_rows
    assert IncomeRecord.objects.count() == 12_000
    assert Member.objects.filter(relation=Relation.HEAD).count() == 1_000
    assert Division.objects.filter(level="village", code__startswith=PARAMS.county_code[:6]).exists()
    assert AuditEvent.objects.filter(action="county.simulate").count() == 1


def test_stored_id_numbers_decrypt_to_valid_numbers_matching_their_mask(simulated):
    for member in Member.objects.order_by("?")[:200]:
        number = decrypt_text(member.id_number_encrypted)
        assert is_valid_id_number(number)
        assert member.id_number_masked == number[:4] + "*" * 10 + number[-4:]
        assert member.birth_date.strftime("%Y%m%d") == number[6:14]


def test_the_snapshot_carries_no_personal_data(simulated):
    members = pq.read_schema(simulated.snapshot_path / "members.parquet").names
    households = pq.read_schema(simulated.snapshot_path / "households.parquet").names
    assert not {"name", "name_initials", "id_number"} & set(members)
    assert "address" not in households


def test_the_same_seed_gives_identical_parquet_and_a_second_run_replaces_the_county(simulated, tmp_path):
    first = _digest(simulated.snapshot_path)
    people = Member.objects.count()
    again = county_simulate(actor="test", params=PARAMS, parquet_root=tmp_path / "again")
    assert _digest(again.snapshot_path) == first
    assert Household.objects.count() == 1_000 and Member.objects.count() == people
    assert IncomeRecord.objects.count() == 12_000


def test_a_smaller_county_replaces_a_larger_one_cleanly(simulated, tmp_path):
    county_simulate(
        actor="test",
        params=SimulationParams(households=1_000, seed=8, months=3),
        parquet_root=tmp_path / "small",
    )
    assert Household.objects.count() == 1_000
    assert IncomeRecord.objects.count() == 3_000
    assert not Member.objects.exclude(household__in=Household.objects.all()).exists()


def test_a_different_seed_gives_different_data(simulated, tmp_path):
    other = county_simulate(
        actor="test", params=SimulationParams(households=1_000, seed=8), parquet_root=tmp_path / "o"
    )
    assert _digest(other.snapshot_path) != _digest(simulated.snapshot_path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--households", "10"], "1,000"),
        (["--end-month", "2026-13"], "not between 1 and 12"),
        (["--end-month", "last month"], "YYYY-MM"),
        (["--months", "0"], "months"),
    ],
)
def test_bad_arguments_are_refused_with_the_reason_and_nothing_changes(simulated, args, message):
    before = (Household.objects.count(), Member.objects.count())
    with pytest.raises(CommandError, match=message):
        call_command("simulate", *args, verbosity=0)
    assert (Household.objects.count(), Member.objects.count()) == before


def test_the_cli_migrates_an_empty_database_first_and_prints_a_summary(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "FANGPIN_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "fangpin.config.settings.base",
    }
    out = subprocess.run(
        [sys.executable, "-m", "fangpin.cli.main", "simulate", "--households", "1000", "--seed", "3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "migrations applied" in out.stdout
    assert "1,000" in out.stdout  # the summary's household count
    assert (tmp_path / "parquet" / "snapshots" / "CURRENT").exists()
