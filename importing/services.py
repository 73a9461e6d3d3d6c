"""The import's services: the dry run (import_check) and the import (import_run) of a file,
both through clients_import_process; all or nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import zlib

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import ImportRecord
from teams import policy

from . import staging
from .parsing import ImportFileError, read_table
from .report import ImportResult
from .validation import RowValidator

logger = logging.getLogger(__name__)


class ImportRejected(Exception):
    """The import wrote nothing: rows were rejected or the database refused the batch."""

    def __init__(self, message: str, result: ImportResult | None = None):
        super().__init__(message)
        self.result = result


def _require_manager(user: AbstractBaseUser) -> None:
    if not policy.is_manager(user):
        raise PermissionDenied(_("Only managers may import clients."))


def clients_import_process(
    *,
    user: AbstractBaseUser,
    content: bytes,
    file_name: str,
    write: bool,
    today: dt.date | None = None,
) -> ImportResult:
    """Validate every row of the file and, with write=True, import it all or nothing.

    1. Read the file (file-level problems raise ImportFileError).
    2. Stream rows, validate each (identity code, names, team the user can see, status,
       dates, optional last interview and plan goal) and collect rejected rows; put the
       valid ones, with the new client's derived fields, in a temporary table.
    3. One statement finds the clients that already exist; those in teams the user cannot
       see are rejected too.
    4. write=False (the dry run): roll back, so nothing at all is left behind.
    5. write=True: any rejected row raises ImportRejected; else, in the same transaction,
       update the agreed fields of existing clients and insert the new ones with their event
       rows, set-based. The database refusing a row rolls everything back (ImportRejected).
    """
    _require_manager(user)
    today = today or timezone.localdate()
    now = timezone.now()
    table = read_table(content, file_name)
    result = ImportResult(
        ignored_columns=table.ignored, encoding=table.encoding, delimiter=table.delimiter
    )
    validator = RowValidator(user, today)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            staging.stage_create(cursor=cursor)
            staging.stage_rows(
                cursor=cursor,
                table=table,
                validator=validator,
                result=result,
                today=today,
                now=now,
                write=write,
            )
            staging.stage_check(cursor=cursor, validator=validator, result=result)
            if not write:
                transaction.set_rollback(True)  # the stage goes with it
                return result
            if result.rows_rejected:
                raise ImportRejected(
                    _("%(count)d rows were rejected; nothing was imported.")
                    % {"count": result.rows_rejected},
                    result,
                )
            if result.rows_total == 0:
                raise ImportRejected(_("The file has no rows to import."), result)
            staging.stage_write(cursor=cursor, user=user, now=now, result=result)
            cursor.execute(f"DROP TABLE {staging.STAGE}")
    except IntegrityError as exc:
        logger.warning("client import refused by the database: %s", type(exc).__name__)
        raise ImportRejected(
            _(
                "The database refused the import (another import or change may have added "
                "the same clients meanwhile); nothing was imported. Check the file again."
            ),
            result,
        ) from None
    return result


def _file_facts(content: bytes) -> dict:
    return {"file_sha256": hashlib.sha256(content).hexdigest(), "file_size": len(content)}


def _keep(content: bytes) -> bytes:
    """The file's bytes as kept between check and import: compressed (CSV to about a fifth),
    because writing a bytea costs the web process several times its size in memory."""
    return zlib.compress(content, 1)


def _kept(stored: bytes) -> bytes:
    try:
        return zlib.decompress(stored)
    except zlib.error:  # kept uncompressed, before _keep() compressed
        return stored


def import_check(
    *, user: AbstractBaseUser, content: bytes, file_name: str, source: str
) -> ImportRecord:
    """The dry run: validate the whole file, write nothing but the record of the check."""
    _require_manager(user)
    t0 = time.perf_counter()
    # Abandoned dry runs keep no personal data for longer than a day.
    ImportRecord.objects.filter(
        state=ImportRecord.State.CHECKED, created_at__lt=timezone.now() - dt.timedelta(days=1)
    ).exclude(content=b"").update(content=b"")
    record = ImportRecord(
        created_by=user, source=source, file_name=file_name[:255], **_file_facts(content)
    )
    try:
        result = clients_import_process(
            user=user, content=content, file_name=file_name, write=False
        )
    except ImportFileError as exc:
        record.state = ImportRecord.State.REJECTED
        record.report = {"file_error": str(exc)}
    else:
        record.rows_total = result.rows_total
        record.rows_accepted = result.rows_accepted
        record.rows_rejected = result.rows_rejected
        record.report = result.as_report()
        if result.rows_total == 0:
            record.state = ImportRecord.State.REJECTED
            record.report["file_error"] = _("The file has no rows to import.")
        elif not result.rows_rejected:
            record.content = _keep(content)
    record.duration_ms = round((time.perf_counter() - t0) * 1000)
    record.save()
    logger.info(
        "client import checked: record %s, %d rows, %d accepted, %d rejected in %d ms",
        record.pk,
        record.rows_total,
        record.rows_accepted,
        record.rows_rejected,
        record.duration_ms,
    )
    return record


def import_run(*, record: ImportRecord, user: AbstractBaseUser) -> ImportRecord:
    """The real import of a checked file, all or nothing; re-validates every row.

    Raises ImportRejected (and marks the record rejected) if anything is refused.
    """
    _require_manager(user)
    if record.created_by_id != user.pk:
        raise PermissionDenied(_("This import was checked by someone else."))
    if record.state != ImportRecord.State.CHECKED or not record.content:
        raise ImportRejected(_("This file was already imported or was rejected. Check it again."))
    t0 = time.perf_counter()
    content = _kept(bytes(record.content))
    try:
        result = clients_import_process(
            user=user, content=content, file_name=record.file_name, write=True
        )
    except (ImportRejected, ImportFileError) as exc:
        record.state = ImportRecord.State.REJECTED
        record.content = b""
        record.report = {
            **(exc.result.as_report() if getattr(exc, "result", None) else {}),
            "file_error": str(exc),
        }
        record.duration_ms = round((time.perf_counter() - t0) * 1000)
        record.save(update_fields=["state", "content", "report", "duration_ms"])
        raise ImportRejected(str(exc), getattr(exc, "result", None)) from None
    record.state = ImportRecord.State.IMPORTED
    record.imported_at = timezone.now()
    record.content = b""
    record.rows_total = result.rows_total
    record.rows_accepted = result.rows_accepted
    record.rows_rejected = result.rows_rejected
    record.created_count = result.created
    record.updated_count = result.updated
    record.unchanged_count = result.unchanged
    record.duration_ms = round((time.perf_counter() - t0) * 1000)
    record.save()
    logger.info(
        "client import done: record %s, %d rows, %d created, %d updated, %d unchanged in %d ms",
        record.pk,
        record.rows_total,
        record.created_count,
        record.updated_count,
        record.unchanged_count,
        record.duration_ms,
    )
    return record
