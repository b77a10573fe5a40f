"""The JSON API (django-ninja, OpenAPI at /api/v1/openapi.json): departments push files and follow their
batches. Every endpoint acts as the token's user, through the same services and scoped selectors as the web."""

from datetime import date, datetime

from django.conf import settings
from django.http import HttpRequest
from ninja import File, NinjaAPI, Schema, UploadedFile
from ninja.errors import HttpError
from ninja.responses import Status
from ninja.security import HttpBearer
from ninja.throttling import AuthRateThrottle

from fangpin.api.services import api_token_user
from fangpin.core.errors import NotFound, PermissionDenied, ValidationError
from fangpin.feeds.models import RowStatus
from fangpin.feeds.selectors import batch_get, batch_rows, batches_visible_to
from fangpin.feeds.services import HeadersNotMapped, feed_batch_prepare
from fangpin.feeds.tasks import feed_batch_run_task
from fangpin.feeds.uploads import store_upload


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


# docs_url=None: the interactive page loads Swagger UI from a CDN, which fangpin never does at run time.
api = NinjaAPI(
    title="fangpin",
    version="1",
    description="Department data feeds for the dynamic monitoring of return to poverty.",
    auth=TokenAuth(),
    docs_url=None,
    throttle=[AuthRateThrottle(settings.FANGPIN_API_RATE)],
    urls_namespace="api",
)


class BatchOut(Schema):
    id: int
    source: str
    schema_version: int
    department: str
    file_name: str
    status: str
    message: str
    period_start: date | None
    period_end: date | None
    rows_total: int
    rows_valid: int
    rows_invalid: int
    rows_matched: int
    rows_ambiguous: int
    rows_unmatched: int
    started_at: datetime
    finished_at: datetime | None
    is_duplicate: bool = False

    @staticmethod
    def resolve_source(obj) -> str:
        return obj.schema.source

    @staticmethod
    def resolve_schema_version(obj) -> int:
        return obj.schema.version


class RowErrorOut(Schema):
    row: int
    column: str
    code: str
    message: str


class ErrorOut(Schema):
    detail: str
    field: str | None = None


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=422)


@api.exception_handler(NotFound)
def _not_found(request, exc: NotFound):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc: PermissionDenied):
    return api.create_response(request, {"detail": exc.message}, status=403)


@api.post(
    "/feeds/{source}/batches",
    response={202: BatchOut, 200: BatchOut, 422: ErrorOut, 403: ErrorOut},
    summary="Push a department file",
)
def batch_push(request, source: str, file: File[UploadedFile]):
    """Upload a file (CSV in UTF-8 or GBK, XLSX, XLS or Parquet) for SOURCE's schema. 202: queued for import;
    200 with is_duplicate: this content was imported before, nothing to do; 422: unreadable or unmapped."""
    path = store_upload(file).path
    try:
        prepared = feed_batch_prepare(actor=request.user, source=source, path=path, file_name=file.name)
    except HeadersNotMapped as e:
        raise HttpError(422, e.message) from None
    if prepared.is_duplicate:
        return Status(200, _batch_out(prepared.batch, is_duplicate=True))
    feed_batch_run_task.enqueue(prepared.batch.pk)
    return Status(202, _batch_out(prepared.batch))


@api.get("/feeds/batches", response=list[BatchOut], summary="My batches")
def batch_list(request, limit: int = 50):
    return list(batches_visible_to(request.user)[: min(max(limit, 1), 500)])


@api.get("/feeds/batches/{batch_id}", response=BatchOut, summary="One batch: status and counts")
def batch_detail(request, batch_id: int):
    return batch_get(actor=request.user, batch_id=batch_id)


@api.get(
    "/feeds/batches/{batch_id}/invalid", response=list[RowErrorOut], summary="The invalid rows of a batch"
)
def batch_invalid_rows(request, batch_id: int, offset: int = 0, limit: int = 500):
    batch = batch_get(actor=request.user, batch_id=batch_id)
    rows = batch_rows(batch=batch, status=RowStatus.INVALID)[
        max(offset, 0) : max(offset, 0) + min(limit, 5000)
    ]
    return [RowErrorOut(row=r.row_number, column=r.column, code=r.code, message=r.message) for r in rows]


def _batch_out(batch, *, is_duplicate: bool = False) -> BatchOut:
    out = BatchOut.from_orm(batch)
    return out.model_copy(update={"is_duplicate": is_duplicate})
