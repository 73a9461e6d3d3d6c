"""A minimal streaming XLSX writer for long flat tables, and the number formats that the
reports' spreadsheets share.

openpyxl builds a cell object per value; at a million rows that is ~500 rows/s. A table with
one type per column needs none of that: the sheet XML is written row by row into the zip
(deflate level 1), strings inline (spreadsheet-safe: never read as a formula), dates as serial
numbers with a date style per column.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import zipfile
from collections.abc import Iterable, Sequence
from typing import IO
from xml.sax.saxutils import escape as xml_escape

from .cells import spreadsheet_safe

PCT_FORMAT = "0.0 %"
INT_FORMAT = "#,##0"  # Excel shows the reader's grouping: 1 234 in Finnish
DAYS_FORMAT = "0.0"
DATE_FORMAT = "d.m.yyyy"  # as in the UI (fi, sv)


_XLSX_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>'
    ),
    # Styles: 0 plain, 1 bold (headers), 2 "#,##0" (built-in 3), 3 DATE_FORMAT, 4 "0.0 %",
    # 5 "0.0".
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<numFmts count="3"><numFmt numFmtId="164" formatCode="{DATE_FORMAT}"/>'
        f'<numFmt numFmtId="165" formatCode="{PCT_FORMAT}"/>'
        f'<numFmt numFmtId="166" formatCode="{DAYS_FORMAT}"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="6">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        "</cellStyles></styleSheet>"
    ),
}
_XLSX_NUMBER_STYLE = {"int": 2, "pct": 4, "days": 5}
_EXCEL_EPOCH = dt.date(1899, 12, 30)
XLSX_BATCH = 1000


def _xlsx_column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _xml_text(value: str) -> str:
    return xml_escape(_XML_ILLEGAL.sub("", value))


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_table_write(
    target: IO[bytes], title: str, headers: list[str], kinds: list[str], values: Iterable[Sequence]
) -> int:
    """One sheet: a bold header row, then a row per item of `values`; the row count."""
    letters = [_xlsx_column(i) for i in range(len(headers))]
    texts: dict[str, str] = {}  # escaped text per value (labels, teams and names repeat)
    serials: dict[dt.date, int] = {}

    def text(value: object) -> str:
        if (escaped := texts.get(value)) is None:
            escaped = _xml_text(spreadsheet_safe(str(value)))
            if len(texts) < 100_000:
                texts[value] = escaped
        return escaped

    cells = []  # per column: a function (value, row) -> the cell's XML
    for letter, kind in zip(letters, kinds, strict=True):
        if kind == "date":

            def cell(value, row, letter=letter):
                if value is None:
                    return ""
                if (serial := serials.get(value)) is None:
                    serial = serials[value] = (value - _EXCEL_EPOCH).days
                return f'<c r="{letter}{row}" s="3"><v>{serial}</v></c>'

        elif kind in _XLSX_NUMBER_STYLE:

            def cell(value, row, letter=letter, style=_XLSX_NUMBER_STYLE[kind]):
                if value is None:
                    return ""
                return f'<c r="{letter}{row}" s="{style}"><v>{value}</v></c>'

        else:

            def cell(value, row, letter=letter):
                if value is None or value == "":
                    return ""
                return f'<c r="{letter}{row}" t="inlineStr"><is><t>{text(value)}</t></is></c>'

        cells.append(cell)

    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in _XLSX_STATIC.items():
            archive.writestr(name, content)
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{_xml_text(title[:31])}" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>",
        )
        rows = 0
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            head = "".join(
                f'<c r="{letter}1" s="1" t="inlineStr"><is><t>{_xml_text(h)}</t></is></c>'
                for letter, h in zip(letters, headers, strict=True)
            )
            sheet.write(
                (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    f'<sheetData><row r="1">{head}</row>'
                ).encode()
            )
            for batch in itertools.batched(values, XLSX_BATCH):
                out = []
                for item in batch:
                    rows += 1
                    r = rows + 1
                    out.append(
                        f'<row r="{r}">'
                        + "".join([f(v, r) for f, v in zip(cells, item, strict=True)])
                        + "</row>"
                    )
                sheet.write("".join(out).encode())
            sheet.write(b"</sheetData></worksheet>")
    return rows
