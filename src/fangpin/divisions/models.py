"""The administrative tree a county deployment loads from a CSV (county → township → village)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangpin.divisions.codes import Level


class Division(models.Model):
    # The code is the primary key so that every foreign key column holds the code itself and a
    # jurisdiction filter is a range scan on that column, without a join.
    code = models.CharField(_("division code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=[(lv.value, lv.label) for lv in Level])
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
