"""The Finnish personal identity code (henkilötunnus): validation, birth date and masking.

Validation is python-stdnum's `stdnum.fi.hetu`; this module adds what the product needs around
it: a Django validator with a clear message, the birth date, and masking for display.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.fi import hetu

# The format the database accepts: upper case, one of the century signs in use since 2023.
HETU_REGEX = r"^[0-9]{6}[-+ABCDEFUVWXY][0-9]{3}[0-9ABCDEFHJKLMNPRSTUVWXY]$"
CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
CENTURY = {"+": 1800, **dict.fromkeys("-YXWVU", 1900), **dict.fromkeys("ABCDEF", 2000)}


def normalize(value: str) -> str:
    """Trim and upper-case what a person typed; no other changes (no partial codes)."""
    return (value or "").strip().upper()


_HETU_PARTS = re.compile(
    r"([0-3][0-9])([01][0-9])([0-9]{2})([-+ABCDEFUVWXY])([0-9]{3})([0-9ABCDEFHJKLMNPRSTUVWXY])"
)


def is_valid_hetu(value: str) -> bool:
    """True exactly when validate_hetu(value) passes, without python-stdnum's per-character
    cleaning: several times faster, for checking many codes (the import). On False, call
    validate_hetu for the reason."""
    parts = _HETU_PARTS.fullmatch(value)
    if parts is None:
        return False
    day, month, year, sign, individual, check = parts.groups()
    number = int(individual)
    if (
        not 2 <= number <= 899
        or CHECK_CHARACTERS[int(day + month + year + individual) % 31] != check
    ):
        return False
    try:
        dt.date(CENTURY[sign] + int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def validate_hetu(value: str) -> None:
    """Raise ValidationError unless `value` is a valid, complete, upper-case identity code."""
    try:
        if value != normalize(value) or len(value) != 11:
            raise InvalidLength()
        hetu.validate(value)
    except InvalidChecksum:
        raise ValidationError(
            _("The check character of the personal identity code is wrong."), code="checksum"
        ) from None
    except InvalidComponent:
        raise ValidationError(
            _("The personal identity code has an impossible date or individual number."),
            code="component",
        ) from None
    except (InvalidFormat, InvalidLength):
        raise ValidationError(
            _("Enter a personal identity code in the form DDMMYYCZZZQ, e.g. 131052-308T."),
            code="format",
        ) from None


def birth_date(value: str) -> dt.date:
    """The birth date that a valid code carries."""
    year = CENTURY[value[6]] + int(value[4:6])
    return dt.date(year, int(value[2:4]), int(value[0:2]))


def mask(value: str) -> str:
    """Show the date part only: 131052-****."""
    return f"{value[:7]}****" if value else ""


def make_hetu(born: dt.date, individual: int) -> str:
    """A valid code for a birth date and individual number (2–899); used by seeds and tests."""
    sign = {1800: "+", 1900: "-", 2000: "A"}[born.year // 100 * 100]
    digits = f"{born:%d%m}{born.year % 100:02d}"
    check = CHECK_CHARACTERS[int(f"{digits}{individual:03d}") % 31]
    return f"{digits}{sign}{individual:03d}{check}"
