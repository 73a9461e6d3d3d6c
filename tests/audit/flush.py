"""Let the test suite empty the append-only audit tables between transactional tests.

Django's `flush` (run after every `transaction=True` test) TRUNCATEs every table on
PostgreSQL and DELETEs from every table on SQLite, which the audit triggers refuse. For the
test database only, the triggers are dropped around the flush and put back after it, in the
same transaction. The application has no such bypass.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import transaction
from django.db.backends.base.operations import BaseDatabaseOperations

from audit import db


@contextmanager
def audit_tables_flushable():
    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        connection = self.connection
        if db.ACCESS_LOG not in connection.introspection.table_names():
            return original(self, sql_list)
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                for statement in db.remove_sql(connection.vendor):
                    cursor.execute(statement)
            original(self, sql_list)
            with connection.cursor() as cursor:
                for statement in db.install_sql(connection.vendor):
                    cursor.execute(statement)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush
    try:
        yield
    finally:
        BaseDatabaseOperations.execute_sql_flush = original
