"""Importing department files end to end: read, validate, match, store, and keep every row."""

import datetime as dt

import pyarrow.parquet as pq
import pytest

from fangpin.accounts.roles import Role
from fangpin.audit.models import AuditEvent
from fangpin.core.errors import PermissionDenied, ValidationError
from fangpin.feeds import store
from fangpin.feeds.models import BatchStatus, FeedBatch, FeedRow, RowStatus
from fangpin.feeds.schema import default_schemas
from fangpin.feeds.selectors import batches_visible_to, schemas_importable_by
from fangpin.feeds.services import (
    HeadersNotMapped,
    feed_batch_prepare,
    feed_batch_run,
    feed_import,
    feed_schemas_install_defaults,
    header_mapping_remember,
)
from tests.factories import MemberFactory, UserFactory, make_id_number

TODAY = dt.date(2026, 11, 20)
HEADER = "住院结算明细（2026年10月）\n身份证号码,患者姓名,医疗机构名称,入院日期,出院日期,结算日期,总费用,统筹支付,个人自付\n"


@pytest.fixture
def schemas(db):
    feed_schemas_install_defaults()


@pytest.fixture
def officer(county, schemas):
    return UserFactory(username="health1", role=Role.DEPARTMENT, division=county.county, department="卫健")


@pytest.fixture
def people(households):
    """Two registered people (one in village A1, one in B1) and their ID numbers."""
    a = households["a1"].members.get()
    b = households["b1"].members.get()
    return a, b


def _id_of(member):
    from fangpin.core.crypto import decrypt_text

    return decrypt_text(member.id_number_encrypted)


def _health_file(tmp_path, lines, name="health.csv"):
    path = tmp_path / name
    path.write_bytes((HEADER + "\n".join(lines) + "\n合计,,,,,,999,,999\n").encode("gb18030"))
    return path


def _wrong_check_digit(id_number: str) -> str:
    # Any other digit: a fixed "0" would be right for one ID in eleven, and the row a plain duplicate.
    return id_number[:-1] + ("1" if id_number[-1] == "0" else "0")


def _rows(people):
    a, b = people
    stranger = make_id_number(region="110105", birth=dt.date(1960, 1, 1))
    return [
        f'{_id_of(a)},{a.name},县人民医院,2026-10-03,2026-10-10,2026/10/12,"23,400.00",12000,11400元',
        f"{_id_of(b)},{b.name},县中医院,20261005,20261008,20261009,5000,4000,1000",
        f"{_id_of(b)},{b.name},县中医院,20261005,20261008,20261009,5000,4000,1000",  # a duplicate row
        f"{stranger},外县人,市医院,2026-10-01,2026-10-02,2026-10-02,800,600,200",  # not in the county
        f"{_wrong_check_digit(_id_of(a))},{a.name},县人民医院,2026-10-03,,2026-10-12,100,0,100",
        f"{_id_of(a)},{a.name},县人民医院,2099-01-01,,2026-10-12,100,0,-5",  # future date, negative amount
    ]


def test_a_gbk_file_with_a_title_and_a_total_row_is_imported_and_every_row_is_kept(officer, people, tmp_path):
    result = feed_import(
        actor=officer, source="health", path=_health_file(tmp_path, _rows(people)), today=TODAY
    )
    batch = result.batch
    assert not result.is_duplicate and batch.status == BatchStatus.DONE
    assert (batch.rows_total, batch.rows_valid, batch.rows_invalid) == (6, 3, 3)
    assert (batch.rows_matched, batch.rows_unmatched, batch.rows_ambiguous) == (2, 1, 0)
    assert batch.period_start == dt.date(2026, 10, 1) and batch.department == "卫健"

    invalid = FeedRow.objects.filter(batch=batch, status=RowStatus.INVALID)
    assert {r.row_number for r in invalid} == {5, 7, 8}  # the duplicate, the bad check digit, the bad dates
    messages = [r.message for r in invalid if r.row_number == 7]
    assert any("check digit" in m for m in messages), messages
    assert {r.column for r in invalid if r.row_number == 8} >= {"admission_date", "out_of_pocket"}

    [path] = store.batch_files(source="health", batch_id=batch.pk)
    stored = pq.read_table(path)
    assert stored.num_rows == 3
    assert "id_number" not in stored.column_names and "name" not in stored.column_names  # no PII in the store
    by_status = dict(zip(stored["match_status"].to_pylist(), stored["member_id"].to_pylist(), strict=False))
    assert by_status["exact"] in {people[0].pk, people[1].pk}
    assert stored["out_of_pocket"].to_pylist()[0] == pytest.approx(11400)
    assert AuditEvent.objects.filter(action="feed.import", object_id=str(batch.pk)).exists()


