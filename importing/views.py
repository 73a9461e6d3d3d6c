"""Bulk import pages: upload a file, read the dry-run report, confirm the import (managers)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clients.models import ImportRecord
from teams import policy

from .parsing import MAX_FILE_BYTES, REQUIRED_COLUMNS
from .services import ImportRejected, import_check, import_run
from .template import import_columns, template_csv, template_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (.csv or .xlsx)"),
        help_text=gettext_lazy(
            "CSV in UTF-8 or Windows-1252, separated by commas or semicolons, or an Excel "
            "workbook; the first row names the columns."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload


def manager_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not policy.may_import_clients(request.user):
            raise PermissionDenied(_("Only managers may import clients."))
        return view(request, *args, **kwargs)

    return wrapped


def _recent(request: HttpRequest):
    return ImportRecord.objects.filter(created_by=request.user).defer("content", "report")[:10]


def _page(request: HttpRequest, form: ImportFileForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "clients/import.html",
        {
            "form": form,
            "recent": _recent(request),
            "columns": import_columns(get_language()),
            "required_count": len(REQUIRED_COLUMNS),
        },
        status=status,
    )


@require_GET
@manager_required
def upload(request: HttpRequest) -> HttpResponse:
    return _page(request, ImportFileForm())


@require_GET
@manager_required
def template(request: HttpRequest, fmt: str) -> HttpResponse:
    """An empty import file with the header row in the user's language (xlsx or csv)."""
    language = get_language()
    if fmt == "xlsx":
        content, content_type = template_xlsx(language), XLSX
    else:
        content, content_type = template_csv(language).encode(), "text/csv; charset=utf-8"
    name = f"{slugify(_('Import clients'), allow_unicode=True).replace('-', '_')}.{fmt}"
    return HttpResponse(
        content,
        content_type=content_type,
        headers={"Content-Disposition": content_disposition_header(True, name)},
    )


@require_POST
@manager_required
def check(request: HttpRequest) -> HttpResponse:
    form = ImportFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload_file = form.cleaned_data["file"]
    record = import_check(
        user=request.user,
        content=upload_file.read(),
        file_name=upload_file.name,
        source=ImportRecord.Source.WEB,
    )
    return redirect("clients_import:report", pk=record.pk)


def _get_record(request: HttpRequest, pk: int) -> ImportRecord:
    """Only the manager who checked a file sees its report."""
    return get_object_or_404(
        ImportRecord.objects.defer("content").filter(created_by=request.user), pk=pk
    )


@require_GET
@manager_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    record = _get_record(request, pk)
    can_import = (
        record.state == ImportRecord.State.CHECKED
        and not record.rows_rejected
        and ImportRecord.objects.filter(pk=pk).exclude(content=b"").exists()
    )
    return render(
        request, "clients/import_report.html", {"record": record, "can_import": can_import}
    )


@require_POST
@manager_required
def run(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(ImportRecord.objects.filter(created_by=request.user), pk=pk)
    try:
        record = import_run(record=record, user=request.user)
    except ImportRejected as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _(
                "Imported: %(created)d clients created, %(updated)d updated, %(unchanged)d unchanged."
            )
            % {
                "created": record.created_count,
                "updated": record.updated_count,
                "unchanged": record.unchanged_count,
            },
        )
    return redirect("clients_import:report", pk=pk)
