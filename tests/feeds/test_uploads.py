"""Uploaded files are kept under their content hash, which is then never computed a second time."""

import hashlib

from django.core.files.uploadedfile import SimpleUploadedFile

from fangpin.feeds import services
from fangpin.feeds.uploads import store_upload, stored_digest


def test_an_upload_is_stored_under_its_hash_and_that_name_gives_the_digest(tmp_path, settings):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    content = "身份证号码,姓名\n".encode("gb18030")
    stored = store_upload(SimpleUploadedFile("../../claims.CSV", content))
    digest = hashlib.sha256(content).hexdigest()
    assert stored.path.name == f"{digest}.csv" and stored.is_new
    assert stored_digest(stored.path) == digest
    assert services._sha256(stored.path) == digest


def test_a_file_outside_the_upload_folder_is_hashed_from_its_content(tmp_path, settings):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    name = "0" * 64 + ".csv"  # named like an upload, but not one
    path = tmp_path / name
    path.write_bytes(b"a,b\n1,2\n")
    assert stored_digest(path) is None
    assert services._sha256(path) == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert stored_digest(tmp_path / "uploads" / "claims.csv") is None