def test_a_re_upload_of_the_same_content_is_a_no_op_that_says_so(officer, people, tmp_path):
    rows = _rows(people)
    first = feed_import(actor=officer, source="health", path=_health_file(tmp_path, rows), today=TODAY)
    again = feed_import(
        actor=officer, source="health", path=_health_file(tmp_path, rows, "copy.csv"), today=TODAY
    )
    assert again.is_duplicate and again.batch.pk == first.batch.pk
    assert FeedBatch.objects.count() == 1


def test_a_row_matches_by_name_and_birth_date_when_the_registry_has_another_id(officer, households, tmp_path):
    member = households["a1"].members.get()
    member.name = "覃美玲"  # the factory names everybody 张伟
    member.save()
    other_id = make_id_number(birth=member.birth_date)  # same person, ID mistyped in the registry
    line = f"{other_id},{member.name},县人民医院,2026-10-03,,2026-10-12,100,0,100"
    batch = feed_import(
        actor=officer, source="health", path=_health_file(tmp_path, [line]), today=TODAY
    ).batch
    stored = pq.read_table(store.batch_files(source="health", batch_id=batch.pk)[0])
    assert stored["match_status"].to_pylist() == ["fuzzy"] and stored["member_id"].to_pylist() == [member.pk]


def test_two_members_with_the_same_name_and_birth_date_make_the_row_ambiguous(officer, households, tmp_path):
    a = households["a1"].members.get()
    a.name = "覃美玲"
    a.save()
    twin = MemberFactory(
        household=households["b1"], name=a.name, relation="其他", id_number=make_id_number(birth=a.birth_date)
    )
    line = f"{make_id_number(birth=a.birth_date)},{a.name},县人民医院,2026-10-03,,2026-10-12,100,0,100"
    batch = feed_import(
        actor=officer, source="health", path=_health_file(tmp_path, [line]), today=TODAY
    ).batch
    row = FeedRow.objects.get(batch=batch, status=RowStatus.AMBIGUOUS)
    assert sorted(row.candidates) == sorted([a.pk, twin.pk])
    assert batch.rows_ambiguous == 1


def test_a_file_with_an_unknown_required_header_is_refused_until_the_officer_maps_it(
    officer, people, tmp_path
):
    path = tmp_path / "odd.csv"
    a, _b = people
    path.write_text(
        "证件号,姓名,医院,入院日期,结算日期,总费用,自付\n"
        f"{_id_of(a)},{a.name},县医院,2026-10-03,2026-10-12,100,100\n",
        encoding="utf-8",
    )
    with pytest.raises(HeadersNotMapped) as excinfo:
        feed_batch_prepare(actor=officer, source="health", path=path)
    assert "id_number" in excinfo.value.message and "证件号" in excinfo.value.message
    assert not FeedBatch.objects.exists()
    header_mapping_remember(
        actor=officer,
        source="health",
        mappings={"证件号": "id_number", "医院": "hospital", "自付": "out_of_pocket"},
    )
    batch = feed_import(actor=officer, source="health", path=path, today=TODAY).batch
    assert batch.rows_valid == 1 and batch.rows_matched == 1


def test_an_unreadable_file_is_refused_with_a_message_and_nothing_saved(officer, tmp_path):
    path = tmp_path / "junk.csv"
    path.write_bytes(b"\x00\x01\x02binary\xff\xfe junk" * 100)
    with pytest.raises(ValidationError) as excinfo:
        feed_import(actor=officer, source="health", path=path)
    assert excinfo.value.field == "file"
    assert not FeedBatch.objects.exists()


