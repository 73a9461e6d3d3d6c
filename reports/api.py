"""The coverage report in the REST API: GET /api/v1/coverage/.

The same report as the page (reports.selectors.report.coverage_report, built on
reports.selectors.coverage),
with the page's parameters and defaults: `period` (month, quarter or range) with `month`
(YYYY-MM), `quarter` (YYYY-Qn) or `start`/`end` (YYYY-MM-DD); `level` (office, service line,
team or adviser); optionally `team` (repeatable) to narrow to some of the caller's teams.

Who may see it is the page's rule: managers (the teams in their scope) and team leads (their
own team, at team and adviser level); advisers get 403. The figures are aggregates: no
personal data, so nothing is written to the access log.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from interviews.choices import Channel
from teams import policy
from teoffice.api import MAX_ID, api_exception_handler

from .columns import LEVEL_LABELS, columns
from .figures import LEVELS
from .periods import period_parse, previous_month, previous_quarter
from .selectors.activity import OUTCOMES
from .selectors.report import Report, Row, coverage_report

PERIODS = ["month", "quarter", "range"]


class CoverageQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=PERIODS, default="month")
    # Years from 1000: the report refuses those before 2000 with its own message.
    month = serializers.RegexField(
        r"^[1-9]\d{3}-\d{1,2}$",
        max_length=7,
        required=False,
        help_text=_("With period=month: YYYY-MM. Default: the previous month."),
    )
    quarter = serializers.RegexField(
        r"^[1-9]\d{3}-?[Qq][1-4]$",
        max_length=7,
        required=False,
        help_text=_("With period=quarter: YYYY-Qn. Default: the previous quarter."),
    )
    start = serializers.DateField(required=False, help_text=_("With period=range: first day."))
    end = serializers.DateField(
        required=False, help_text=_("With period=range: last day (cut to today).")
    )
    level = serializers.ChoiceField(
        choices=[(level, LEVEL_LABELS[level]) for level in LEVELS],
        default="team",
        help_text=_("One row per office, service line, team or adviser."),
    )
    team = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=500,
        help_text=_("Only these teams (ids the caller may see). Default: all of them."),
    )


class FiguresSerializer(serializers.Serializer):
    date = serializers.DateField()
    required = serializers.IntegerField()
    covered = serializers.IntegerField()
    coverage = serializers.FloatField(allow_null=True, help_text=_("A 0–1 share."))
    overdue = serializers.IntegerField()


def _row_fields() -> dict[str, serializers.Field]:
    fields: dict[str, serializers.Field] = {
        "key": serializers.IntegerField(
            allow_null=True,
            help_text=_("The office, service line, team or user id; null for the total."),
        ),
        "label": serializers.CharField(),
        "parent": serializers.CharField(help_text=_("The label of the level above, if any.")),
        "required": serializers.IntegerField(),
        "covered": serializers.IntegerField(),
        "coverage": serializers.FloatField(allow_null=True, help_text=_("A 0–1 share.")),
        "overdue": serializers.IntegerField(),
        "held": serializers.IntegerField(),
    }
    for channel in Channel.values:
        fields[f"held_{channel}"] = serializers.IntegerField()
        fields[f"share_{channel}"] = serializers.FloatField(allow_null=True)
    fields |= {
        "no_shows": serializers.IntegerField(),
        "cancellations": serializers.IntegerField(),
        "median_interval_days": serializers.FloatField(allow_null=True),
        **{name: serializers.IntegerField() for name in OUTCOMES},
        "series": FiguresSerializer(many=True, help_text=_("Coverage at each month end.")),
    }
    return fields


CoverageRowSerializer = type("CoverageRowSerializer", (serializers.Serializer,), _row_fields())


class DefinitionSerializer(serializers.Serializer):
    key = serializers.CharField()
    header = serializers.CharField()
    kind = serializers.ChoiceField(choices=["int", "pct", "days", "text"])
    definition = serializers.CharField()


class PeriodSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PERIODS)
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(help_text=_("Inclusive; never after today."))


class CoverageReportSerializer(serializers.Serializer):
    period = PeriodSerializer()
    level = serializers.ChoiceField(choices=list(LEVELS))
    rows = CoverageRowSerializer(many=True)
    total = CoverageRowSerializer()
    referral_outcomes = serializers.DictField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text=_("Partners' referral outcomes in the period, for the whole report."),
    )
    definitions = DefinitionSerializer(many=True)


def _series(series: list[tuple]) -> list[dict]:
    return [
        {
            "date": day,
            "required": figures.required,
            "covered": figures.covered,
            "coverage": figures.coverage,
            "overdue": figures.overdue,
        }
        for day, figures in series
    ]


def _row(row: Row, series: list[tuple]) -> dict:
    return {"key": row.key, "parent": row.parent, **row.values(), "series": _series(series)}


def report_data(report: Report) -> dict:
    return {
        "period": {
            "kind": report.period.kind,
            "label": report.period.label,
            "start": report.start,
            "end": report.end,
        },
        "level": report.level,
        "rows": [_row(row, report.series_for(row.key)) for row in report.rows],
        "total": _row(report.total, report.series_total),
        "referral_outcomes": report.referral_outcomes,
        "definitions": [
            {"key": c.key, "header": c.header, "kind": c.kind, "definition": c.definition}
            for c in columns()
        ],
    }


class CoverageView(APIView):
    """Coverage and interview figures per office, service line, team or adviser."""

    renderer_classes = [JSONRenderer]

    def get_exception_handler(self):
        return api_exception_handler

    @extend_schema(
        summary="The coverage report (the report page's figures)",
        parameters=[CoverageQuerySerializer],
        responses={200: CoverageReportSerializer},
        tags=["coverage"],
    )
    def get(self, request):
        try:
            visible = policy.report_team_ids(request.user)
        except PermissionDenied:
            raise exceptions.PermissionDenied(
                _("The coverage report is for managers and team leads.")
            ) from None
        query = CoverageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        level = params["level"]
        user = request.user
        if level not in policy.report_levels(user):
            raise exceptions.ValidationError(
                {"level": [_("A team lead's report has team or adviser rows.")]}
            )
        teams = params.get("team")
        if teams and visible is not None and not set(teams) <= set(visible):
            missing = sorted(set(teams) - set(visible))
            raise exceptions.ValidationError(
                {"team": [_("No such teams: %(ids)s.") % {"ids": ", ".join(map(str, missing))}]}
            )
        today = timezone.localdate()
        period = period_parse(
            kind=params["period"],
            month=params.get("month") or f"{previous_month(today).start:%Y-%m}",
            quarter=params.get("quarter") or previous_quarter(today).label,
            start=params.get("start"),
            end=params.get("end"),
            today=today,
        )
        report = coverage_report(
            user=user,
            start=period.start,
            end=period.end,
            level=level,
            team_ids=teams or None,
            today=today,
            period_kind=period.kind,
        )
        return Response(CoverageReportSerializer(report_data(report)).data)
