"""Matching feed rows to registry members: exactly by the ID number's keyed hash; otherwise by name, birth
date (and village, when the feed has one) with a lower confidence; several candidates make a row ambiguous,
for a township officer to resolve. Vectorised: one DuckDB query per batch of rows."""

from collections.abc import Mapping
from enum import StrEnum

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection

from fangpin.core.crypto import keyed_hash
from fangpin.divisions.codes import Level
from fangpin.divisions.models import Division
from fangpin.registry.models import Member


class MatchStatus(StrEnum):
    EXACT = "exact"
    FUZZY = "fuzzy"
    AMBIGUOUS = "ambiguous"
    UNMATCHED = "unmatched"


# Confidence of a match by name and birth date, with and without the village agreeing too.
FUZZY_WITH_VILLAGE = 0.9
FUZZY_WITHOUT_VILLAGE = 0.7

MATCH_SCHEMA = pa.schema(
    [
        ("_row", pa.int64()),
        ("id_hash", pa.string()),
        ("village_code", pa.string()),
        ("member_id", pa.int64()),
        ("household_id", pa.int64()),
        ("match_status", pa.string()),
        ("match_confidence", pa.float64()),
        ("candidates", pa.list_(pa.int64())),
    ]
)


class MemberIndex:
    """The registry's members as one import matches against them, built once per import: by keyed hash (one
    line per hash, with every member that carries it) and by person (name, birth date, village)."""

    def __init__(self) -> None:
        columns: dict[str, list] = {
            k: [] for k in ("id_hash", "member_id", "household_id", "name", "birth_date", "village_code")
        }
        # Members living away (migrant workers) count too: what happens to them concerns their household.
        # The ORM's query, read through the cursor: per-row model conversion would cost seconds per million.
        query = Member.objects.values_list(
            "id_number_hash", "id", "household_id", "name", "birth_date", "household__village_id"
        ).query
        sql, params = query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(50_000):
                for values, value in zip(columns.values(), zip(*rows, strict=True), strict=True):
                    values.extend(value)
        births = columns["birth_date"]
        # SQLite returns dates as ISO text, PostgreSQL as dates; Arrow casts the text.
        birth_array = (
            pa.array(births, pa.string()).cast(pa.date32())
            if births and isinstance(births[0], str)
            else (pa.array(births, pa.date32()))
        )
        members = pa.table(
            {
                "id_hash": pa.array(columns["id_hash"], pa.string()),
                "member_id": pa.array(columns["member_id"], pa.int64()),
                "household_id": pa.array(columns["household_id"], pa.int64()),
                "name": pa.array(columns["name"], pa.string()),
                "birth_date": birth_array,
                "village_code": pa.array(columns["village_code"], pa.string()),
            }
        )
        # Keyed hashes already computed in this import: a person appears in many rows and many batches.
        self.hashes: dict[str, str] = {}
        self.con = duckdb.connect()
        self.con.register("members", members)
        self.con.execute(
            """
            create table by_hash as
            select id_hash, list(member_id order by member_id) as ids,
                   list(household_id order by member_id) as households
            from members group by id_hash
            """
        )


def hash_id_numbers(id_numbers: pa.Array, cache: dict[str, str] | None = None) -> pa.Array:
    """Keyed hashes of normalised ID numbers (nulls stay null); each distinct number is hashed once."""
    cache = {} if cache is None else cache
    distinct = pc.unique(id_numbers.drop_null()).to_pylist()
    hashes = pa.array([cache.get(x) or cache.setdefault(x, keyed_hash(x)) for x in distinct], pa.string())
    return pc.take(hashes, pc.index_in(id_numbers, value_set=pa.array(distinct, pa.string())))


def birth_dates_from_id(id_numbers: pa.Array) -> pa.Array:
    digits = pc.utf8_slice_codeunits(id_numbers, 6, 14)
    return pc.strptime(digits, format="%Y%m%d", unit="s", error_is_null=True).cast(pa.date32())


def village_codes_by_name() -> dict[str, str]:
    """Village name → code, for the names that are unique in the county (a name used twice says nothing)."""
    names: dict[str, list[str]] = {}
    for code, name in Division.objects.filter(level=Level.VILLAGE).values_list("code", "name"):
        names.setdefault(name, []).append(code)
    return {name: codes[0] for name, codes in names.items() if len(codes) == 1}


def match_rows(
    rows: pa.Table, index: MemberIndex, *, identity: Mapping[str, str], village_codes: Mapping[str, str]
) -> pa.Table:
    """For each row, the member it is about: a table of MATCH_SCHEMA, one line per input row, in input order.

    `identity` maps roles (id_number, name, birth_date, village_code, village_name) to the feed's columns."""
    n = rows.num_rows

    def role(name: str, type_: pa.DataType) -> pa.Array:
        column = identity.get(name)
        return rows[column] if column else pa.nulls(n, type_)

    ids = role("id_number", pa.string())
    birth = role("birth_date", pa.date32()) if identity.get("birth_date") else birth_dates_from_id(ids)
    village = role("village_code", pa.string())
    if identity.get("village_name"):
        names = role("village_name", pa.string()).to_pylist()
        by_name = pa.array([village_codes.get(x) if x else None for x in names], pa.string())
        village = pc.coalesce(village, by_name)
    keys = pa.table(
        {
            "_row": rows["_row"],
            "id_hash": hash_id_numbers(ids, index.hashes),
            "name": role("name", pa.string()),
            "birth_date": birth,
            "village_code": village,
        }
    )
    con = index.con
    con.register("keys", keys)
    result = con.execute(
        f"""
        with exact as (
            select k._row, h.ids, h.households from keys k join by_hash h on k.id_hash = h.id_hash
        ),
        fuzzy as (
            select k._row, list(m.member_id order by m.member_id) as ids,
                   list(m.household_id order by m.member_id) as households,
                   bool_and(k.village_code is not null and k.village_code = m.village_code) as same_village
            from (select * from keys where _row not in (select _row from exact) and name is not null) k
            join members m
              on k.name = m.name and k.birth_date = m.birth_date
             and (k.village_code is null or k.village_code = m.village_code)
            group by k._row
        )
        select k._row, k.id_hash, k.village_code,
               case when len(coalesce(e.ids, f.ids)) = 1 then coalesce(e.ids, f.ids)[1] end as member_id,
               case when len(coalesce(e.ids, f.ids)) = 1 then coalesce(e.households, f.households)[1] end
                   as household_id,
               case when e.ids is not null and len(e.ids) = 1 then '{MatchStatus.EXACT}'
                    when f.ids is not null and len(f.ids) = 1 then '{MatchStatus.FUZZY}'
                    when coalesce(e.ids, f.ids) is not null then '{MatchStatus.AMBIGUOUS}'
                    else '{MatchStatus.UNMATCHED}' end as match_status,
               case when e.ids is not null and len(e.ids) = 1 then 1.0
                    when f.ids is not null and len(f.ids) = 1 and f.same_village then {FUZZY_WITH_VILLAGE}
                    when f.ids is not null and len(f.ids) = 1 then {FUZZY_WITHOUT_VILLAGE}
                    else 0.0 end as match_confidence,
               case when len(coalesce(e.ids, f.ids)) > 1 then coalesce(e.ids, f.ids) end as candidates
        from keys k left join exact e using (_row) left join fuzzy f using (_row)
        order by k._row
        """
    ).to_arrow_table()
    con.unregister("keys")
    return result.cast(MATCH_SCHEMA)
