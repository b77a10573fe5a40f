"""The department files of the simulated county: one per feed schema, read and validated by the feeds pipeline,
with the planted defects found and the ground truth carried through (no database except for the command)."""

import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from django.core.management import call_command

from fangpin.feeds.normalize import parse_amounts
from fangpin.feeds.readers import ROW, RawTable, open_table
from fangpin.feeds.schema import FeedSchemaDef, default_schemas
from fangpin.feeds.validate import INVALID_SCHEMA, HeaderMapping, map_headers, validate_batch
from fangpin.simulation.feed_files import FeedFileWriter
from fangpin.simulation.generate import CountyChunk, SimulationParams, generate_chunks
from fangpin.simulation.services import county_simulate

PARAMS = SimulationParams(households=2_000, seed=5)
TODAY = dt.date(2026, 11, 30)  # after the panel's last month (2026-10): no date in the files is in the future
SCHEMAS = {s.source: s for s in default_schemas()}
# What each department sends: (format, encoding) as the reader detects them.
FORMATS = {
    "health": ("csv", "gb18030"),
    "education_dropout": ("xlsx", None),
    "education_aid": ("xlsx", None),
    "civil_affairs": ("csv", "utf-8-sig"),
    "public_security": ("csv", "gb18030"),
    "disability": ("xlsx", None),
    "human_resources": ("csv", "utf-8"),
    "housing": ("xlsx", None),
    "disaster": ("csv", "gb18030"),
    "finance": ("csv", "utf-8"),
}
MEDICAL_SHOCKS = ["illness", "accident", "disability", "death_of_earner"]


@dataclass
class Checked:
    raw: RawTable
    mapping: HeaderMapping
    rows: pa.Table  # the raw rows, all strings, with _row
    valid: pa.Table
    invalid: pa.Table


@dataclass
class County:
    chunks: list[CountyChunk]
    paths: dict[str, Path]
    defects: dict[str, dict[str, int]]

    def table(self, name: str) -> pa.Table:
        return pa.concat_tables([getattr(c, name) for c in self.chunks])


def _write(
    params: SimulationParams, folder: Path, chunks=None, schemas=None
) -> tuple[list[Path], FeedFileWriter]:
    writer = FeedFileWriter(params=params, out_dir=folder, schemas=schemas)
    for chunk in chunks if chunks is not None else generate_chunks(params):
        writer.add(chunk)
    return writer.close(), writer


def _check(path: Path, schema: FeedSchemaDef) -> Checked:
    raw = open_table(path)
    mapping = map_headers(raw.headers, schema)
    batches = list(raw.batches())
    results = [validate_batch(b, schema, mapping, today=TODAY) for b in batches]
    empty = pa.table({h: pa.array([], pa.string()) for h in raw.headers} | {ROW: pa.array([], pa.int64())})
    return Checked(
        raw=raw,
        mapping=mapping,
        rows=pa.concat_tables([b.select([*raw.headers, ROW]) for b in batches]) if batches else empty,
        valid=pa.concat_tables([r.valid for r in results]) if results else pa.table({}),
        invalid=pa.concat_tables([r.invalid for r in results]) if results else INVALID_SCHEMA.empty_table(),
    )


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> County:
    chunks = list(generate_chunks(PARAMS))
    paths, writer = _write(PARAMS, tmp_path_factory.mktemp("feeds"), chunks)
    return County(chunks, {p.name.rsplit("_", 1)[0]: p for p in paths}, writer.defects)


@pytest.fixture(scope="module")
def checked(county) -> dict[str, Checked]:
    return {source: _check(path, SCHEMAS[source]) for source, path in county.paths.items()}


def _invalid_rows(c: Checked, code: str | None = None) -> set[int]:
    invalid = c.invalid if code is None else c.invalid.filter(pc.equal(c.invalid["code"], code))
    return set(invalid[ROW].to_pylist())


# Files and formats


