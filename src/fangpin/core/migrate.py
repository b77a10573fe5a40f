"""Bringing the database schema up to date before commands that need it (simulate, demo)."""

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def migrate_if_needed(*, verbosity: int = 0) -> bool:
    """Apply pending migrations (an empty database gets the whole schema); True when something was applied."""
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return False
    call_command("migrate", interactive=False, verbosity=verbosity)
    return True
