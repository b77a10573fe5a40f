"""The department-data pages (部门数据导入): upload a file, place unknown headers, follow a batch and download its
invalid rows; and the township officer's queue of ambiguous matches. Each parses, calls a feeds service or
selector, and renders; domain errors become HTTP answers through `_domain_errors`, as on the other pages.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import cast
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import yesno
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from fangpin.accounts.models import User
from fangpin.accounts.roles import Role, can_import_feeds, can_resolve_matches
from fangpin.core.errors import NotFound, PermissionDenied, ValidationError
from fangpin.feeds import selectors, services
from fangpin.feeds.exports import batch_problems
from fangpin.feeds.models import BatchStatus, FeedBatch, FeedRow, RowStatus
from fangpin.feeds.schema import ColumnType, FeedSchemaDef, load_schema
from fangpin.feeds.tasks import feed_batch_run_task
from fangpin.feeds.uploads import store_upload
from fangpin.registry.id_numbers import birth_date_of, is_valid_id_number, mask_id_number
from fangpin.registry.models import Member
from fangpin.registry.selectors import members_visible_to
from fangpin.web.display import yuan
from fangpin.web.feeds_forms import (
    FeedUploadForm,
    HeaderMappingForm,
    RowResolveForm,
    UploadData,
)
from fangpin.web.views import _domain_errors, _save

_PENDING = "feeds.pending_upload"  # the session key of an upload waiting for its headers to be placed
_PROBLEMS_PER_PAGE = 50


def _require(user, allowed: Callable[[Role], bool], reason: str) -> None:
    # The services check again; here it keeps the pages away from roles that cannot use them.
    if not allowed(Role(cast(User, user).role)):
        raise PermissionDenied(reason)


def _require_importer(user) -> None:
    _require(
        user,
        can_import_feeds,
        _("Only department data officers and the county bureau import department data."),
    )


@dataclass(frozen=True)
class PendingUpload:
    """A stored upload whose headers the officer still has to place; kept in the session, never in the form."""

    path: str
    source: str
    file_name: str
    unknown: list[str]
    missing: list[str]
    conflicting: list[str]
    found: dict[str, str]  # header → column, the headers fangpin did place

    @classmethod
    def of(
        cls, *, path: Path, source: str, file_name: str, error: services.HeadersNotMapped
    ) -> "PendingUpload":
        mapping = error.mapping
        return cls(
            path=str(path),
            source=source,
            file_name=file_name,
            unknown=list(mapping.unknown_headers),
            missing=list(mapping.missing_required),
            conflicting=list(mapping.conflicting_headers),
            found=dict(mapping.columns),
        )


def _import(request: HttpRequest, *, path: Path, source: str, file_name: str) -> HttpResponse:
    """Check the stored file and queue its import; the batch page follows it. Raises what prepare raises."""
    result = services.feed_batch_prepare(actor=request.user, source=source, path=path, file_name=file_name)
    batch = result.batch
    if result.is_duplicate:
        when = date_format(timezone.localtime(batch.finished_at or batch.started_at), "SHORT_DATETIME_FORMAT")
        if not selectors.batches_visible_to(request.user).filter(pk=batch.pk).exists():
            # Imported by another office (the county bureau, or 医保 for 卫健): its batch page is not this
            # officer's to open, but the data is in, so there is nothing to do.
            messages.info(
                request,
                _(
                    "This file was already imported on %(date)s, by another office: there is nothing more to do."
                )
                % {"date": when},
            )
            return redirect("feeds-upload")
        messages.info(
            request, _("This file was already imported on %(date)s. Here is that import.") % {"date": when}
        )
    else:
        feed_batch_run_task.enqueue(batch.pk)
        messages.success(request, _("%(file)s has been received.") % {"file": file_name})
    return redirect("feeds-batch", pk=batch.pk)


@login_required
@_domain_errors
def feeds_upload(request: HttpRequest) -> HttpResponse:
    _require_importer(request.user)
    is_post = request.method == "POST"
    form = FeedUploadForm(
        request.POST if is_post else None, request.FILES if is_post else None, user=request.user
    )

    def upload(data: UploadData) -> HttpResponse:
        file_name = data.file.name or ""
        stored = store_upload(data.file)
        try:
            response = _import(request, path=stored.path, source=data.source, file_name=file_name)
        except services.HeadersNotMapped as e:
            pending = PendingUpload.of(path=stored.path, source=data.source, file_name=file_name, error=e)
            request.session[_PENDING] = asdict(pending)
            return redirect("feeds-mapping")
        except ValidationError:
            stored.discard()  # nothing of a refused file is kept
            raise
        return response

    response = _save(form, upload)
    if response is not None:
        return response
    page = Paginator(selectors.batches_visible_to(request.user), settings.FANGPIN_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "web/feeds/upload.html",
        {"form": form, "page": page, "batches": [(b, b.schema.name) for b in page]},
    )


@login_required
@_domain_errors
def feeds_mapping(request: HttpRequest) -> HttpResponse:
    _require_importer(request.user)
    stored = request.session.get(_PENDING)
    if not stored or not Path(stored["path"]).exists():  # none, or its file has been tidied away since
        request.session.pop(_PENDING, None)
        messages.info(request, _("There is no file waiting for its columns. Upload the file again."))
        return redirect("feeds-upload")
    pending = PendingUpload(**stored)
    try:
        schema_row, schema = services.feed_schema_active(source=pending.source)
    except ValidationError as e:  # the source was retired since the upload
        del request.session[_PENDING]
        messages.error(request, e.message)
        return redirect("feeds-upload")
    headers = [*pending.unknown, *pending.conflicting]
    form = HeaderMappingForm(
        request.POST if request.method == "POST" else None,
        headers=headers,
        schema=schema,
        missing=pending.missing,
    )

    def place(mappings: dict[str, str]) -> HttpResponse:
        if mappings:
            services.header_mapping_remember(actor=request.user, source=pending.source, mappings=mappings)
        try:
            response = _import(
                request, path=Path(pending.path), source=pending.source, file_name=pending.file_name
            )
        except services.HeadersNotMapped as e:
            again = PendingUpload.of(
                path=Path(pending.path), source=pending.source, file_name=pending.file_name, error=e
            )
            request.session[_PENDING] = asdict(again)
            messages.error(request, _("The file cannot be imported yet: see below what is still missing."))
            return redirect("feeds-mapping")
        del request.session[_PENDING]
        return response

    response = _save(form, place)
    if response is not None:
        return response
    return render(
        request,
        "web/feeds/mapping.html",
        {
            "form": form,
            "pending": pending,
            "source_name": schema_row.name,
            "missing": [schema.column(name) for name in pending.missing],
            "found": [(header, schema.column(column)) for header, column in pending.found.items()],
            "conflicting": pending.conflicting,
        },
    )


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return _("under a second")
    minutes, rest = divmod(round(seconds), 60)
    if minutes:
        return _("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": rest}
    return _("%(seconds)d s") % {"seconds": rest}


def _batch_context(batch: FeedBatch) -> dict:
    return {
        "batch": batch,
        "source_name": batch.schema.name,
        "is_running": batch.status in (BatchStatus.QUEUED, BatchStatus.RUNNING),
        "duration": _duration(batch.duration_s),
    }


@require_safe
@never_cache
@login_required
@_domain_errors
def feeds_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(actor=request.user, batch_id=pk)
    context = _batch_context(batch)
    if request.headers.get("X-Fragment"):  # the page's script asking how far the import has got
        return render(request, "web/feeds/_batch_status.html", context)
    page = Paginator(
        selectors.batch_rows(batch=batch, status=RowStatus.INVALID), _PROBLEMS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "web/feeds/batch.html",
        {**context, "page": page, "problems": batch_problems(batch, list(page))},
    )


@require_safe
@never_cache
@login_required
@_domain_errors
def feeds_batch_invalid(request: HttpRequest, pk: int) -> HttpResponse:
    batch, workbook = services.feed_invalid_rows_export(actor=request.user, batch_id=pk)
    response = HttpResponse(
        workbook,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stem = Path(batch.file_name).stem or str(batch.pk)
    name = f"{stem}-{_('Invalid rows')}.xlsx"
    # A plain ASCII name for old clients, and the real one (RFC 5987) for the others.
    response["Content-Disposition"] = (
        f"attachment; filename=\"batch-{batch.pk}-invalid-rows.xlsx\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    return response


@dataclass(frozen=True)
class QueueEntry:
    """An ambiguous row as sent, shown without its full ID number, and its candidates in the user's area."""

    row: FeedRow
    source_name: str
    name: str
    id_masked: str
    birth_date: dt.date | None
    # What else the row says (a hospital and its dates, a certificate, an amount): with the name and birth date
    # the same, this is what lets the officer ask around and tell the candidates apart.
    details: list[tuple[str, object]]
    candidates: list[Member]