def test_there_is_one_file_per_shipped_schema_in_its_department_s_format(county, checked):
    assert sorted(county.paths) == sorted(SCHEMAS) == sorted(FORMATS)
    for source, path in county.paths.items():
        assert path.name == f"{source}_202610.{FORMATS[source][0]}"
        assert (checked[source].raw.format, checked[source].raw.encoding) == FORMATS[source], source


def test_the_same_seed_gives_byte_identical_files(county, tmp_path):
    again, _writer = _write(PARAMS, tmp_path)
    assert [p.name for p in again] == [p.name for p in county.paths.values()]
    for path in again:
        assert path.read_bytes() == county.paths[path.name.rsplit("_", 1)[0]].read_bytes(), path.name


def test_every_file_s_headers_are_found_and_map_to_its_schema(checked):
    for source, c in checked.items():
        assert c.mapping.is_complete, source
        assert c.mapping.unknown_headers == [], source
        assert set(c.mapping.columns.values()) <= {col.name for col in SCHEMAS[source].columns}


def test_the_health_file_has_a_title_row_and_a_total_row_that_sums_its_rows(checked):
    health = checked["health"]
    assert health.raw.header_row == 2  # under "安宁县2025年11月至2026年10月住院结算明细"
    assert len(health.raw.total_rows) == 1
    header = health.mapping.header_for("out_of_pocket")
    lines = health.raw.path.read_bytes().decode("gb18030").splitlines()
    assert lines[0].startswith("安宁县2025年11月至2026年10月住院结算明细")
    total_line = lines[health.raw.total_rows[0] - 1].split(",")
    column = health.raw.headers.index(header)
    amounts, _errors = parse_amounts(health.rows[header].combine_chunks())
    assert pc.sum(amounts).as_py() == parse_amounts(pa.array([total_line[column]]))[0][0].as_py()


# Defects


def test_most_rows_are_valid_and_larger_files_report_invalid_rows(checked):
    for source, c in checked.items():
        rows = c.rows.num_rows
        if rows:
            assert c.valid.num_rows >= 0.9 * rows, source
        if rows >= 200:
            assert 0 < len(_invalid_rows(c)) <= 0.1 * rows, source


def test_planted_id_slips_duplicates_and_formulas_are_refused_with_their_codes(county, checked):
    planted = Counter()
    for counts in county.defects.values():
        planted.update(counts)
    found = Counter()
    for c in checked.values():
        found.update({code: len(_invalid_rows(c, code)) for code in set(c.invalid["code"].to_pylist())})
    # A copied row repeats its original's slip, so at least as many rows are refused as slips were planted.
    assert (
        found["invalid_id_number"]
        >= planted["mistyped_digit"] + planted["excel_number"] + planted["lost_x"]
        > 0
    )
    assert found["required"] >= planted["missing_id"] > 0
    assert 0 < found["duplicate"] <= planted["duplicate"]
    assert found["formula"] >= 2 and len(_invalid_rows(checked["human_resources"], "formula")) >= 2


def test_full_width_and_spaced_id_numbers_are_repaired_not_refused(checked):
    repaired = 0
    for source, c in checked.items():
        header = c.mapping.header_for("id_number")
        if header is None or not c.rows.num_rows:
            continue
        messy = c.rows.filter(pc.match_substring_regex(c.rows[header], "[０-９Ｘ ]"))
        repaired += messy.num_rows
        id_problems = c.invalid.filter(pc.equal(c.invalid["column"], "id_number"))
        assert not set(messy[ROW].to_pylist()) & set(id_problems[ROW].to_pylist()), source
    assert repaired > 0


def test_outsiders_have_valid_id_numbers_from_another_province_that_match_nobody(county, checked):
    known = county.table("members")["id_number"]
    strangers = []
    for c in checked.values():
        if "id_number" in c.valid.column_names:
            ids = pc.drop_null(c.valid["id_number"])
            strangers += ids.filter(pc.invert(pc.is_in(ids, value_set=known))).to_pylist()
    assert strangers and all(not number.startswith("45") for number in strangers)


