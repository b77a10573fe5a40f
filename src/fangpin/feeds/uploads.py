"""Keeping uploaded files as sent: in UPLOAD_DIR, named by their content hash (never by the client's name)."""

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")
_STORED_NAME = re.compile(r"^([0-9a-f]{64})(?:\.[a-z0-9]{1,8})?$")


@dataclass(frozen=True)
class StoredUpload:
    path: Path
    is_new: bool  # False when a file with the same content was already there (kept by an earlier upload)

    def discard(self) -> None:
        """Remove the file again, unless an earlier upload had left it (its batch may still need it)."""
        if self.is_new:
            self.path.unlink(missing_ok=True)


def store_upload(upload: UploadedFile, folder: Path | None = None) -> StoredUpload:
    """Save an uploaded file as `<sha256><suffix>` in `folder`: the user's file name never becomes a path."""
    folder = folder or Path(settings.UPLOAD_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(upload.name or "").suffix.lower()
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".upload-", delete=False) as temporary:
        for chunk in upload.chunks():
            digest.update(chunk)
            temporary.write(chunk)
    path = folder / f"{digest.hexdigest()}{suffix if _SUFFIX.match(suffix) else ''}"
    if path.exists():
        os.unlink(temporary.name)
        return StoredUpload(path=path, is_new=False)
    os.replace(temporary.name, path)
    return StoredUpload(path=path, is_new=True)


def stored_digest(path: Path) -> str | None:
    """The SHA-256 of a file kept by `store_upload` (its name, so the content need not be read again), or None
    for any other file."""
    path = Path(path)
    found = _STORED_NAME.match(path.name)
    if found is None or path.parent.resolve() != Path(settings.UPLOAD_DIR).resolve():
        return None
    return found.group(1)
