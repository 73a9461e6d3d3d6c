"""Reading an import file: CSV (UTF-8 or Windows-1252; comma, semicolon or tab) or XLSX.

The file format (docs/operations.md has the full table): one header row, then one client a
row. Columns, matched by name in any order and case (English or Finnish header names):

    personal_identity_code  first_name  last_name  team  status  registered_on   (required)
    status_since  language  email  phone  last_interview_on  last_interview_channel
    plan_goal                                                                     (optional)

Any other column is ignored and named in the report. Rows are streamed, never all in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_FILE_BYTES = 50 * 1024 * 1024

REQUIRED_COLUMNS = (
    "personal_identity_code",
    "first_name",
    "last_name",
    "team",
    "status",
    "registered_on",
)
OPTIONAL_COLUMNS = (
    "status_since",
    "language",
    "email",
    "phone",
    "last_interview_on",
    "last_interview_channel",
    "plan_goal",
)
HEADER_ALIASES = {
    "hetu": "personal_identity_code",
    "henkilötunnus": "personal_identity_code",
    "identity_code": "personal_identity_code",
    "etunimi": "first_name",
    "sukunimi": "last_name",
    "tiimi": "team",
    "tila": "status",
    "rekisteröity": "registered_on",
    "tila_alkaen": "status_since",
    "kieli": "language",
    "sähköposti": "email",
    "puhelin": "phone",
    "viimeisin_haastattelu": "last_interview_on",
    "haastattelukanava": "last_interview_channel",
    "tavoite": "plan_goal",
}

COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, format, missing columns)."""


@dataclass
class Table:
    columns: list[str]  # canonical names, or "" for an ignored column
    ignored: list[str]
    rows: Iterator[tuple[int, list]]  # (spreadsheet row number, cells)
    encoding: str = ""
    delimiter: str = ""


def _canonical(header: str) -> str:
    name = str(header or "").strip().lstrip("\ufeff").lower().replace(" ", "_")
    return HEADER_ALIASES.get(name, name)


def _columns(header: list) -> tuple[list[str], list[str]]:
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    columns, ignored, seen = [], [], set()
    for cell in header:
        name = _canonical(cell)
        if name in known and name not in seen:
            columns.append(name)
            seen.add(name)
        else:
            columns.append("")
            if str(cell or "").strip():
                ignored.append(str(cell).strip())
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        raise ImportFileError(
            _("The file has no column for: %(missing)s. The first row must name the columns.")
            % {"missing": ", ".join(missing)}
        )
    return columns, ignored


def _decodes(content: bytes, encoding: str) -> bool:
    """Whether `content` is text in `encoding`, decoded a megabyte at a time and thrown away
    (rows are decoded again as they are read), so the whole text is never in memory."""
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(content)
    try:
        for start in range(0, len(view), 1 << 20):
            decoder.decode(view[start : start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _encoding(content: bytes) -> str:
    """UTF-8 (with or without a BOM) or, failing that, Windows-1252 (Finnish Excel's ANSI)."""
    if content.startswith(codecs.BOM_UTF8):
        if not _decodes(content, "utf-8-sig"):
            raise ImportFileError(
                _("The file starts as UTF-8 but is not valid UTF-8. Save it again as CSV UTF-8.")
            ) from None
        return "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(
            _("The file is UTF-16 text. Save it as CSV UTF-8 (comma or semicolon separated).")
        )
    for encoding in ("utf-8", "cp1252"):
        if _decodes(content, encoding):
            return encoding
    raise ImportFileError(
        _("The file's character encoding is not UTF-8 or Windows-1252. Save it as CSV UTF-8.")
    )


def _read_csv(content: bytes) -> Table:
    encoding = _encoding(content)
    stream = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="")
    first_line = stream.readline()
    if "\x00" in first_line:
        raise ImportFileError(_("This is not a text (CSV) file."))
    delimiter = max((";", ",", "\t"), key=first_line.count)
    stream.seek(0)
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    except csv.Error as exc:
        raise ImportFileError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from None
    columns, ignored = _columns(header)

    def rows() -> Iterator[tuple[int, list]]:
        try:
            for cells in reader:
                yield reader.line_num, cells
        except csv.Error as exc:
            raise ImportFileError(
                _("The file is not valid CSV near line %(line)d: %(error)s")
                % {"line": reader.line_num, "error": exc}
            ) from None

    names = {"utf-8-sig": "utf-8 (BOM)", "utf-8": "utf-8", "cp1252": "windows-1252"}
    return Table(
        columns, ignored, rows(), names[encoding], {";": ";", ",": ",", "\t": "tab"}[delimiter]
    )


# What openpyxl raises on a damaged workbook, when opening it or (read-only mode streams the
# sheet) on any later row: a broken or truncated zip member (BadZipFile, zlib.error,
# EOFError), a member that is not XML (xml.etree's ParseError and lxml's XMLSyntaxError are
# SyntaxErrors), or XML that is not a workbook's (KeyError, IndexError, TypeError, …).
_DAMAGED_WORKBOOK = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    SyntaxError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    ValueError,
    OSError,
)


def _unreadable_workbook() -> ImportFileError:
    return ImportFileError(
        _(
            "The file is not a readable Excel workbook (.xlsx): it may be damaged or cut "
            "short. Save it again in Excel, or as CSV, and upload it again."
        )
    )


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        cells = book.worksheets[0].iter_rows(values_only=True)
        header = list(next(cells))
    except StopIteration:
        raise ImportFileError(_("The workbook's first sheet is empty.")) from None
    except _DAMAGED_WORKBOOK:
        raise _unreadable_workbook() from None
    columns, ignored = _columns(header)

    def rows() -> Iterator[tuple[int, list]]:
        try:
            for number, values in enumerate(cells, start=2):
                yield number, list(values)
        except _DAMAGED_WORKBOOK:
            raise _unreadable_workbook() from None
        finally:
            book.close()

    return Table(columns, ignored, rows(), "xlsx", "")


def read_table(content: bytes, file_name: str) -> Table:
    if not content:
        raise ImportFileError(_("The file is empty."))
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(_("The file is larger than 50 MB. Split it into several files."))
    name = file_name.lower()
    if content.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(content)
    if content.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise ImportFileError(
            _("Old Excel files (.xls) are not supported. Save the sheet as .xlsx or CSV.")
        )
    return _read_csv(content)