def test_late_rows_are_dated_in_the_month_before_the_panel(checked):
    for source in ("health", "human_resources", "education_aid"):
        c = checked[source]
        period = c.valid[SCHEMAS[source].period_column]
        late = pc.sum(pc.less(period, pa.scalar(dt.date(2025, 11, 1)))).as_py()
        assert 0 < late <= 0.04 * c.valid.num_rows, source
        assert pc.min(period).as_py() >= dt.date(2025, 10, 1)


def test_a_few_names_differ_by_one_character_from_the_registry(county, checked):
    registry = dict(
        zip(*(county.table("members")[c].to_pylist() for c in ("id_number", "name")), strict=True)
    )
    variants = 0
    for c in checked.values():
        if {"id_number", "name"} <= set(c.valid.column_names):
            for number, name in zip(
                c.valid["id_number"].to_pylist(), c.valid["name"].to_pylist(), strict=True
            ):
                known = registry.get(number)
                if known and known != name:
                    assert (
                        len(known) == len(name) and sum(a != b for a, b in zip(known, name, strict=True)) == 1
                    )
                    variants += 1
    assert variants > 0


def test_dates_and_amounts_come_in_each_department_s_own_forms_and_still_parse(checked):
    def cells(source: str, column: str) -> list[str]:
        c = checked[source]
        return c.rows[c.mapping.header_for(column)].to_pylist()

    dates = cells("human_resources", "event_date")
    assert any("-" in d for d in dates) and any("/" in d for d in dates) and any(d.isdigit() for d in dates)
    assert all(a.endswith("元") for a in cells("civil_affairs", "amount"))
    assert any("," in a for a in cells("finance", "amount"))
    for source in ("human_resources", "civil_affairs", "finance"):
        assert not _invalid_rows(checked[source], "invalid_date") and not _invalid_rows(
            checked[source], "invalid_amount"
        ), source


# Content from the ground truth


def test_health_self_paid_amounts_add_up_to_the_ground_truth_medical_spending(county, checked):
    members, incomes, shocks = county.table("members"), county.table("incomes"), county.table("shocks")
    valid = checked["health"].valid
    index = pc.index_in(valid["id_number"], value_set=members["id_number"])
    household = members["household_id"].take(pc.drop_null(index)).to_numpy()
    paid = pc.cast(valid["out_of_pocket"].filter(index.is_valid()), pa.float64()).to_numpy()
    in_file = np.bincount(household, weights=paid, minlength=PARAMS.households + 1)
    truth = np.bincount(
        incomes["household_id"].to_numpy(),
        weights=incomes["medical_self_paid"].to_numpy(),
        minlength=PARAMS.households + 1,
    )
    # Bills of the last two months are still being paid off after the panel ends, so those households are left out.
    recent = shocks.filter(
        pc.and_(
            pc.is_in(shocks["shock_type"], pa.array(MEDICAL_SHOCKS)),
            pc.greater_equal(shocks["month"], pa.scalar(dt.date(2026, 9, 1))),
        )
    )
    compared = (in_file > 0) | (truth > 0)
    compared[0] = False
    compared[recent["household_id"].to_numpy()] = False
    # Tolerance: a household matches to the yuan unless one of its rows carries a planted slip (≈ 2 % of rows).
    assert np.mean(np.abs(in_file - truth)[compared] < 1.0) >= 0.95
    # The county total is within 5 %: slips lose a little, instalments after the panel add a little.
    assert in_file.sum() == pytest.approx(truth.sum(), rel=0.05)


def test_dropouts_are_the_children_of_six_to_fifteen_out_of_school_and_returners_are_back(county, checked):
    members = county.table("members")
    age = (np.datetime64("2025-11-01") - members["birth_date"].to_numpy().astype("datetime64[D]")).astype(int)
    child = (age >= 6 * 365.2425) & (age < 16 * 365.2425)
    out_of_school = members.filter(
        pa.array(child & (members["school_status"].to_numpy(zero_copy_only=False) == "非在校生"))
    )
    rows = checked["education_dropout"].valid
    assert rows.num_rows > 0
    returned = set(rows.filter(pc.equal(rows["status"], "在读"))["id_number"].to_pylist())
    left = set(rows.filter(pc.equal(rows["status"], "辍学"))["id_number"].to_pylist())
    assert returned <= left
    assert left - returned <= set(out_of_school["id_number"].to_pylist())
    back = members.filter(pc.is_in(members["id_number"], pa.array(sorted(returned), pa.string())))
    assert set(back["school_status"].to_pylist()) <= {"小学", "初中"}


