"""Bulk import of clients from a CSV or XLSX file (see importing/, docs/operations.md)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from clients.models import ImportRecord
from importing.services import ImportRejected, import_check, import_run


class Command(BaseCommand):
    help = (
        "Import clients from a CSV (UTF-8 or Windows-1252; comma, semicolon or tab) or XLSX "
        "file: every row is validated first; then all rows are imported in one transaction, "
        "or none. Re-importing the same file creates nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .csv or .xlsx file")
        parser.add_argument(
            "--user",
            required=True,
            help="username of the manager the import is made as (the teams they can see)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report only; write nothing"
        )

    def handle(self, *args, file: str, user: str, dry_run: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            importer = get_user_model().objects.get(username=user, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No active user {user!r}.") from None
        try:
            record = import_check(
                user=importer,
                content=path.read_bytes(),
                file_name=path.name,
                source=ImportRecord.Source.COMMAND,
            )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        self._report(record)
        if record.state == ImportRecord.State.REJECTED or record.rows_rejected:
            raise CommandError("Nothing was imported: fix the rejected rows and run again.")
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        try:
            record = import_run(record=record, user=importer)
        except ImportRejected as exc:
            raise CommandError(f"Nothing was imported: {exc}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {record.rows_total} rows in {record.duration_ms} ms: "
                f"{record.created_count} created, {record.updated_count} updated, "
                f"{record.unchanged_count} unchanged (import #{record.pk})."
            )
        )

    def _report(self, record: ImportRecord) -> None:
        report = record.report
        if report.get("file_error"):
            self.stderr.write(f"File refused: {report['file_error']}")
            return
        self.stdout.write(
            f"{record.file_name}: {record.rows_total} rows, {record.rows_accepted} accepted, "
            f"{record.rows_rejected} rejected (read as {report.get('encoding')}"
            f"{', separator ' + report['delimiter'] if report.get('delimiter') else ''}; "
            f"checked in {record.duration_ms} ms)."
        )
        if report.get("ignored_columns"):
            self.stdout.write(f"Ignored columns: {', '.join(report['ignored_columns'])}")
        for error in report.get("errors", []):
            self.stderr.write(f"  row {error['row']} {error['code']}: {error['reason']}")
        if record.rows_rejected > report.get("errors_listed", 0):
            self.stderr.write(
                f"  … and {record.rows_rejected - report['errors_listed']} more rejected rows."
            )
