"""No message is translated two ways in two catalogues.

Django merges the package's catalogue and every app's into one, and the first that has a message wins
(LOCALE_PATHS, then INSTALLED_APPS in order). A msgid translated differently in two apps therefore shows one
app's words on the other's pages: "Closed" read 办结 where a case page meant 办结时间. Where the meanings
differ, one app gives its message a context (pgettext); where they agree, the words must agree too.
"""

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import polib

import fangpin
from tests.web.test_translations import PO_PATHS

PACKAGE = Path(fangpin.__file__).parent

Key = tuple[str | None, str]  # (msgctxt, msgid)
Translation = str | tuple[tuple[int, str], ...]  # a plural's forms as (index, text) pairs

# Clashes accepted, each with why. An entry names every catalogue's translation exactly: a changed translation,
# or one more catalogue with its own, is a new clash and fails; a clash fixed meanwhile fails too (below), so
# the list only shrinks. None is left: the ten found when the test was written got one wording or a context.
# Add one only with the reason the two meanings can share neither a wording nor a context.
KNOWN_CLASHES: dict[Key, dict[str, Translation]] = {}


def _name(path: Path) -> str:
    """The catalogue's name: its app's, or "fangpin" for the package's own (LOCALE_PATHS)."""
    relative = path.relative_to(PACKAGE).parts
    return "fangpin" if relative[0] == "locale" else relative[0]


def _translation(entry: polib.POEntry) -> Translation:
    if entry.msgid_plural:
        return tuple(sorted((int(i), text) for i, text in entry.msgstr_plural.items()))
    return entry.msgstr


def clashes(paths: list[Path], name: Callable[[Path], str] = _name) -> dict[Key, dict[str, Translation]]:
    """Each (msgctxt, msgid) that two catalogues translate differently, with every catalogue's translation.
    An untranslated entry falls through to the next catalogue, so it clashes with nothing."""
    seen: dict[Key, dict[str, Translation]] = defaultdict(dict)
    for path in paths:
        for entry in polib.pofile(str(path)):
            if entry.obsolete or not entry.msgid or not entry.translated():
                continue
            seen[(entry.msgctxt, entry.msgid)][name(path)] = _translation(entry)
    return {key: by_app for key, by_app in seen.items() if len(set(by_app.values())) > 1}


def _describe(found: dict[Key, dict[str, Translation]]) -> str:
    return "\n".join(
        f"{'' if ctx is None else ctx + ' | '}{msgid!r}: "
        + ", ".join(f"{app} {text!r}" for app, text in sorted(by_app.items()))
        for (ctx, msgid), by_app in sorted(found.items(), key=lambda item: (item[0][1], item[0][0] or ""))
    )


def test_no_two_catalogues_translate_the_same_message_differently():
    found = clashes(PO_PATHS)
    new = {key: by_app for key, by_app in found.items() if KNOWN_CLASHES.get(key) != by_app}
    assert not new, "Translated differently in two catalogues (give one a context, or agree the words):\n" + (
        _describe(new)
    )


def test_every_known_clash_still_exists():
    """A clash its owner has fixed leaves the list, so the list cannot hide a new clash of the same message."""
    fixed = set(KNOWN_CLASHES) - set(clashes(PO_PATHS))
    assert not fixed, f"Fixed, so remove from KNOWN_CLASHES: {sorted(fixed, key=str)}"


def test_the_catalogues_of_every_app_are_compared():
    names = {_name(path) for path in PO_PATHS}
    assert {"fangpin", "alerts", "cases", "assistance", "screening"} <= names


def _po(folder: Path, entries: str) -> Path:
    folder.mkdir()
    path = folder / "django.po"
    path.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n' + entries)
    return path


def test_a_clash_is_the_same_message_and_context_translated_two_ways(tmp_path):
    one = _po(
        tmp_path / "one",
        'msgid "closed"\nmsgstr "办结"\n\n'
        'msgctxt "alert"\nmsgid "History"\nmsgstr "处理记录"\n\n'
        'msgid "%(n)s household"\nmsgid_plural "%(n)s households"\nmsgstr[0] "共 %(n)s 户"\n\n'
        'msgid "Alerts"\nmsgstr "预警"\n',
    )
    two = _po(
        tmp_path / "two",
        'msgid "closed"\nmsgstr "办结时间"\n\n'
        'msgid "History"\nmsgstr "变更记录"\n\n'
        'msgid "%(n)s household"\nmsgid_plural "%(n)s households"\nmsgstr[0] "%(n)s 户"\n\n'
        'msgid "Alerts"\nmsgstr "预警"\n\n'
        'msgid "Open"\nmsgstr ""\n',
    )
    three = _po(tmp_path / "three", 'msgid "Open"\nmsgstr "打开"\n')
    found = clashes([one, two, three], name=lambda path: path.parent.name)
    assert found == {
        (None, "closed"): {"one": "办结", "two": "办结时间"},
        (None, "%(n)s household"): {"one": ((0, "共 %(n)s 户"),), "two": ((0, "%(n)s 户"),)},
    }
