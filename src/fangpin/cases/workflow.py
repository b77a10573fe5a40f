"""The identification (识别认定) and risk-elimination (风险消除) procedures as plain tables: who may take which step
in which state, and where it leads. Pure Python, no Django: tested in milliseconds and by a state machine.

Each state names what the case is waiting for ("waiting for township review"), so one role acts on it; that
role may also reject it (with a reason) or send it back to the state before. Services translate the refusals
raised here into the user's language.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from fangpin.core.errors import TransitionNotAllowed

# Role values as stored on users (fangpin.accounts.roles.Role); kept as strings so this module stays pure.
VILLAGE = "village"
TOWNSHIP = "township"
COUNTY = "county"

ROLE_NAMES: Mapping[str, str] = {
    VILLAGE: "a village cadre",
    TOWNSHIP: "a township officer",
    COUNTY: "the county bureau",
}


class Kind(StrEnum):
    IDENTIFICATION = "identification"
    ELIMINATION = "elimination"


class State(StrEnum):
    # identification
    CONSENT = "consent"
    VERIFICATION = "verification"
    CROSSCHECK = "crosscheck"
    APPRAISAL = "appraisal"
    NOTICE = "notice"  # waiting for the notice to be published
    IN_NOTICE = "in_notice"  # the notice is up; objections are recorded
    TOWNSHIP_REVIEW = "township_review"
    COUNTY_APPROVAL = "county_approval"
    APPROVED = "approved"  # approved and announced: the household is monitored
    # elimination
    ELIGIBILITY = "eligibility"
    COUNTY_DECISION = "county_decision"
    NOT_ELIGIBLE = "not_eligible"  # 暂不标注风险消除
    ELIMINATED = "eliminated"
    ROLLED_BACK = "rolled_back"  # 风险消除回退
    # both
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Step(StrEnum):
    CONSENT = "consent"
    VERIFY = "verify"
    CROSSCHECK = "crosscheck"
    APPRAISE = "appraise"
    PUBLISH_NOTICE = "publish_notice"
    RECORD_OBJECTION = "record_objection"
    CLOSE_NOTICE = "close_notice"
    REVIEW = "review"
    APPROVE = "approve"
    FIND_ELIGIBLE = "find_eligible"
    FIND_NOT_ELIGIBLE = "find_not_eligible"
    ELIMINATE = "eliminate"
    ROLLBACK = "rollback"
    REJECT = "reject"
    SEND_BACK = "send_back"
    CANCEL = "cancel"
    GREEN_CHANNEL = "green_channel"


@dataclass(frozen=True)
class Stage:
    """An open state: the role that acts on it and the forward steps it offers (step → next state)."""

    role: str
    forward: Mapping[Step, State]


IDENTIFICATION: Mapping[State, Stage] = {
    State.CONSENT: Stage(VILLAGE, {Step.CONSENT: State.VERIFICATION}),
    State.VERIFICATION: Stage(VILLAGE, {Step.VERIFY: State.CROSSCHECK}),
    State.CROSSCHECK: Stage(VILLAGE, {Step.CROSSCHECK: State.APPRAISAL}),
    State.APPRAISAL: Stage(VILLAGE, {Step.APPRAISE: State.NOTICE}),
    State.NOTICE: Stage(VILLAGE, {Step.PUBLISH_NOTICE: State.IN_NOTICE}),
    State.IN_NOTICE: Stage(
        VILLAGE, {Step.RECORD_OBJECTION: State.IN_NOTICE, Step.CLOSE_NOTICE: State.TOWNSHIP_REVIEW}
    ),
    State.TOWNSHIP_REVIEW: Stage(TOWNSHIP, {Step.REVIEW: State.COUNTY_APPROVAL}),
    State.COUNTY_APPROVAL: Stage(COUNTY, {Step.APPROVE: State.APPROVED}),
}

ELIMINATION: Mapping[State, Stage] = {
    State.ELIGIBILITY: Stage(
        VILLAGE, {Step.FIND_ELIGIBLE: State.VERIFICATION, Step.FIND_NOT_ELIGIBLE: State.NOT_ELIGIBLE}
    ),
    State.VERIFICATION: Stage(VILLAGE, {Step.VERIFY: State.APPRAISAL}),
    State.APPRAISAL: Stage(VILLAGE, {Step.APPRAISE: State.NOTICE}),
    State.NOTICE: Stage(VILLAGE, {Step.PUBLISH_NOTICE: State.IN_NOTICE}),
    State.IN_NOTICE: Stage(
        VILLAGE, {Step.RECORD_OBJECTION: State.IN_NOTICE, Step.CLOSE_NOTICE: State.TOWNSHIP_REVIEW}
    ),
    State.TOWNSHIP_REVIEW: Stage(TOWNSHIP, {Step.REVIEW: State.COUNTY_DECISION}),
    State.COUNTY_DECISION: Stage(COUNTY, {Step.ELIMINATE: State.ELIMINATED}),
}

TABLES: Mapping[Kind, Mapping[State, Stage]] = {
    Kind.IDENTIFICATION: IDENTIFICATION,
    Kind.ELIMINATION: ELIMINATION,
}
FIRST_STATE: Mapping[Kind, State] = {Kind.IDENTIFICATION: State.CONSENT, Kind.ELIMINATION: State.ELIGIBILITY}

# Closed states. An eliminated case can still be rolled back (风险消除回退) by the county; nothing else reopens.
CLOSED = frozenset(
    {State.APPROVED, State.NOT_ELIGIBLE, State.ELIMINATED, State.ROLLED_BACK, State.REJECTED, State.CANCELLED}
)
AFTER_CLOSE: Mapping[Kind, Mapping[State, Stage]] = {
    Kind.IDENTIFICATION: {},
    Kind.ELIMINATION: {State.ELIMINATED: Stage(COUNTY, {Step.ROLLBACK: State.ROLLED_BACK})},
}
# The township and the county may cancel an open case (a duplicate, a household that moved away); the
# county may open the green channel (urgent measures before approval) while an identification is open.
CANCELLERS = frozenset({TOWNSHIP, COUNTY})

# Human wording of states and steps for the English messages of this module.
WAITING_FOR: Mapping[State, str] = {
    State.CONSENT: "waiting for the household's consent",
    State.VERIFICATION: "waiting for the home verification",
    State.CROSSCHECK: "waiting for the data cross-check",
    State.APPRAISAL: "waiting for the village appraisal",
    State.NOTICE: "waiting for its public notice",
    State.IN_NOTICE: "under public notice",
    State.TOWNSHIP_REVIEW: "waiting for township review",
    State.COUNTY_APPROVAL: "waiting for county approval",
    State.ELIGIBILITY: "waiting for the eligibility check",
    State.COUNTY_DECISION: "waiting for the county decision",
    State.APPROVED: "approved",
    State.NOT_ELIGIBLE: "closed as not yet eligible",
    State.ELIMINATED: "closed with the risk eliminated",
    State.ROLLED_BACK: "rolled back",
    State.REJECTED: "rejected",
    State.CANCELLED: "cancelled",
}
VERB: Mapping[Step, str] = {
    Step.CONSENT: "record consent for",
    Step.VERIFY: "verify",
    Step.CROSSCHECK: "cross-check",
    Step.APPRAISE: "appraise",
    Step.PUBLISH_NOTICE: "publish a notice for",
    Step.RECORD_OBJECTION: "record an objection to",
    Step.CLOSE_NOTICE: "close the notice of",
    Step.REVIEW: "review",
    Step.APPROVE: "approve",
    Step.FIND_ELIGIBLE: "find eligible",
    Step.FIND_NOT_ELIGIBLE: "find not eligible",
    Step.ELIMINATE: "eliminate the risk of",
    Step.ROLLBACK: "roll back",
    Step.REJECT: "reject",
    Step.SEND_BACK: "send back",
    Step.CANCEL: "cancel",
    Step.GREEN_CHANNEL: "open the green channel for",
}
PAST: Mapping[Step, str] = {
    Step.CONSENT: "had its consent recorded",
    Step.VERIFY: "been verified",
    Step.CROSSCHECK: "been cross-checked",
    Step.APPRAISE: "been appraised",
    Step.PUBLISH_NOTICE: "had its notice published",
    Step.CLOSE_NOTICE: "had its notice closed",
    Step.REVIEW: "been reviewed",
    Step.APPROVE: "been approved",
    Step.FIND_ELIGIBLE: "been found eligible",
    Step.FIND_NOT_ELIGIBLE: "been found not eligible",
    Step.ELIMINATE: "been closed with the risk eliminated",
    Step.ROLLBACK: "been rolled back",
    Step.REJECT: "been rejected",
    Step.CANCEL: "been cancelled",
}


class Refusal(TransitionNotAllowed):
    """A refused step, with what the services need to say it in the user's language."""

    def __init__(self, message: str, *, why: str, kind: Kind, state: State, step: Step, role: str) -> None:
        super().__init__(message)
        self.why = why  # "already", "closed", "role", "order"
        self.kind, self.state, self.step, self.role = kind, state, step, role


