"""The small error hierarchy every layer raises; only the outermost boundary (views, commands) catches it."""

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    VALIDATION = "validation"
    NOT_FOUND = "not_found"
    PERMISSION = "permission"
    TRANSITION = "transition_not_allowed"


class FangpinError(Exception):
    code: ErrorCode = ErrorCode.VALIDATION

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(FangpinError):
    """Bad input; `field` names what the user has to fix."""

    code = ErrorCode.VALIDATION

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class NotFound(FangpinError):
    """Missing, or outside the caller's jurisdiction: the two are deliberately the same answer."""

    code = ErrorCode.NOT_FOUND


class PermissionDenied(FangpinError):
    code = ErrorCode.PERMISSION


class TransitionNotAllowed(FangpinError):
    code = ErrorCode.TRANSITION


@dataclass(frozen=True)
class RowError:
    """One problem in one row of an input file; good rows commit, bad rows are reported with these."""

    row: int
    column: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


class FileRejected(FangpinError):
    """A file with row errors; nothing of it was saved."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors[:20]))
        self.errors = errors
