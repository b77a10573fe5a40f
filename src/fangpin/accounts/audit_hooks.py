"""Log-ins, log-outs and failed log-ins go to the audit log."""

from fangpin.audit.services import audit_record


def _ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def on_login(sender, request, user, **kwargs) -> None:
    audit_record(actor=user, action="auth.login", obj=user, data={"ip": _ip(request)})


def on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(actor=user, action="auth.logout", obj=user, data={"ip": _ip(request)})


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    audit_record(
        actor=str(credentials.get("username", ""))[:150],
        action="auth.login_failed",
        data={"ip": _ip(request)},
    )
