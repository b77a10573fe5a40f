"""Scanned consent forms and photos of a case: checked by content (not by name), stored under a random name.

The allowed types and the size limit are settings with defaults (FANGPIN_CASE_ATTACHMENT_MAX_BYTES).
"""

import hashlib
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from fangpin.cases.models import Case, CaseAttachment, CaseStep
from fangpin.core.errors import ValidationError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# What a phone camera or a scanner produces; the first bytes decide, whatever the file is called.
SIGNATURES = {
    b"%PDF-": ("application/pdf", "pdf"),
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
}


def max_bytes() -> int:
    return int(getattr(settings, "FANGPIN_CASE_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, kind in SIGNATURES.items():
        if head.startswith(magic):
            return kind
    return None


def attachment_store(
    *, case: Case, step: CaseStep | None, kind: str, upload: UploadedFile, actor
) -> CaseAttachment:
    """Check and keep one uploaded file (called inside the step's transaction)."""
    limit = max_bytes()
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}, field="file"
        )
    content = upload.read()
    found = sniff(content[:16])
    if found is None:
        raise ValidationError(_("Upload a PDF, JPEG or PNG file."), field="file")
    content_type, extension = found
    attachment = CaseAttachment(
        case=case,
        step=step,
        kind=kind,
        original_name=(upload.name or "")[:200],
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
    )
    # A random name: the original may carry the household's name, and the path must not.
    attachment.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(content), save=False)
    attachment.save()
    return attachment
