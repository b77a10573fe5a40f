"""Template filters of the alert pages: an audited action on an alert, and a self-report's difficulty, in words."""

from django import template
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangpin.alerts.catalogue import DIFFICULTY_BY_KEY

register = template.Library()

_ACTIONS = {
    "alert.raise": _("raised"),
    "alert.reinforce": _("new evidence added"),
    "alert.assign": _("assigned"),
    "alert.confirm": _("confirmed after a visit"),
    "alert.dismiss": _("dismissed after a visit"),
    # In context: the cases' "opened" is the date a case was opened (立案时间); here someone looked at the alert.
    "alert.view": pgettext_lazy("alert action", "opened"),
    "alert.denied": _("refused: outside the user's area"),
}


@register.filter
def alert_action(action: str) -> str:
    return str(_ACTIONS.get(action, action))


@register.filter
def difficulty_label(key: str) -> str:
    difficulty = DIFFICULTY_BY_KEY.get(key)
    return str(difficulty.label) if difficulty else key
