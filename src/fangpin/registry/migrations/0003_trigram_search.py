"""Substring search of names and ID-number tails (the household list's search box) through trigram indexes.

PostgreSQL only: pg_trgm's GIN indexes answer LIKE '%…%' without scanning the members. SQLite has no such
index; there the search scans, which is fine at the sizes SQLite is used for.
"""

from django.db import migrations

INDEXES = [
    ("member_name_trgm", "name"),
    ("member_id_masked_trgm", "id_number_masked"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON registry_member USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_default_categories")]
    operations = [migrations.RunPython(create, drop)]
