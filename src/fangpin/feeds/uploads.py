"""Keeping uploaded files as sent: in UPLOAD_DIR, named by their content hash (never by the client's name)."""

import hashlib
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

_SUFFIX = re.compile(r"^[a-z0-9]{1,8}$")


def store_upload(file: UploadedFile) -> Path:
    settings.UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    tmp = settings.UPLOAD_DIR / f".incoming-{uuid.uuid4().hex}"
    with tmp.open("wb") as out:
        for chunk in file.chunks():
            digest.update(chunk)
            out.write(chunk)
    suffix = Path(file.name or "").suffix.lstrip(".").lower()
    name = digest.hexdigest() + (f".{suffix}" if _SUFFIX.match(suffix) else "")
    path = settings.UPLOAD_DIR / name
    tmp.replace(path)
    return path
