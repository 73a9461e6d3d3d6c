"""Date-times in the API: what a request may send, and how a response writes them.

A date-time the API reads (a field or a `*_after` / `*_before` filter) must be in the
product's era and carry a real time-zone offset. Python parses offsets up to ±23:59 and
years from 1, but PostgreSQL refuses offsets beyond ±15:59 and converting year 1 to another
zone overflows: both answered 500. No zone on Earth is more than 14 hours from UTC, and no
interview, appointment or contact attempt predates the year 2000, so anything outside
answers 400 with the field's name.

A date-time the API writes is in Helsinki time, except where the zone database gives
Helsinki a local mean time offset (`+01:39:49`, before 1921), which is not a valid RFC 3339
offset: such a value is written in UTC.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db import models
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django_filters import fields as filter_fields
from django_filters import rest_framework as filters
from rest_framework import serializers

MIN_YEAR = 2000
MAX_YEAR = 2099
MAX_OFFSET = dt.timedelta(hours=14)

OUT_OF_ERA = _("Enter a date-time from the year %(min)s to %(max)s.")
BAD_OFFSET = _("Enter a time zone offset between -14:00 and +14:00.")


def datetime_problem(value: dt.datetime) -> str | None:
    """Why the API cannot take this date-time, or None."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        return str(BAD_OFFSET)
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        return str(OUT_OF_ERA) % {"min": MIN_YEAR, "max": MAX_YEAR}
    return None


class DateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField within the product's era and real offsets, written with a valid
    RFC 3339 offset. The ModelSerializer below uses it for every model date-time."""

    def to_internal_value(self, value):
        parsed = value if isinstance(value, dt.datetime) else None
        if parsed is None and isinstance(value, str):
            # Checked before DRF converts it to Helsinki time, which overflows for year 1.
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None  # DRF's own parsing answers with its message
        if parsed is not None and (problem := datetime_problem(parsed)):
            raise serializers.ValidationError(problem, code="invalid")
        return super().to_internal_value(value)

    def enforce_timezone(self, value):
        local = super().enforce_timezone(value)
        offset = local.utcoffset() if isinstance(local, dt.datetime) else None
        if offset is not None and offset.seconds % 60:
            return local.astimezone(dt.UTC)
        return local


class ModelSerializer(serializers.ModelSerializer):
    """The API's ModelSerializer: model date-times through DateTimeField above."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
    }


class _IsoDateTimeField(filter_fields.IsoDateTimeField):
    def validate(self, value):
        super().validate(value)
        if isinstance(value, dt.datetime) and (problem := datetime_problem(value)):
            raise forms.ValidationError(problem, code="invalid")


class _IsoDateTimeRangeField(filter_fields.RangeField):
    widget = filter_fields.DateRangeWidget

    def __init__(self, *args, **kwargs):
        super().__init__((_IsoDateTimeField(), _IsoDateTimeField()), *args, **kwargs)


class IsoDateTimeFromToRangeFilter(filters.IsoDateTimeFromToRangeFilter):
    """`<name>_after` / `<name>_before` date-times within the era and real offsets (400
    with the filter's name otherwise)."""

    field_class = _IsoDateTimeRangeField
