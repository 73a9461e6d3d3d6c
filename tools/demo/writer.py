"""Writing the demo's rows in bulk: PostgreSQL's COPY (bulk_create elsewhere), with the
tables' secondary indexes and foreign keys dropped for the load and rebuilt after."""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Iterable

from django.core.management.color import no_style
from django.db import connection, models


def _line(row: tuple) -> str:
    return "\t".join([r"\N" if v is None else str(v) for v in row]) + "\n"


class Writer:
    """Collects rows per table and writes them with COPY (PostgreSQL) or bulk_create.

    On PostgreSQL the COPY of one chunk runs in a background thread on the same connection
    while the next chunk is generated (the two cores overlap), and secondary indexes and
    foreign keys are dropped for the load and rebuilt once at the end (as pg_restore does).
    """

    def __init__(self) -> None:
        self.rows: dict[type[models.Model], list[tuple]] = {}
        self.columns: dict[type[models.Model], list[str]] = {}
        self.counts: dict[type[models.Model], int] = {}
        self.postgres = connection.vendor == "postgresql"
        self._pending: threading.Thread | None = None
        self._error: BaseException | None = None

    def add(self, model: type[models.Model], columns: list[str], row: tuple) -> None:
        self.columns.setdefault(model, columns)
        self.rows.setdefault(model, []).append(row)

    def flush(self, order: Iterable[type[models.Model]]) -> None:
        batches = []
        for model in order:
            rows = self.rows.pop(model, [])
            if not rows:
                continue
            self.counts[model] = self.counts.get(model, 0) + len(rows)
            columns = self.columns[model]
            if not self.postgres:
                fields = [model._meta.get_field(c).attname for c in columns]
                model.objects.bulk_create(
                    [model(**dict(zip(fields, row, strict=True))) for row in rows],
                    batch_size=2000,
                )
                continue
            db_columns = ", ".join(model._meta.get_field(c).column for c in columns)
            sql = f"COPY {model._meta.db_table} ({db_columns}) FROM STDIN"
            batches.append((sql, "".join(map(_line, rows))))
        if batches:
            self.wait()
            connection.ensure_connection()
            raw = connection.connection  # Django's connection is per thread; share the raw one
            self._pending = threading.Thread(target=self._copy, args=(raw, batches))
            self._pending.start()

    def _copy(self, raw, batches: list[tuple[str, str]]) -> None:
        try:
            cursor = raw.cursor()  # the same transaction as the main thread
            for sql, text in batches:
                cursor.copy_expert(sql, io.StringIO(text), size=1 << 20)
        except BaseException as exc:  # re-raised in the main thread by wait()
            self._error = exc

    def wait(self) -> None:
        if self._pending is not None:
            self._pending.join()
            self._pending = None
        if self._error is not None:
            raise self._error

    @contextlib.contextmanager
    def bulk_load(self, tables: list[str]):
        """Drop secondary indexes and foreign keys of `tables` for the load; rebuild after."""
        if not self.postgres:
            yield
            return
        with connection.cursor() as cursor:
            # Run the checks still pending for rows written so far, so the tables can change.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
                [tables],
            )
            foreign_keys = cursor.fetchall()
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i WHERE i.indrelid::regclass::text = ANY(%s) "
                "AND NOT i.indisprimary AND NOT i.indisunique",
                [tables],
            )
            indexes = cursor.fetchall()
            for table, name, _definition in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
        yield
        self.wait()
        with connection.cursor() as cursor:
            for _name, definition in indexes:
                cursor.execute(definition)
            for table, name, definition in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cursor.execute("ANALYZE")


def reset_sequences(models_: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models_)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
