"""The coverage report page, its exports, the stored monthly reports and the client list."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from audit.models import AccessAction
from audit.services import access_record
from partners.models import ReferralOutcome
from teams import policy
from teoffice.db_routing import replica_reads

from . import exports
from .charts import Series, line_chart
from .columns import LEVEL_LABELS, columns
from .forms import ClientExportForm, ReportForm
from .models import ClientExport, StoredReport
from .selectors.clients import clients_for_export
from .selectors.report import Report, Row, coverage_report
from .services import client_export_finish, client_export_start

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


CHART_MAX_ROWS = 3  # the chart's legend has room for the total and three rows


def coverage_chart(report: Report):
    """Coverage % at each month end: the total, and each row when there are few rows."""
    labels = [f"{day:%m/%Y}" for day, _f in report.series]
    series = [Series(_("Total"), [f.coverage_pct for _d, f in report.series_total])]
    if len(report.rows) <= CHART_MAX_ROWS and report.level != "adviser":
        series += [
            Series(row.label, [f.coverage_pct for _d, f in report.series_for(row.key)])
            for row in report.rows
        ]
    first, last = report.series_total[0][1], report.series_total[-1][1]
    desc = _("Coverage went from %(a)s to %(b)s over the period.") % {
        "a": "–" if first.coverage_pct is None else f"{first.coverage_pct} %",
        "b": "–" if last.coverage_pct is None else f"{last.coverage_pct} %",
    }
    return line_chart(series, labels, y_max=100, title=_("Coverage at each month end"), desc=desc)


def _display(value, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return f"{100 * value:.1f} %"
    if kind == "days":
        return f"{value:.1f}"
    return str(value)


def _cells(row: Row) -> list[str]:
    values = row.values()
    return [_display(values[c.key], c.kind) for c in columns()[1:]]


def _referral_labels(counts: dict[str, int] | None) -> list[tuple[str, int]]:
    if not counts:
        return []
    labels = dict(ReferralOutcome.choices)
    return [(str(labels[k]), n) for k, n in counts.items() if k in labels]


def _require_reports(request: HttpRequest) -> None:
    """Managers and team leads; everyone else (advisers, partners, anonymous) gets 403."""
    if not policy.may_see_reports(request.user):
        raise PermissionDenied


def _form(request: HttpRequest) -> ReportForm:
    form = ReportForm(request.GET, today=timezone.localdate())
    levels = policy.report_levels(request.user)  # a team lead: their team and its advisers
    form.fields["level"].choices = [c for c in form.fields["level"].choices if c[0] in levels]
    return form


def _build(request: HttpRequest, form: ReportForm) -> Report:
    period = form.cleaned_data["period_obj"]
    return coverage_report(
        user=request.user,
        start=period.start,
        end=period.end,
        level=form.cleaned_data["level"],
        period_kind=period.kind,
    )


def _query(form: ReportForm) -> str:
    return urlencode({name: form.data[name] for name in form.fields if form.data.get(name)})


@require_GET
@vary_on_headers("HX-Request")
@replica_reads
def report(request: HttpRequest) -> HttpResponse:
    _require_reports(request)
    form = _form(request)
    context: dict = {"form": form, "definitions": columns()[1:]}
    if form.is_valid():
        built = _build(request, form)
        context |= {
            "report": built,
            "query": _query(form),
            "chart": coverage_chart(built),
            "level_label": LEVEL_LABELS[built.level],
            "table_rows": [(row, _cells(row)) for row in [*built.rows, built.total]],
            "referral_outcomes": _referral_labels(built.referral_outcomes),
        }
    if policy.may_export_clients(request.user):
        context["export_form"] = ClientExportForm(None, teams=policy.teams_visible_to(request.user))
    context["stored"] = list(
        StoredReport.objects.visible_to(request.user)
        .select_related("office", "service_line")
        .defer("content")[:24]
    )
    status = 200 if form.is_valid() else 400
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "reports/coverage.html#results", context, status=status)
    return render(request, "reports/coverage.html", context, status=status)


def _export_report(request: HttpRequest) -> Report | HttpResponse:
    _require_reports(request)
    form = _form(request)
    if not form.is_valid():
        return HttpResponseBadRequest(
            "\n".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
            content_type="text/plain; charset=utf-8",
        )
    return _build(request, form)


@require_GET
@replica_reads
def report_export_csv(request: HttpRequest) -> HttpResponse:
    built = _export_report(request)
    if isinstance(built, HttpResponse):
        return built
    response = StreamingHttpResponse(exports.report_csv(built), content_type="text/csv")
    name = exports.report_file_name(built, "csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@replica_reads
def report_export_xlsx(request: HttpRequest) -> HttpResponse:
    built = _export_report(request)
    if isinstance(built, HttpResponse):
        return built
    response = StreamingHttpResponse(
        exports.file_chunks(exports.report_xlsx_file(built)), content_type=XLSX
    )
    name = exports.report_file_name(built, "xlsx")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def stored_download(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reports(request)
    stored = get_object_or_404(
        StoredReport.objects.visible_to(request.user).select_related("office", "service_line"),
        pk=pk,
    )
    return HttpResponse(
        bytes(stored.content),
        content_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{stored.file_name}"'},
    )


@require_GET
@replica_reads
def client_export(request: HttpRequest) -> HttpResponse:
    """One row per client (no names, no identity codes), recorded with its row count."""
    if not policy.may_export_clients(request.user):
        raise PermissionDenied(_("You may not export client-level lists."))
    form = ClientExportForm(request.GET, teams=policy.teams_visible_to(request.user))
    if not form.is_valid():
        return HttpResponseBadRequest(
            "\n".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
            content_type="text/plain; charset=utf-8",
        )
    filters = form.filters()
    fmt = form.cleaned_data["format"]
    clients = clients_for_export(user=request.user, filters=filters)
    record = client_export_start(user=request.user, fmt=fmt, filters=filters)
    # Every client in the file, in one INSERT ... SELECT (the ids never pass through Python).
    access_record(request=request, clients=clients, action=AccessAction.EXPORT)
    stamp = timezone.localtime(record.started_at).strftime("%Y%m%d-%H%M")
    name = f"clients_{stamp}.{fmt}"
    # The file is written whole (COPY on PostgreSQL) into a temporary file, then streamed;
    # the record gets its row count, and `completed` once the last chunk went out.
    if fmt == ClientExport.Format.CSV:
        target, rows = exports.client_csv_file(clients)
    else:
        target, rows = exports.client_xlsx_file(exports.client_values(clients))

    def done(completed: bool) -> None:
        client_export_finish(export=record, rows=rows, completed=completed)

    content_type = "text/csv; charset=utf-8" if fmt == ClientExport.Format.CSV else XLSX
    response = StreamingHttpResponse(exports.file_chunks(target, done), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