def test_a_run_that_fails_leaves_no_rows_and_no_files_and_says_why(officer, people, tmp_path):
    path = _health_file(tmp_path, _rows(people))
    prepared = feed_batch_prepare(actor=officer, source="health", path=path)
    path.write_bytes(b"\x00 the file changed under us")
    with pytest.raises(Exception):  # noqa: B017 - whatever the reader raises, the batch must be clean
        feed_batch_run(batch_id=prepared.batch.pk, today=TODAY)
    batch = FeedBatch.objects.get(pk=prepared.batch.pk)
    assert batch.status == BatchStatus.FAILED and batch.message
    assert not FeedRow.objects.filter(batch=batch).exists()
    assert store.batch_files(source="health", batch_id=batch.pk) == []


def test_an_unknown_source_names_the_known_ones(officer, tmp_path):
    with pytest.raises(ValidationError, match="health"):
        feed_import(actor=officer, source="weather", path=_health_file(tmp_path, []))


def test_a_department_officer_sees_only_their_own_departments_batches(officer, county, people, tmp_path):
    feed_import(actor=officer, source="health", path=_health_file(tmp_path, _rows(people)), today=TODAY)
    education = UserFactory(username="edu1", role=Role.DEPARTMENT, division=county.county, department="教育")
    county_user = UserFactory(username="c1", role=Role.COUNTY, division=county.county)
    village = UserFactory(username="v1", role=Role.VILLAGE, division=county.village_a1)
    assert batches_visible_to(officer).count() == 1
    assert batches_visible_to(county_user).count() == 1
    assert not batches_visible_to(education).exists()
    assert not batches_visible_to(village).exists()


def test_a_batch_imported_for_every_office_that_sends_a_schema_is_seen_by_each_of_them(
    county, schemas, people, tmp_path
):
    path = _health_file(tmp_path, _rows(people))
    feed_import(
        actor="demo", source="health", path=path, department="卫健/医保", today=TODAY
    )  # as the demo does

    def officer(username: str, department: str):
        return UserFactory(
            username=username, role=Role.DEPARTMENT, division=county.county, department=department
        )

    assert batches_visible_to(officer("wj", "卫健")).count() == 1
    assert batches_visible_to(officer("yb", "医保")).count() == 1
    assert not batches_visible_to(officer("jk", "健")).exists()  # a part of a name is not the office
    assert not batches_visible_to(officer("edu", "教育")).exists()


def test_a_department_officer_imports_only_their_own_departments_sources(county, schemas, people, tmp_path):
    education = UserFactory(username="edu2", role=Role.DEPARTMENT, division=county.county, department="教育")
    with pytest.raises(PermissionDenied, match="卫健/医保"):  # 卫健's stays, so would 公安's deaths
        feed_import(actor=education, source="health", path=_health_file(tmp_path, _rows(people)))
    assert not FeedBatch.objects.exists()
    assert not AuditEvent.objects.filter(action="feed.upload").exists()
    # A schema names every office that sends it: 医保 sends the hospital stays as well as 卫健.
    insurance = UserFactory(username="yb1", role=Role.DEPARTMENT, division=county.county, department="医保")
    batch = feed_import(
        actor=insurance, source="health", path=_health_file(tmp_path, _rows(people)), today=TODAY
    )
    assert (batch.batch.status, batch.batch.department) == (BatchStatus.DONE, "医保")


def test_the_sources_offered_are_the_officers_own_and_every_one_for_the_county(county, schemas, users):
    def sources(user):
        return sorted(s.source for s in schemas_importable_by(user))

    education = UserFactory(username="edu3", role=Role.DEPARTMENT, division=county.county, department="教育")
    nobody = UserFactory(username="dept0", role=Role.DEPARTMENT, division=county.county, department="")
    assert sources(education) == ["education_aid", "education_dropout"]
    assert sources(users[Role.DEPARTMENT]) == ["health"]
    assert sources(users[Role.COUNTY]) == sorted(s.source for s in default_schemas())
    assert sources(nobody) == sources(users[Role.TOWNSHIP]) == []


def test_a_village_cadre_cannot_import_department_data(county, schemas, people, tmp_path):
    village = UserFactory(username="v2", role=Role.VILLAGE, division=county.village_a1)
    with pytest.raises(PermissionDenied):
        feed_import(actor=village, source="health", path=_health_file(tmp_path, _rows(people)))
