"""Bulk loading of Arrow tables into model tables: COPY on PostgreSQL, batched executemany on SQLite.

The one place fangpin writes rows without the ORM's per-object machinery (used by the simulator and large
imports). Column names are the model's own columns, checked against `_meta`; values are converted per field
type, so callers hand over plain Arrow data.
"""

import io
import json
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.core.management.color import no_style
from django.db import connection, models, transaction

SQLITE_BATCH = 5_000


def _fields_by_column(model: type[models.Model]) -> dict[str, models.Field]:
    return {f.column: f for f in model._meta.concrete_fields}


def _prepare(table: pa.Table, fields: dict[str, models.Field], vendor: str) -> pa.Table:
    """Arrow columns in the representation the database driver or COPY expects for each field type."""
    arrays = []
    for name in table.column_names:
        field, column = fields[name], table.column(name)
        if isinstance(field, models.JSONField) and pa.types.is_string(column.type):
            pass  # a string column for a JSON field already holds JSON text
        elif isinstance(field, models.JSONField):
            column = pa.array(
                [None if v is None else json.dumps(v, ensure_ascii=False) for v in column.to_pylist()],
                pa.string(),
            )
        elif isinstance(field, models.BinaryField) and vendor == "postgresql":
            column = pa.array(["\\x" + v.hex() for v in column.to_pylist()], pa.string())
        elif isinstance(field, models.DecimalField):
            column = pc.round(column.cast(pa.float64()), field.decimal_places)
        elif isinstance(field, models.DateTimeField) and vendor == "sqlite":
            # Django keeps SQLite datetimes as naive UTC text; Arrow's %S carries the microseconds.
            column = pc.strftime(column.cast(pa.timestamp("us", tz="UTC")), format="%Y-%m-%d %H:%M:%S")
        elif isinstance(field, models.DateField) and vendor == "sqlite":
            column = column.cast(pa.string())
        arrays.append(column)
    return pa.table(arrays, names=table.column_names)


def bulk_insert(model: type[models.Model], table: pa.Table) -> int:
    """Insert every row of `table` (columns named after the model's columns) into `model`'s table."""
    fields = _fields_by_column(model)
    unknown = [c for c in table.column_names if c not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no column(s) {', '.join(unknown)}")
    if table.num_rows == 0:
        return 0
    vendor = connection.vendor
    table = _prepare(table, fields, vendor)
    quote = connection.ops.quote_name
    db_table = quote(model._meta.db_table)
    columns = ", ".join(quote(c) for c in table.column_names)
    # One transaction for the whole load (a no-op savepoint when the caller already holds one): in autocommit,
    # SQLite would commit every batch of rows separately.
    with transaction.atomic(), connection.cursor() as cursor:
        if vendor == "postgresql":
            # Text columns that may not be NULL keep their empty strings (COPY reads an unquoted empty as NULL).
            not_null = [quote(c) for c in table.column_names if not fields[c].null]
            force = f", FORCE_NOT_NULL ({', '.join(not_null)})" if not_null else ""
            buffer = io.BytesIO()
            pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False))
            with cursor.cursor.copy(
                f"COPY {db_table} ({columns}) FROM STDIN WITH (FORMAT csv{force})"
            ) as copy:
                copy.write(buffer.getbuffer())
        else:
            placeholders = ", ".join(["%s"] * table.num_columns)
            sql = f"INSERT INTO {db_table} ({columns}) VALUES ({placeholders})"
            for batch in table.to_batches(SQLITE_BATCH):
                cursor.executemany(sql, list(zip(*(col.to_pylist() for col in batch.columns), strict=True)))
    return table.num_rows


def delete_all(querysets: Iterable[models.QuerySet]) -> None:
    """Delete rows with one DELETE per queryset, without loading them: history and audit are kept elsewhere,
    and per-row signals (django-simple-history's) would otherwise pull millions of rows into memory."""
    for qs in querysets:
        qs._raw_delete(qs.db)  # a private API, but the only bulk path that skips the deletion collector


def reset_sequences(models_: Iterable[type[models.Model]]) -> None:
    """After inserting explicit primary keys, move PostgreSQL's sequences past them (a no-op on SQLite)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def analyze(models_: Iterable[type[models.Model]]) -> None:
    """Refresh the planner's statistics after a bulk load, so the next queries do not plan for empty tables."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")
