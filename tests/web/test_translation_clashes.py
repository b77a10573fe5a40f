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

# Known clashes between catalogues of apps whose owners have yet to fix them, each with the fix it needs. An entry
# names every catalogue's translation exactly: a changed translation, or one more catalogue with its own, is a
# new clash and fails. A clash fixed meanwhile fails too (below), so the list only ever shrinks.
KNOWN_CLASHES: dict[Key, dict[str, Translation]] = {
    # The same meaning, a village: cases should say 村 like the registry, screening and alerts. (The package
    # catalogue wins, so the case pages already show 村.)
    (None, "village"): {"alerts": "村", "cases": "行政村", "fangpin": "村", "screening": "村"},
    # The same, as a column or fact label: cases should say 村 like assistance and the household pages.
    (None, "Village"): {"assistance": "村", "cases": "行政村", "fangpin": "村"},
    # Different meanings: a measure's kind is development or protection (类别), a case's identification or
    # elimination and a run's a run or a dry run (类型); assistance should use pgettext("measure", "kind").
    (None, "kind"): {"assistance": "类别", "cases": "类型", "screening": "类型"},
    # The same meaning, a free note on a record: assistance should say 备注 like cases.
    (None, "note"): {"assistance": "说明", "cases": "备注"},
    # The same meaning, when a row was entered: assistance should say 登记时间 like cases and the registry.
    (None, "recorded"): {"assistance": "录入时间", "cases": "登记时间", "fangpin": "登记时间"},
    # Different meanings: a measure's record number (#12, 编号) on the plan, a row's place (1, 2, 3: 序号) on
    # the printed notice. cases wins, so the plan's column reads 序号; one of them needs a context, e.g.
    # pgettext("notice", "No.") in cases/templates/cases/notice_print.html.
    (None, "No."): {"assistance": "编号", "cases": "序号"},
    # The same meaning, the details of a step (cases) or of an audit event (audit, in the package catalogue):
    # one wording, cases' 详细信息 or the audit's 详情.
    (None, "details"): {"cases": "详细信息", "fangpin": "详情"},
    # The same money, a schooling self-payment of a step's record (cases) and of an income record (registry,
    # in the package catalogue): one wording, 教育自付 or 教育自付费用.
    (None, "schooling self-payment"): {"cases": "教育自付", "fangpin": "教育自付费用"},
    # The same status of a job that failed, an import batch (feeds, in the package catalogue) or a screening
    # run: feeds should say 失败 (its column already says import status) or use pgettext("import", "failed").
    (None, "failed"): {"fangpin": "导入失败", "screening": "失败"},
    # The same meaning, when a feed batch or a screening run finished: one wording in feeds or screening.
    (None, "finished"): {"fangpin": "完成时间", "screening": "结束时间"},
    # The same thing, the yearly monitoring line of a province: monitoring (in the package catalogue) says
    # 监测范围, the national documents' word, screening 监测标准; one wording in monitoring or screening.
    (None, "monitoring line"): {"fangpin": "监测范围", "screening": "监测标准"},
}


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
