"""The public notice as HTML and as a printable PDF (WeasyPrint, Noto CJK fonts): name, village, category and
risk type only. Both are made from the same template, so what is checked for PII in one is the other."""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from fangpin.cases.models import NoticeEntry, PublicNotice
from fangpin.core import clock


@dataclass(frozen=True)
class NoticeView:
    notice: PublicNotice
    entries: list[NoticeEntry]


def notice_view(notice: PublicNotice) -> NoticeView:
    return NoticeView(notice=notice, entries=list(notice.entries.select_related("category").order_by("id")))


def notice_html(view: NoticeView) -> str:
    return render_to_string(
        "cases/notice_print.html",
        {"notice": view.notice, "entries": view.entries, "printed_on": clock.today()},
    )


def notice_pdf(view: NoticeView, *, language: str = settings.LANGUAGE_CODE) -> bytes:
    """The printable notice. It is posted on the village board, so it is in Chinese whatever the officer's
    interface language (pass `language` to override)."""
    # Imported here: WeasyPrint loads Pango and fonts, which only the PDF download needs.
    from weasyprint import HTML

    with translation.override(language):
        html = notice_html(view)
    return HTML(string=html).write_pdf()
