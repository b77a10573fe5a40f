"""Matching feed rows to registry members: exactly by the ID number's keyed hash; otherwise by name, birth
date (and village, when the feed has one) with a lower confidence; several candidates make a row ambiguous,
for a township officer to resolve. Vectorised: Arrow look-ups, and DuckDB for the few rows left to guess."""

import io
from collections.abc import Mapping
from enum import StrEnum

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection
from django.db.models import F

from fangpin.core.crypto import keyed_hashes
from fangpin.divisions.codes import Level
from fangpin.divisions.models import Division
from fangpin.feeds import normalize
from fangpin.registry.models import Member


class MatchStatus(StrEnum):
    EXACT = "exact"
    FUZZY = "fuzzy"
    AMBIGUOUS = "ambiguous"
    UNMATCHED = "unmatched"


# Confidence of a match by name and birth date, with and without the village agreeing too.
FUZZY_WITH_VILLAGE = 0.9
FUZZY_WITHOUT_VILLAGE = 0.7
# Members read per query on SQLite (PostgreSQL streams them all with COPY): bounds the text held at once.
MEMBERS_PER_QUERY = 200_000
# Distinct ID numbers whose keyed hash an import remembers between batches of rows (~100 bytes each).
HASH_CACHE_LIMIT = 2_000_000

# Statuses as small integers while a batch is matched, named at the end.
_STATUSES = pa.array([s.value for s in MatchStatus], pa.string())
_EXACT, _FUZZY, _AMBIGUOUS, _UNMATCHED = range(len(MatchStatus))

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

# What an import reads of each member (Arrow type, model field): the keyed hash for exact matches, the
# person for matches by name and birth date (read only when some rows need them).
MEMBER_COLUMNS: dict[str, tuple[pa.DataType, str]] = {
    "id_hash": (pa.string(), "id_number_hash"),
    "member_id": (pa.int64(), "pk"),
    "household_id": (pa.int64(), "household_id"),
    "name": (pa.string(), "name"),
    "birth_date": (pa.date32(), "birth_date"),
    "village_code": (pa.string(), "household__village_id"),
}
EXACT_COLUMNS = ("id_hash", "member_id", "household_id")
PERSON_COLUMNS = ("member_id", "household_id", "name", "birth_date", "village_code")
_FREE_TEXT = frozenset({"name"})  # the only columns that may hold a comma, a quote or a line break


def _member_query(columns: tuple[str, ...], after: int | None, limit: int | None) -> tuple[str, tuple]:
    """SQL selecting `columns` of members (aliased m_<column>) in member order."""
    # Members living away (migrant workers) count too: what happens to them concerns their household.
    members = Member.objects.order_by("pk")
    if after is not None:
        members = members.filter(pk__gt=after)
    values = members.values(**{f"m_{c}": F(MEMBER_COLUMNS[c][1]) for c in columns})
    if limit is not None:
        values = values[:limit]
    return values.query.sql_with_params()


