"""Every Chinese catalogue (the package's and each app's own) is complete, and each compiled .mo matches the
.po committed beside it."""

import os
import subprocess
from pathlib import Path

import polib
import pytest

import fangpin

PO_PATHS = sorted(Path(fangpin.__file__).parent.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def _entries(catalogue) -> dict[tuple[str | None, str], object]:
    return {
        (e.msgctxt, e.msgid): (e.msgstr_plural and dict(sorted(e.msgstr_plural.items()))) or e.msgstr
        for e in catalogue
        if not e.obsolete and e.msgid
    }


@pytest.fixture(scope="module", params=PO_PATHS, ids=lambda p: str(p.parent.parent.parent.parent.name))
def po(request):
    return polib.pofile(str(request.param))


def test_every_chinese_entry_is_translated_and_none_is_fuzzy(po):
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert not po.metadata_is_fuzzy


def test_the_compiled_catalogue_is_up_to_date_with_the_po_file(po, tmp_path):
    fresh = tmp_path / "django.mo"
    po.save_as_mofile(str(fresh))
    committed = polib.mofile(str(Path(po.fpath).with_suffix(".mo")))
    assert _entries(committed) == _entries(polib.mofile(str(fresh)))


def test_each_catalogue_passes_gettexts_own_checks(po):
    """msgfmt --check is what makemessages and compilemessages run; a catalogue it rejects breaks the next
    makemessages, even when polib reads it."""
    result = subprocess.run(
        ["msgfmt", "--check-format", "--check-domain", "-o", os.devnull, po.fpath],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
