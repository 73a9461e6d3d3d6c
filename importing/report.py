"""What a check or an import found: the counts, the rejected rows (the first 1,000 listed)
and a preview, kept as the ImportRecord's report."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_REPORTED_ERRORS = 1000  # every rejected row is counted; the first 1,000 are listed
PREVIEW_ROWS = 20


@dataclass
class RowError:
    row: int
    code: str  # masked
    reason: str


@dataclass
class ImportResult:
    rows_total: int = 0
    rows_accepted: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows_rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    preview: list[dict] = field(default_factory=list)

    def reject(self, error: RowError) -> None:
        self.rows_rejected += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    def as_report(self) -> dict:
        return {
            "errors": [e.__dict__ for e in self.errors],
            "errors_listed": len(self.errors),
            "ignored_columns": self.ignored_columns,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "preview": self.preview,
        }
