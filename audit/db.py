"""The database, not the application, keeps the audit tables honest.

`audit_accesslog` refuses UPDATE, DELETE and TRUNCATE; `audit_changeevent` refuses UPDATE
(DELETE stays possible so that a client's history goes with the client when its retention
ends). The same SQL is used by the migration and by the test suite, which must empty every
table between transactional tests (see tests/audit/flush.py).

A role that owns the tables can still drop a trigger: in production run the application as
a role that was granted only SELECT and INSERT on `audit_accesslog` (docs/operations.md).
"""

from __future__ import annotations

ACCESS_LOG = "audit_accesslog"
CHANGE_EVENT = "audit_changeevent"

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION teoffice_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: the table is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""

# (trigger name, table, what it refuses, PostgreSQL granularity)
_TRIGGERS = [
    (f"{ACCESS_LOG}_no_update", ACCESS_LOG, "UPDATE", "ROW"),
    (f"{ACCESS_LOG}_no_delete", ACCESS_LOG, "DELETE", "ROW"),
    (f"{ACCESS_LOG}_no_truncate", ACCESS_LOG, "TRUNCATE", "STATEMENT"),
    (f"{CHANGE_EVENT}_no_update", CHANGE_EVENT, "UPDATE", "ROW"),
]


def install_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = [_PG_FUNCTION]
        for name, table, operation, level in _TRIGGERS:
            statements.append(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                f"FOR EACH {level} EXECUTE FUNCTION teoffice_refuse_change()"
            )
        return statements
    if vendor == "sqlite":
        # SQLite has no TRUNCATE: DELETE without WHERE fires the row trigger.
        return [
            f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{operation} on {table} is not allowed: "
            f"the table is append-only'); END"
            for name, table, operation, _level in _TRIGGERS
            if operation != "TRUNCATE"
        ]
    return []


def remove_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table, _o, _l in _TRIGGERS]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name, _t, _o, _l in _TRIGGERS]
    return []


def client_index_sql(vendor: str) -> tuple[str, str] | None:
    """A GIN index answers "which log rows cover client N" on PostgreSQL (forward, reverse)."""
    if vendor != "postgresql":
        return None
    return (
        f"CREATE INDEX IF NOT EXISTS audit_accesslog_clients ON {ACCESS_LOG} "
        f"USING gin (client_ids jsonb_path_ops)",
        "DROP INDEX IF EXISTS audit_accesslog_clients",
    )
