"""Matching rows to registry members: the batched keyed hash, the member index and its look-ups."""

import datetime as dt

import pyarrow as pa
import pytest

from fangpin.core import crypto
from fangpin.core.crypto import keyed_hash, keyed_hashes
from fangpin.feeds import matching
from fangpin.feeds.matching import MemberIndex, match_rows, registry_members
from tests.factories import MemberFactory, make_id_number

IDENTITY = {"id_number": "id_number", "name": "name"}


def members(*rows):
    """(id number, member id, household id, name, birth date, village) → the table an index is built from."""
    return pa.table(
        {
            "id_hash": pa.array([keyed_hash(r[0]) for r in rows], pa.string()),
            "member_id": pa.array([r[1] for r in rows], pa.int64()),
            "household_id": pa.array([r[2] for r in rows], pa.int64()),
            "name": pa.array([r[3] for r in rows], pa.string()),
            "birth_date": pa.array([r[4] for r in rows], pa.date32()),
            "village_code": pa.array([r[5] for r in rows], pa.string()),
        }
    )


def feed(*rows, first_row=2):
    """(id number, name) rows as validated feed rows."""
    return pa.table(
        {
            "id_number": pa.array([r[0] for r in rows], pa.string()),
            "name": pa.array([r[1] for r in rows], pa.string()),
            "_row": pa.array(range(first_row, first_row + len(rows)), pa.int64()),
        }
    )


def matched(index, *rows, identity=IDENTITY, villages=None):
    result = match_rows(feed(*rows), index, identity=identity, village_codes=villages or {})
    return [
        (r["match_status"], r["member_id"], r["match_confidence"], r["candidates"])
        for r in result.to_pylist()
    ]


A = make_id_number(birth=dt.date(1980, 5, 17))
B = make_id_number(birth=dt.date(1990, 1, 2))
C = make_id_number(birth=dt.date(1970, 3, 4))
STRANGER = make_id_number(region="110105", birth=dt.date(1960, 1, 1))
BORN_A = dt.date(1980, 5, 17)


@pytest.fixture
def _fresh_hash_key():
    """The hash key and what is derived from it are cached: read them again, before and after the test."""
    caches = (crypto._hash_key, crypto._hmac_template, crypto._hmac_pads)
    for cached in caches:
        cached.cache_clear()
    yield
    for cached in caches:
        cached.cache_clear()


def test_batched_keyed_hashes_are_the_keyed_hash_of_each_value_and_nulls_stay_null():
    values = [A, None, "", "中文 姓名", "x" * 200, A, None]
    assert keyed_hashes(pa.array(values, pa.string())).to_pylist() == [
        None if v is None else keyed_hash(v) for v in values
    ]
    assert keyed_hashes(pa.chunked_array([[A], [B]], pa.string())).to_pylist() == [
        keyed_hash(A),
        keyed_hash(B),
    ]
    assert keyed_hashes(pa.array([], pa.string())).to_pylist() == []


@pytest.mark.usefixtures("_fresh_hash_key")
def test_a_hash_key_longer_than_a_block_is_hashed_first_as_hmac_requires(settings):
    import base64

    settings.ID_HASH_KEY = base64.urlsafe_b64encode(bytes(range(100))).decode()
    assert keyed_hashes(pa.array([A, "abc"])).to_pylist() == [keyed_hash(A), keyed_hash("abc")]


def test_rows_match_exactly_by_id_number_and_the_hash_is_kept():
    index = MemberIndex(members((A, 1, 10, "张伟", BORN_A, "v1"), (B, 2, 20, "李娜", None, "v2")))
    assert matched(index, (B, "李娜"), (A, "张伟"), (STRANGER, "外县人")) == [
        ("exact", 2, 1.0, None),
        ("exact", 1, 1.0, None),
        ("unmatched", None, 0.0, None),
    ]
    result = match_rows(feed((A, "张伟"), (None, None)), index, identity=IDENTITY, village_codes={})
    assert result["id_hash"].to_pylist() == [keyed_hash(A), None]
    assert result["household_id"].to_pylist() == [10, None]


def test_two_members_with_one_id_number_make_the_row_ambiguous_with_both_as_candidates():
    index = MemberIndex(
        members(
            (A, 7, 70, "张伟", BORN_A, "v1"), (B, 3, 30, "李娜", None, "v2"), (A, 5, 50, "张伟", BORN_A, "v2")
        )
    )
    assert matched(index, (A, "张伟"), (B, "李娜")) == [
        ("ambiguous", None, 0.0, [7, 5]),
        ("exact", 3, 1.0, None),
    ]


def test_without_the_id_number_a_row_matches_by_name_and_birth_date_with_a_lower_confidence():
    index = MemberIndex(
        members((A, 1, 10, "张伟", BORN_A, "v1"), (B, 2, 20, "李娜", dt.date(1990, 1, 2), "v2"))
    )
    other_id_same_birth = make_id_number(birth=BORN_A)
    assert matched(index, (other_id_same_birth, "张伟"), (other_id_same_birth, "王芳")) == [
        ("fuzzy", 1, matching.FUZZY_WITHOUT_VILLAGE, None),
        ("unmatched", None, 0.0, None),
    ]


