"""The workflow tables on their own: known answers and a hypothesis state machine over every step and role."""

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from fangpin.cases import workflow
from fangpin.cases.workflow import (
    CLOSED,
    COUNTY,
    TABLES,
    TOWNSHIP,
    VILLAGE,
    Kind,
    Refusal,
    State,
    Step,
    check,
)

ROLES = [VILLAGE, TOWNSHIP, COUNTY, "analyst"]


def test_a_village_cadre_cannot_approve_a_case_waiting_for_township_review():
    with pytest.raises(Refusal) as e:
        check(Kind.IDENTIFICATION, State.TOWNSHIP_REVIEW, Step.APPROVE, VILLAGE)
    assert e.value.message == "This case is waiting for township review; a village cadre cannot approve it."


def test_the_county_approves_a_case_waiting_for_county_approval():
    assert check(Kind.IDENTIFICATION, State.COUNTY_APPROVAL, Step.APPROVE, COUNTY) == State.APPROVED


def test_approving_an_approved_case_says_it_is_already_approved():
    with pytest.raises(Refusal) as e:
        check(Kind.IDENTIFICATION, State.APPROVED, Step.APPROVE, COUNTY)
    assert e.value.why == "already"
    assert e.value.message == "This case has already been approved."


def test_a_step_already_taken_is_refused_as_already_taken():
    with pytest.raises(Refusal) as e:
        check(Kind.IDENTIFICATION, State.TOWNSHIP_REVIEW, Step.VERIFY, VILLAGE)
    assert e.value.why == "already"


def test_the_first_step_cannot_be_sent_back():
    with pytest.raises(Refusal, match="nothing to send it back to"):
        check(Kind.IDENTIFICATION, State.CONSENT, Step.SEND_BACK, VILLAGE)


def test_sending_back_returns_to_the_state_before():
    assert check(Kind.IDENTIFICATION, State.COUNTY_APPROVAL, Step.SEND_BACK, COUNTY) == State.TOWNSHIP_REVIEW
    assert check(Kind.ELIMINATION, State.VERIFICATION, Step.SEND_BACK, VILLAGE) == State.ELIGIBILITY


def test_only_the_county_rolls_back_an_elimination():
    assert check(Kind.ELIMINATION, State.ELIMINATED, Step.ROLLBACK, COUNTY) == State.ROLLED_BACK
    with pytest.raises(Refusal):
        check(Kind.ELIMINATION, State.ELIMINATED, Step.ROLLBACK, TOWNSHIP)


def test_a_village_cadre_cannot_cancel_a_case():
    with pytest.raises(Refusal, match="Only a township officer or the county bureau"):
        check(Kind.IDENTIFICATION, State.CONSENT, Step.CANCEL, VILLAGE)


def test_every_open_state_is_reachable_and_leads_to_a_closed_state():
    for kind, table in TABLES.items():
        reached, frontier = set(), [workflow.FIRST_STATE[kind]]
        while frontier:
            state = frontier.pop()
            if state in reached:
                continue
            reached.add(state)
            frontier.extend(table[state].forward.values() if state in table else [])
        assert set(table) <= reached
        assert reached & CLOSED, kind


class CaseMachine(RuleBasedStateMachine):
    """Random steps by random roles: the state only ever moves as the table says, and by the acting role."""

    @initialize(kind=st.sampled_from(list(Kind)))
    def start(self, kind):
        self.kind = kind
        self.state = workflow.FIRST_STATE[kind]
        self.history = [self.state]

    @rule(step=st.sampled_from(list(Step)), role=st.sampled_from(ROLES))
    def take(self, step, role):
        before = self.state
        try:
            after = check(self.kind, before, step, role)
        except Refusal as e:
            assert e.message and e.state == before
            # A closed case refuses everything but the county's rollback of an elimination.
            return
        stage = workflow.stage_of(self.kind, before)
        assert stage is not None
        if step == Step.CANCEL:
            assert role in workflow.CANCELLERS and after == State.CANCELLED
        elif step == Step.GREEN_CHANNEL:
            assert role == COUNTY and after == before
        else:
            assert role == stage.role
            if step == Step.REJECT:
                assert after == State.REJECTED
            elif step == Step.SEND_BACK:
                assert after in TABLES[self.kind] and before in stage_targets(self.kind, after)
            else:
                assert stage.forward[step] == after
        self.state = after
        self.history.append(after)

    @precondition(lambda self: workflow.waiting_role(self.kind, self.state) is not None)
    @rule(data=st.data())
    def advance(self, data):
        """A forward step by the role the case waits for, so runs reach approval and elimination often."""
        role = workflow.waiting_role(self.kind, self.state)
        forward = list(TABLES[self.kind][self.state].forward)
        step = data.draw(st.sampled_from(forward))
        assert step in workflow.allowed_steps(self.kind, self.state, role)
        self.take(step, role)

    @precondition(lambda self: self.state in CLOSED and self.state != State.ELIMINATED)
    @rule(step=st.sampled_from(list(Step)), role=st.sampled_from(ROLES))
    def closed_cases_stay_closed(self, step, role):
        with pytest.raises(Refusal):
            check(self.kind, self.state, step, role)

    @invariant()
    def state_belongs_to_the_kind(self):
        assert self.state in TABLES[self.kind] or self.state in CLOSED

    @invariant()
    def allowed_steps_agree_with_check(self):
        for role in ROLES:
            for step in workflow.allowed_steps(self.kind, self.state, role):
                check(self.kind, self.state, step, role)


def stage_targets(kind, state):
    return set(TABLES[kind][state].forward.values())


TestCaseMachine = CaseMachine.TestCase
