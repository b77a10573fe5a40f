"""The Chinese catalogue is complete and the compiled .mo matches the .po that is committed beside it."""

from pathlib import Path

import polib
import pytest

import fangpin

PO_PATH = Path(fangpin.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries(catalogue) -> dict[tuple[str | None, str], object]:
    return {
        (e.msgctxt, e.msgid): (e.msgstr_plural and dict(sorted(e.msgstr_plural.items()))) or e.msgstr
        for e in catalogue
        if not e.obsolete and e.msgid
    }


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(PO_PATH))


def test_every_chinese_entry_is_translated_and_none_is_fuzzy(po):
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert not po.metadata_is_fuzzy


def test_the_compiled_catalogue_is_up_to_date_with_the_po_file(po, tmp_path):
    fresh = tmp_path / "django.mo"
    po.save_as_mofile(str(fresh))
    committed = polib.mofile(str(PO_PATH.with_suffix(".mo")))
    assert _entries(committed) == _entries(polib.mofile(str(fresh)))
