"""Reads of the administrative tree, scoped like every other read."""

from django.db.models import QuerySet

from fangpin.divisions.codes import Level
from fangpin.divisions.jurisdiction import scope_for
from fangpin.divisions.models import Division


def villages_visible_to(actor) -> QuerySet[Division]:
    """The villages inside the actor's jurisdiction, with their township, in township order."""
    villages = Division.objects.filter(level=Level.VILLAGE).select_related("parent")
    return scope_for(actor).filter(villages, field="code").order_by("parent_id", "code")