def is_open(state: State) -> bool:
    return state not in CLOSED


def stage_of(kind: Kind, state: State) -> Stage | None:
    """The stage acting on `state`: its open stage, or the after-close stage (rollback), or None."""
    return TABLES[kind].get(state) or AFTER_CLOSE[kind].get(state)


def previous_state(kind: Kind, state: State) -> State | None:
    """Where "send back" leads: the open state whose forward step reaches `state` (None for the first)."""
    for earlier, stage in TABLES[kind].items():
        if earlier != state and state in stage.forward.values():
            return earlier
    return None


def waiting_role(kind: Kind, state: State) -> str | None:
    stage = TABLES[kind].get(state)
    return stage.role if stage else None


def allowed_steps(kind: Kind, state: State, role: str) -> list[Step]:
    """The steps `role` may take on a case in `state`, in the order a form would offer them."""
    steps = []
    for step in Step:
        try:
            check(kind, state, step, role)
        except Refusal:
            continue
        steps.append(step)
    return steps


def check(kind: Kind, state: State, step: Step, role: str) -> State:
    """The state `step` leads to, or a Refusal saying why `role` cannot take it now."""
    kind, state, step = Kind(kind), State(state), Step(step)

    def refuse(why: str, message: str) -> Refusal:
        return Refusal(message, why=why, kind=kind, state=state, step=step, role=role)

    table = TABLES[kind]
    stage = stage_of(kind, state)
    if step == Step.CANCEL:
        if state not in table:
            raise refuse("closed", f"This case is {WAITING_FOR[state]}; it can no longer be cancelled.")
        if role not in CANCELLERS:
            raise refuse(
                "role", f"Only a township officer or the county bureau can cancel a case, not {_who(role)}."
            )
        return State.CANCELLED
    if step == Step.GREEN_CHANNEL:
        if kind != Kind.IDENTIFICATION or state not in table:
            raise refuse("order", "The green channel is only for an identification that is still open.")
        if role != COUNTY:
            raise refuse("role", f"Only the county bureau can open the green channel, not {_who(role)}.")
        return state
    if stage is None or (state in CLOSED and step not in stage.forward):
        already = _already(kind, state, step)
        if already:
            raise refuse("already", f"This case has already {PAST[step]}.")
        raise refuse("closed", f"This case is {WAITING_FOR[state]}; it cannot be changed any more.")
    if step in (Step.REJECT, Step.SEND_BACK):
        target = State.REJECTED if step == Step.REJECT else previous_state(kind, state)
        if target is None:
            raise refuse("order", "This is the first step of the case; there is nothing to send it back to.")
    elif step in stage.forward:
        target = stage.forward[step]
    else:
        if _already(kind, state, step):
            raise refuse("already", f"This case has already {PAST[step]}.")
        raise refuse("order", f"This case is {WAITING_FOR[state]}; {_who(role)} cannot {VERB[step]} it.")
    if role != stage.role:
        raise refuse("role", f"This case is {WAITING_FOR[state]}; {_who(role)} cannot {VERB[step]} it.")
    return target


def _already(kind: Kind, state: State, step: Step) -> bool:
    """Whether `step` has evidently been taken: the case sits at or after the state the step leads to."""
    order = list(TABLES[kind]) + [s for s in CLOSED]
    for stage in list(TABLES[kind].values()) + list(AFTER_CLOSE[kind].values()):
        target = stage.forward.get(step)
        if target is None or step == Step.RECORD_OBJECTION:
            continue
        if target == state:
            return True
        if target in TABLES[kind] and state in TABLES[kind]:
            return order.index(state) > order.index(target)
    return False


def _who(role: str) -> str:
    return ROLE_NAMES.get(role, f"the role {role!r}")
