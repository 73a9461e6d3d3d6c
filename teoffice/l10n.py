"""Numbers, shares, dates and months as the active language writes them, for text built in
Python (charts, period labels, the report's cells, file names, CSV). Templates localise by
themselves; this module is for the strings they receive ready-made.

fi and sv (as written in Finland): `84,0 %`, `1 917` (a no-break space groups thousands),
`1.12.2026`, "marraskuu 2026" / "november 2026"; en: `84.0 %`, `1,917`, `1.12.2026`,
"November 2026". Short month labels (charts) are numbers, `11/2026`, in every language: Django's
Finnish three-letter month names are ambiguous ("Mar" is both maaliskuu and marraskuu).

The CSV choice: fi and sv files are what a Finnish or Swedish Excel splits into columns when
opened — `;` between fields, a comma as the decimal mark, UTF-8 with a byte-order mark; en
files keep `,` and `.` without a mark (the format scripts and other tools expect).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import get_language

NBSP = "\xa0"
BOM = "\ufeff"


def number(value: float | int, decimals: int | None = None) -> str:
    """`1 917`, `12,5` (fi/sv); `1,917`, `12.5` (en)."""
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True)


def percent(value: float | int | None, decimals: int = 1) -> str:
    """A percentage (0–100) with its sign: `84,0 %`; None is a dash."""
    if value is None:
        return "–"
    return f"{number(value, decimals)}{NBSP}%"


def share(value: float | None, decimals: int = 1) -> str:
    """A 0–1 share as a percentage: share(0.84) == percent(84.0)."""
    return "–" if value is None else percent(100 * value, decimals)


def day(value: dt.date) -> str:
    """`1.12.2026` in every language of the office."""
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def month(value: dt.date) -> str:
    """ "marraskuu 2026", "november 2026", "November 2026"."""
    return formats.date_format(value, "YEAR_MONTH_FORMAT")


def month_short(value: dt.date) -> str:
    """`11/2026`: unambiguous in every language, short enough for a chart's axis."""
    return f"{value.month}/{value.year}"


@dataclass(frozen=True)
class CsvStyle:
    delimiter: str
    decimal: str
    bom: str
    date_format: str  # strftime; PostgreSQL's DateStyle below writes the same
    datestyle: str | None  # for COPY; None keeps the server's ISO dates


EXCEL_NORDIC = CsvStyle(";", ",", BOM, "%d.%m.%Y", "German, DMY")  # 01.12.2026
PLAIN = CsvStyle(",", ".", "", "%Y-%m-%d", None)


def csv_style(language: str | None = None) -> CsvStyle:
    """How a CSV file is written for `language` (the active one by default)."""
    code = (language or get_language() or "en").split("-")[0]
    return EXCEL_NORDIC if code in ("fi", "sv") else PLAIN


def csv_decimal(value: float, decimals: int = 1, style: CsvStyle | None = None) -> str:
    """A plain number for a CSV field: no grouping, the style's decimal mark."""
    text = f"{value:.{decimals}f}"
    return text.replace(".", (style or csv_style()).decimal)
