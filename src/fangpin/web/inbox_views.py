"""The inbox page (待办): the landing page of village, township and county staff after log-in, listing what is
assigned to them and what is overdue, each line linking to the page where it is dealt with."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from fangpin.accounts.roles import Role, can_see_households
from fangpin.core import clock
from fangpin.web.inbox import inbox_for

# Where roles without household work land instead (the inbox is the log-in landing page for everyone).
ELSEWHERE = {Role.DEPARTMENT: "feeds-upload"}
DEFAULT_ELSEWHERE = "household-list"


@require_safe
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    role = Role(request.user.role)  # type: ignore[union-attr]
    if not can_see_households(role):
        return redirect(ELSEWHERE.get(role, DEFAULT_ELSEWHERE))
    return render(request, "web/inbox.html", {"inbox": inbox_for(actor=request.user, today=clock.today())})