def test_a_village_named_in_the_row_raises_the_confidence_and_excludes_other_villages():
    index = MemberIndex(members((A, 1, 10, "张伟", BORN_A, "v1"), (C, 2, 20, "张伟", BORN_A, "v2")))
    rows = feed((make_id_number(birth=BORN_A), "张伟"), (make_id_number(birth=BORN_A), "张伟"))
    rows = rows.append_column("village", pa.array(["一村", None]))
    result = match_rows(
        rows, index, identity={**IDENTITY, "village_name": "village"}, village_codes={"一村": "v1"}
    )
    assert result["match_status"].to_pylist() == ["fuzzy", "ambiguous"]
    assert result["match_confidence"].to_pylist() == [matching.FUZZY_WITH_VILLAGE, 0.0]
    assert result["member_id"].to_pylist() == [1, None]
    assert result["candidates"].to_pylist() == [None, [1, 2]]
    assert result["village_code"].to_pylist() == ["v1", None]


def test_each_distinct_id_number_is_hashed_once_per_import(monkeypatch):
    hashed = []

    def counting(values):
        hashed.extend(values.to_pylist())
        return keyed_hashes(values)

    monkeypatch.setattr(matching, "keyed_hashes", counting)
    index = MemberIndex(members((A, 1, 10, "张伟", BORN_A, "v1"), (B, 2, 20, "李娜", None, "v2")))
    first = matched(index, (A, "张伟"), (B, "李娜"), (A, "张伟"))
    second = matched(index, (B, "李娜"), (STRANGER, "外县人"), (A, "张伟"))
    assert sorted(hashed) == sorted([A, B, STRANGER])
    assert [m[:2] for m in first] == [("exact", 1), ("exact", 2), ("exact", 1)]
    assert [m[:2] for m in second] == [("exact", 2), ("unmatched", None), ("exact", 1)]


def test_the_remembered_hashes_start_again_past_the_limit_and_stay_correct(monkeypatch):
    monkeypatch.setattr(matching, "HASH_CACHE_LIMIT", 2)
    index = MemberIndex(members((A, 1, 10, "张伟", BORN_A, "v1"), (B, 2, 20, "李娜", None, "v2")))
    assert [m[1] for m in matched(index, (A, "张伟"), (B, "李娜"))] == [1, 2]
    assert [m[1] for m in matched(index, (STRANGER, "外县人"), (B, "李娜"), (A, "张伟"))] == [None, 2, 1]


def test_identity_numbers_that_are_not_canonical_are_still_matched_by_their_hash():
    index = MemberIndex(members(("A-1", 1, 10, "张伟", BORN_A, "v1")))
    assert [m[:2] for m in matched(index, ("A-1", None), ("B-2", None))] == [
        ("exact", 1),
        ("unmatched", None),
    ]


def test_hashes_sharing_their_first_digits_are_told_apart():
    table = members((A, 1, 10, "张伟", BORN_A, "v1"), (B, 2, 20, "李娜", None, "v2"))
    hash_a = table["id_hash"][0].as_py()
    twin = hash_a[:16] + "0" * 48 if hash_a[16:] != "0" * 48 else hash_a[:16] + "1" * 48
    table = table.set_column(0, "id_hash", pa.array([hash_a, twin]))
    index = MemberIndex(table)
    assert [m[:2] for m in matched(index, (A, "张伟"), (B, "李娜"))] == [("exact", 1), ("unmatched", None)]


def test_an_empty_registry_matches_nothing():
    index = MemberIndex(members())
    assert matched(index, (A, "张伟"), (None, None)) == [
        ("unmatched", None, 0.0, None),
        ("unmatched", None, 0.0, None),
    ]


def test_registry_members_are_read_with_names_that_need_quoting(households):
    member = households["a1"].members.get()
    member.name = '张,"伟"\n二'
    member.save()
    MemberFactory(household=households["b1"], name="李娜", relation="其他", id_number=make_id_number())
    table = registry_members()
    assert table.num_rows == 5 and table["member_id"].to_pylist() == sorted(table["member_id"].to_pylist())
    row = next(r for r in table.to_pylist() if r["member_id"] == member.pk)
    assert row["name"] == member.name and row["birth_date"] == member.birth_date
    assert row["id_hash"] == member.id_number_hash and row["household_id"] == member.household_id
    assert row["village_code"] == households["a1"].village_id


def test_registry_members_are_all_read_however_many_queries_it_takes(households, monkeypatch):
    monkeypatch.setattr(matching, "MEMBERS_PER_QUERY", 3)  # SQLite reads in blocks; PostgreSQL streams
    assert registry_members(matching.EXACT_COLUMNS).num_rows == 4
    assert registry_members(matching.EXACT_COLUMNS).column_names == list(matching.EXACT_COLUMNS)


def test_a_batch_without_valid_rows_matches_to_an_empty_table():
    index = MemberIndex(members((A, 1, 10, "张伟", BORN_A, "v1")))
    result = match_rows(feed(), index, identity=IDENTITY, village_codes={})
    assert result.num_rows == 0 and result.schema == matching.MATCH_SCHEMA
    assert [m[:2] for m in matched(index, (A, "张伟"))] == [("exact", 1)]  # and the index still works