def _details(row: FeedRow, schema: FeedSchemaDef) -> list[tuple[str, object]]:
    """(label, value) of the row's filled columns but those shown above it (ID number, name, birth date), typed
    for the template."""
    match = schema.match
    identity = {match.id_number, match.name, match.birth_date}
    details: list[tuple[str, object]] = []
    for column in schema.columns:
        text = _raw(row, column.name)
        if column.name in identity or not text:
            continue
        value: object = text
        if column.type in (ColumnType.DATE, ColumnType.MONTH):
            value = _date(text) or text
        elif column.type is ColumnType.AMOUNT:
            value = _yuan(text)
        elif column.type is ColumnType.BOOLEAN:
            value = yesno(text == "True")
        details.append((column.label(), value))
    return details


def _yuan(text: str) -> str:
    try:
        return yuan(Decimal(text))
    except InvalidOperation:
        return text


def _queue_entries(actor, rows: Sequence[FeedRow]) -> list[QueueEntry]:
    wanted = {pk for row in rows for pk in row.candidates}
    members = {
        m.pk: m
        for m in members_visible_to(actor)
        .filter(pk__in=wanted)
        .select_related("household__village")
        .order_by("name", "birth_date", "pk")
    }
    entries = []
    for row in rows:
        schema = load_schema(row.batch.schema.definition)
        match = schema.match
        id_number = _raw(row, match.id_number).upper()
        birth = (
            birth_date_of(id_number) if is_valid_id_number(id_number) else _date(_raw(row, match.birth_date))
        )
        entries.append(
            QueueEntry(
                row=row,
                source_name=row.batch.schema.name,
                name=_raw(row, match.name),
                id_masked=mask_id_number(id_number) if len(id_number) >= 8 else "",
                birth_date=birth,
                details=_details(row, schema),
                candidates=[members[pk] for pk in row.candidates if pk in members],
            )
        )
    return entries


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _raw(row: FeedRow, column: str | None) -> str:
    value = str(row.sent.get(column, "")) if column else ""
    return "" if value == "None" else value  # the service writes a missing value as str(None)


@login_required
@_domain_errors
def feeds_queue(request: HttpRequest) -> HttpResponse:
    _require(
        request.user,
        can_resolve_matches,
        _("Only township officers and the county bureau settle ambiguous matches."),
    )
    if request.method == "POST":
        form = RowResolveForm(request.POST)
        try:
            row = _save(
                form,
                lambda data: services.feed_row_resolve(
                    actor=request.user, row_id=data.row_id, member_id=data.member_id
                ),
            )
        except NotFound:  # settled meanwhile (a second click, a colleague): not an error worth a 404 page
            messages.info(request, _("This row has already been settled."))
        else:
            if row is not None:
                messages.success(
                    request,
                    _("Row %(row)s of %(file)s has been settled.")
                    % {"row": row.row_number, "file": row.batch.file_name},
                )
            else:
                messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        back = reverse("feeds-queue")
        page_number = request.POST.get("page", "")
        return redirect(f"{back}?page={page_number}" if page_number.isdigit() else back)
    rows = selectors.ambiguous_rows_visible_to(request.user).select_related("batch__schema")
    page = Paginator(rows, settings.FANGPIN_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "web/feeds/queue.html", {"page": page, "entries": _queue_entries(request.user, list(page))}
    )