def test_claims_in_the_finance_file_are_the_insurance_claims_of_the_ground_truth(county, checked):
    valid = checked["finance"].valid
    claims = valid.filter(pc.equal(valid["record_type"], "防贫保理赔"))
    truth = pc.sum(county.table("incomes")["claims_income"]).as_py()
    assert float(pc.sum(claims["amount"]).as_py()) == pytest.approx(truth, rel=0.1)


def test_deaths_in_the_register_are_the_death_of_earner_shocks(county, checked):
    shocks = county.table("shocks")
    deaths = pc.sum(pc.equal(shocks["shock_type"], "death_of_earner")).as_py()
    events = checked["public_security"].rows[checked["public_security"].mapping.header_for("event_type")]
    assert pc.sum(pc.equal(events, "死亡注销")).as_py() >= deaths


def test_a_disaster_gives_household_rows_and_one_village_row_with_their_totals(tmp_path):
    params = SimulationParams(households=1_000, seed=6, risk_mix={"disaster": 1.0, "illness": 1.0})
    schema = SCHEMAS["disaster"]
    (path,), _writer = _write(params, tmp_path, schemas=[schema])
    c = _check(path, schema)
    shocks = pa.concat_tables([ch.shocks for ch in generate_chunks(params)])
    hit = shocks.filter(pc.equal(shocks["shock_type"], "disaster"))
    villages = c.valid.filter(pc.is_valid(c.valid["households_affected"]))
    households = c.rows.filter(pc.invert(pc.equal(c.rows[c.mapping.header_for("id_number")], "")))
    assert households.num_rows >= hit.num_rows  # plus the duplicated rows
    assert villages.num_rows == 2
    assert pc.sum(villages["households_affected"]).as_py() == hit.num_rows
    assert float(pc.sum(villages["loss_amount"]).as_py()) == pytest.approx(pc.sum(hit["cost"]).as_py(), abs=1)
    assert set(c.valid["disaster_type"].to_pylist()) <= set(hit["risk_code"].to_pylist())
    assert pc.is_null(villages["id_number"]).to_pylist() == [True, True]
    assert any("," in x for x in c.rows[c.mapping.header_for("loss_amount")].to_pylist())  # 1,234.50


def test_only_known_sources_are_accepted(tmp_path):
    custom = SCHEMAS["finance"].model_copy(update={"source": "tax"})
    with pytest.raises(ValueError, match="cannot write files for tax"):
        FeedFileWriter(params=PARAMS, out_dir=tmp_path, schemas=[custom])


# Wiring


def test_county_simulate_writes_the_feed_files_next_to_the_snapshot(tmp_path):
    params = SimulationParams(households=1_000, seed=3)
    result = county_simulate(
        actor="test", params=params, to_database=False, parquet_root=tmp_path, feed_dir=tmp_path / "feeds"
    )
    assert [p.parent for p in result.feed_files] == [tmp_path / "feeds"] * len(SCHEMAS)
    assert all(p.stat().st_size > 0 for p in result.feed_files)


def test_the_simulate_command_writes_and_lists_the_department_files(db, settings, tmp_path):
    settings.PARQUET_DIR = tmp_path / "parquet"
    out = io.StringIO()
    call_command(
        "simulate",
        "--households",
        "1000",
        "--no-db",
        "--feeds",
        str(tmp_path / "feeds"),
        stdout=out,
        verbosity=0,
    )
    listed = [
        line.split(": ", 1)[1] for line in out.getvalue().splitlines() if line.startswith("Department file:")
    ]
    assert sorted(Path(p).name for p in listed) == sorted(p.name for p in (tmp_path / "feeds").iterdir())
    assert len(listed) == len(SCHEMAS)
