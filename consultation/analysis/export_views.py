"""Staff pages for exports: request, "My exports", status, download. Thin: form → service."""

from allauth.core.exceptions import ReauthenticationRequired
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from consultation.analysis import selectors
from consultation.analysis.forms import KIND_IDENTIFIED, ExportRequestForm
from consultation.analysis.models import ExportRecord
from consultation.analysis.permissions import can_request_export, can_use_exports
from consultation.analysis.services.exports.delivering import (
    ExportFailed,
    export_file_open,
    export_manifest_get,
    export_stream_response,
)
from consultation.analysis.services.exports.requesting import export_request, stream_max_rows
from talklondon.guards import errors_into_form, recently_authenticated, require_permission_or_404
from talklondon.permissions import can_export_anonymised, can_export_identified


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate="10/m", method="POST", block=True)
@require_permission_or_404(can_use_exports)
def export_create(request):
    user = request.user
    form = ExportRequestForm(
        request.POST or None,
        can_anonymised=can_export_anonymised(user),
        can_identified=can_export_identified(user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["kind"] == KIND_IDENTIFIED and not recently_authenticated(request):
            # Identified data: allauth asks the requester to confirm it is them, then replays.
            raise ReauthenticationRequired
        try:
            record = export_request(
                actor=user,
                dataset_key=data["dataset"],
                file_format=data["file_format"],
                filters=form.export_filters(),
                identified=data["kind"] == KIND_IDENTIFIED,
                purpose=data.get("purpose") or "",
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            errors_into_form(form, exc)
        else:
            if record.delivery == ExportRecord.Delivery.STREAM:
                try:
                    return export_stream_response(actor=user, export_id=record.pk)
                except ExportFailed:
                    pass
            return redirect("analysis_staff:export_detail", pk=record.pk)
    return render(
        request,
        "analysis/export_form.html",
        {"form": form, "datasets": form.datasets.values(), "stream_max_rows": stream_max_rows()},
    )


@require_GET
@require_permission_or_404(can_use_exports)
def export_list(request):
    exports = selectors.export_list_for_requester(user=request.user)
    return render(request, "analysis/export_list.html", {"exports": exports})


def _own_export(request, pk: int) -> ExportRecord:
    record = selectors.export_get_for_requester(user=request.user, export_id=pk)
    if record is None or not can_request_export(request.user, identified=record.identified):
        raise Http404
    return record


@require_GET
@require_permission_or_404(can_use_exports)
def export_detail(request, pk: int):
    record = _own_export(request, pk)
    return render(request, "analysis/export_detail.html", {"export": record})


@require_GET
@require_permission_or_404(can_use_exports)
def export_status(request, pk: int):
    """Progress as JSON, for the status page's polling script."""
    record = _own_export(request, pk)
    return JsonResponse(
        {
            "status": record.status,
            "status_label": record.get_status_display(),
            "rows_written": record.rows_written,
            "rows_total": record.rows_total,
            "percent": record.progress_percent,
            "finished": record.is_finished,
        }
    )


@require_GET
@require_permission_or_404(can_use_exports)
def export_download(request, pk: int):
    try:
        handle, record = export_file_open(actor=request.user, export_id=pk)
    except PermissionDenied:
        raise Http404 from None
    content_type = (
        "text/csv; charset=utf-8"
        if record.file_format == ExportRecord.Format.CSV
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return FileResponse(
        handle, as_attachment=True, filename=record.file_name, content_type=content_type
    )


@require_GET
@require_permission_or_404(can_use_exports)
def export_manifest(request, pk: int):
    try:
        record, body = export_manifest_get(actor=request.user, export_id=pk)
    except PermissionDenied:
        raise Http404 from None
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{record.manifest_file_name}"'
    return response