def _parse_members(text: bytes, columns: tuple[str, ...]) -> pa.Table:
    schema = pa.schema([(c, MEMBER_COLUMNS[c][0]) for c in columns])
    if not text.strip():
        return schema.empty_table()
    return pacsv.read_csv(
        io.BytesIO(text),
        read_options=pacsv.ReadOptions(column_names=list(columns)),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=dict(zip(schema.names, schema.types, strict=True)),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _sqlite_csv_line(columns: tuple[str, ...]) -> str:
    """An SQLite expression writing one member as a CSV line (free text quoted; NULL would drop the line)."""
    cells = [
        f"""'"' || replace(coalesce(m_{c}, ''), '"', '""') || '"'"""
        if c in _FREE_TEXT
        else f"coalesce(m_{c}, '')"
        for c in columns
    ]
    return " || ',' || ".join(cells)


def registry_members(columns: tuple[str, ...] = tuple(MEMBER_COLUMNS)) -> pa.Table:
    """`columns` of every registry member (see MEMBER_COLUMNS), ordered by member id.

    The rows come as CSV text from the database (COPY on PostgreSQL, group_concat on SQLite) and Arrow parses
    them: a cursor's per-row Python tuples would cost over a second per 300,000 members."""
    if "member_id" not in columns:
        raise ValueError("registry_members needs member_id")
    if connection.vendor == "postgresql":
        sql, params = _member_query(columns, None, None)
        buffer = io.BytesIO()
        copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
        with connection.cursor() as cursor, cursor.cursor.copy(copy_sql, params or None) as copy:
            for block in copy:
                buffer.write(block)
        return _parse_members(buffer.getvalue(), columns)
    tables = []
    after = None
    with connection.cursor() as cursor:
        while True:
            sql, params = _member_query(columns, after, MEMBERS_PER_QUERY)
            cursor.execute(
                f"SELECT group_concat({_sqlite_csv_line(columns)}, char(10)), count(*), max(m_member_id) "
                f"FROM ({sql})",
                params,
            )
            text, count, last = cursor.fetchone()
            if not count:
                break
            tables.append(_parse_members(text.encode(), columns))
            if count < MEMBERS_PER_QUERY:
                break
            after = last
    if not tables:
        return _parse_members(b"", columns)
    members = pa.concat_tables(tables).combine_chunks()
    ids = members["member_id"].to_numpy()
    # The query orders by id; SQLite's group_concat keeps that order in practice but does not promise it.
    return members if bool(np.all(ids[1:] > ids[:-1])) else members.sort_by("member_id")


def _hex_fingerprints(hashes: pa.Array) -> np.ndarray | None:
    """The first 16 hex digits of each keyed hash as a 64-bit number, or None unless every value is 64
    characters starting with 16 hex digits. Keyed hashes are uniformly random, so these rarely collide, and
    lookups compare the whole hash anyway."""
    if len(hashes) == 0 or hashes.null_count:
        return None
    if not pc.all(pc.equal(pc.binary_length(hashes), 64)).as_py():
        return None
    try:
        raw = bytes.fromhex(normalize.char_matrix(hashes, 64)[:, :16].tobytes().decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        return None
    if len(raw) != 8 * len(hashes):  # fromhex skips spaces: such a value is no keyed hash
        return None
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64)


def _id_keys(ids: pa.Array) -> np.ndarray | None:
    """A number per canonical ID number (the 17 digits and the check character, X as 10; -1 for null), or
    None when some value is not canonical: the exact key by which an import remembers what it hashed."""
    present = ids.is_valid().to_numpy(zero_copy_only=False)
    values = ids.drop_null()
    if not normalize.fixed_shape(values, "9" * 17 + "X").all():
        return None
    matrix = normalize.char_matrix(values, 18)
    digits = matrix[:, :17].astype(np.int64) - ord("0")
    check = np.where(matrix[:, 17] == ord("X"), 10, matrix[:, 17].astype(np.int64) - ord("0"))
    keys = np.full(len(ids), -1, dtype=np.int64)
    keys[present] = (digits @ (10 ** np.arange(16, -1, -1, dtype=np.int64))) * 11 + check
    return keys


def _runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(stable sorting order, start and length of each run of equal keys in that order)."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(keys) else order
    return order, starts, np.diff(np.r_[starts, len(keys)])


class MemberIndex:
    """The registry's members as one import matches against them, built once per import: one entry per keyed
    hash (every member that carries it, in member order), found by a sorted array of fingerprints, and the
    ID numbers hashed so far with their entry. DuckDB matches the few rows left by name and birth date,
    over the members' names, birth dates and villages, read when first needed."""

    def __init__(self, members: pa.Table | None = None) -> None:
        """`members`: EXACT_COLUMNS (and optionally PERSON_COLUMNS) of every member, in member order."""
        members = registry_members(EXACT_COLUMNS) if members is None else members
        self._people = members if set(PERSON_COLUMNS) <= set(members.column_names) else None
        hashes = members["id_hash"].combine_chunks()
        fingerprints = _hex_fingerprints(hashes)
        order, starts, counts = _runs(fingerprints if fingerprints is not None else np.zeros(0))
        if fingerprints is not None and (counts > 1).any():
            # Two members with one hash share a run; two hashes sharing a fingerprint (about once in 10^9
            # registries) would too, and then the slower exact grouping is used.
            run_of = np.repeat(np.arange(len(starts)), counts)
            ordered = hashes.take(pa.array(order))
            if not pc.all(pc.equal(ordered, ordered.take(pa.array(starts[run_of])))).as_py():
                fingerprints = None
        if fingerprints is None:
            order, starts, counts = _runs(pc.dictionary_encode(hashes).indices.to_numpy(zero_copy_only=False))
        # Entries in fingerprint order, so that an entry is its position in `_sorted`; the hash of entry e
        # is that of member row `_row_of[e]`.
        self._sorted = fingerprints[order][starts] if fingerprints is not None else None
        self._member_hashes = hashes
        self._row_of = order[starts]
        member_ids = members["member_id"].to_numpy()[order]
        household_ids = members["household_id"].to_numpy()[order]
        # Per entry, and a last line for "no entry" (index -1): how many members carry the hash, the member
        # and household when there is one, the candidate members when there are several.
        self.counts = np.append(counts, 0)
        self.member_of = np.append(member_ids[starts], -1)
        self.household_of = np.append(household_ids[starts], -1)
        self.candidates_of = pa.ListArray.from_arrays(
            pa.array(np.r_[starts, len(member_ids)].astype(np.int32)),
            pa.array(member_ids, pa.int64()),
            mask=pa.array(counts <= 1),
        )
        # ID numbers hashed so far in this import, a person appearing in many rows and many batches: their
        # keys sorted, with the slot of each in the hashes and entries (kept in the order they were hashed).
        self._keys = np.zeros(0, dtype=np.int64)
        self._slots = np.zeros(0, dtype=np.int64)
        self._key_hashes = pa.array([], pa.string())
        self._key_entries = np.zeros(0, dtype=np.int64)
        self._con: duckdb.DuckDBPyConnection | None = None

    def entries(self, hashes: pa.Array) -> np.ndarray:
        """The entry of each keyed hash (-1 where no member carries it, or the hash is null)."""
        fingerprints = _hex_fingerprints(hashes) if self._sorted is not None else None
        if fingerprints is None or not len(self._sorted):
            entry_hashes = self._member_hashes.take(pa.array(self._row_of))
            return pc.fill_null(pc.index_in(hashes, value_set=entry_hashes), -1).to_numpy()
        # Searching in sorted order is several times faster (numpy narrows each search from the last).
        order = np.argsort(fingerprints)
        at = np.empty(len(fingerprints), dtype=np.int64)
        at[order] = np.searchsorted(self._sorted, fingerprints[order])
        at = np.minimum(at, len(self._sorted) - 1)
        same = (self._sorted[at] == fingerprints) & pc.equal(
            self._member_hashes.take(pa.array(self._row_of[at])), hashes
        ).to_numpy(zero_copy_only=False)
        return np.where(same, at, -1)

    def lookup(self, ids: pa.Array) -> tuple[pa.Array, np.ndarray]:
        """(keyed hash, entry or -1) of each ID number; each distinct number is hashed once per import."""
        keys = _id_keys(ids)
        if keys is None:  # not canonical ID numbers: hashed per batch, not remembered
            distinct = pc.unique(ids.drop_null())
            at = pc.index_in(ids, value_set=distinct)
            hashes = keyed_hashes(distinct)
            entries = np.append(self.entries(hashes), -1)
            return hashes.take(at), entries[pc.fill_null(at, -1).to_numpy()]
        present = keys >= 0
        distinct, first, inverse = np.unique(keys[present], return_index=True, return_inverse=True)
        if len(self._keys) + len(distinct) > HASH_CACHE_LIMIT:  # forget, rather than grow without bound
            self._keys, self._slots = self._keys[:0], self._slots[:0]
            self._key_hashes, self._key_entries = self._key_hashes[:0], self._key_entries[:0]
        at = np.searchsorted(self._keys, distinct)
        is_new = at >= len(self._keys)
        is_new[~is_new] = self._keys[at[~is_new]] != distinct[~is_new]
        if is_new.any():
            rows = np.flatnonzero(present)[first[is_new]]
            hashes = keyed_hashes(ids.take(pa.array(rows)))
            entries = self.entries(hashes)
            keys_now = np.concatenate([self._keys, distinct[is_new]])
            slots_now = np.concatenate([self._slots, len(self._key_hashes) + np.arange(len(rows))])
            order = np.argsort(keys_now, kind="stable")
            self._keys, self._slots = keys_now[order], slots_now[order]
            self._key_hashes = pa.concat_arrays([self._key_hashes, hashes])
            self._key_entries = np.concatenate([self._key_entries, entries])
            at = np.searchsorted(self._keys, distinct)
        slot = np.zeros(len(ids), dtype=np.int64)
        slot[present] = self._slots[at][inverse] if len(distinct) else 0
        entry = np.where(present, self._key_entries[slot], -1) if len(self._key_entries) else slot - 1
        return self._key_hashes.take(pa.array(slot, mask=~present)), entry

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """DuckDB over the members' PERSON_COLUMNS, read when some rows first need matching by name."""
        if self._con is None:
            if self._people is None:
                self._people = registry_members(PERSON_COLUMNS)
            self._con = duckdb.connect()
            self._con.register("members", self._people)
        return self._con


def birth_dates_from_id(id_numbers: pa.Array) -> pa.Array:
    digits = pc.utf8_slice_codeunits(id_numbers, 6, 14)
    return pc.strptime(digits, format="%Y%m%d", unit="s", error_is_null=True).cast(pa.date32())


def village_codes_by_name() -> dict[str, str]:
    """Village name → code, for the names that are unique in the county (a name used twice says nothing)."""
    names: dict[str, list[str]] = {}
    for code, name in Division.objects.filter(level=Level.VILLAGE).values_list("code", "name"):
        names.setdefault(name, []).append(code)
    return {name: codes[0] for name, codes in names.items() if len(codes) == 1}


def _fuzzy(
    index: MemberIndex, rows: pa.Array, name: pa.Array, birth: pa.Array, village: pa.Array
) -> pa.Table:
    """Members with the name and birth date (and village, when the row has one) of each of `rows`: a line per
    row with candidates (pos, ids, households, same_village), ids in member order."""
    keys = pa.table({"pos": rows, "name": name, "birth_date": birth, "village_code": village})
    con = index.con
    con.register("keys", keys)
    try:
        return con.execute(
            """
            select k.pos, list(m.member_id order by m.member_id) as ids,
                   list(m.household_id order by m.member_id) as households,
                   bool_and(k.village_code is not null and k.village_code = m.village_code) as same_village
            from keys k
            join members m
              on k.name = m.name and k.birth_date = m.birth_date
             and (k.village_code is null or k.village_code = m.village_code)
            group by k.pos
            """
        ).to_arrow_table()
    finally:
        con.unregister("keys")


def match_rows(
    rows: pa.Table, index: MemberIndex, *, identity: Mapping[str, str], village_codes: Mapping[str, str]
) -> pa.Table:
    """For each row, the member it is about: a table of MATCH_SCHEMA, one line per input row, in input order.

    `identity` maps roles (id_number, name, birth_date, village_code, village_name) to the feed's columns."""
    n = rows.num_rows

    def role(name: str, type_: pa.DataType) -> pa.Array:
        column = identity.get(name)
        return rows[column].combine_chunks() if column else pa.nulls(n, type_)

    ids = role("id_number", pa.string())
    village = role("village_code", pa.string())
    if identity.get("village_name") and village_codes:
        names = pa.array(list(village_codes), pa.string())
        codes = pa.array(list(village_codes.values()), pa.string())
        village = pc.coalesce(village, codes.take(pc.index_in(role("village_name", pa.string()), names)))
    id_hash, entry = index.lookup(ids)
    count = index.counts[entry]
    member = np.where(count == 1, index.member_of[entry], -1)
    household = np.where(count == 1, index.household_of[entry], -1)
    candidates = index.candidates_of.take(pa.array(entry, mask=entry < 0))
    status = np.select([count == 1, count > 1], [_EXACT, _AMBIGUOUS], _UNMATCHED).astype(np.int8)
    confidence = np.where(count == 1, 1.0, 0.0)
    name = role("name", pa.string())
    guess = (count == 0) & name.is_valid().to_numpy(zero_copy_only=False)
    if guess.any():
        positions = pa.array(np.flatnonzero(guess))
        if identity.get("birth_date"):
            birth = role("birth_date", pa.date32()).take(positions)
        else:
            birth = birth_dates_from_id(ids.take(positions))
        guessed = _fuzzy(index, positions, name.take(positions), birth, village.take(positions))
        if guessed.num_rows:
            at = guessed["pos"].to_numpy()
            ids_list = guessed["ids"].combine_chunks().cast(candidates.type)
            single = pc.equal(pc.list_value_length(ids_list), 1).to_numpy(zero_copy_only=False)
            one, several = at[single], at[~single]
            member[one] = pc.list_element(ids_list.filter(single), 0).to_numpy()
            household[one] = pc.list_element(
                guessed["households"].combine_chunks().filter(single), 0
            ).to_numpy()
            status[one], status[several] = _FUZZY, _AMBIGUOUS
            same_village = pc.fill_null(guessed["same_village"], False).to_numpy(zero_copy_only=False)
            confidence[one] = np.where(same_village[single], FUZZY_WITH_VILLAGE, FUZZY_WITHOUT_VILLAGE)
            if len(several):
                # Put the fuzzy candidate lists in their rows: a take from [exact lists; fuzzy lists].
                take = np.arange(n)
                take[several] = n + np.arange(len(several))
                candidates = pa.concat_arrays([candidates, ids_list.filter(~single)]).take(pa.array(take))
    return pa.table(
        {
            "_row": rows["_row"],
            "id_hash": id_hash,
            "village_code": village,
            "member_id": pa.array(member, mask=member < 0),
            "household_id": pa.array(household, mask=household < 0),
            "match_status": _STATUSES.take(pa.array(status)),
            "match_confidence": pa.array(confidence, pa.float64()),
            "candidates": candidates,
        },
        schema=MATCH_SCHEMA,
    )
