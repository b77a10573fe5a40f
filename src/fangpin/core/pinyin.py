"""Pinyin initials for searching names by typing a few Latin letters on a phone (张伟 → zw)."""

from pypinyin import Style, lazy_pinyin


def name_initials(name: str) -> str:
    return "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore") if p).lower()
