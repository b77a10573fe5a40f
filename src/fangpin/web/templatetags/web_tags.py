"""Template filters of the web app; the formatting itself lives in fangpin.web.display."""

from django import template

from fangpin.web import display

register = template.Library()

register.filter("yuan", display.yuan)
register.filter("category_label", display.category_label)
register.filter("risk_label", display.risk_label)
register.filter("record_net", display.record_net)
register.filter("person_name", display.person_name)
