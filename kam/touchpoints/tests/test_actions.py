"""Meeting actions: who may log and change meetings, what is refused, what is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from kam.core.models import AuditRecord
from kam.key_accounts.models import Account
from kam.touchpoints.actions import MeetingError, do_complete_follow_up, do_log_meeting, do_update_meeting
from kam.touchpoints.choices import GoalMet, MeetingObjective
from kam.touchpoints.models import Meeting
from kam.touchpoints.tests.fixtures import FOLLOW_UP_ON, MEETING_AT, meeting_details
from kam.users.models import User

pytestmark = pytest.mark.django_db


def _audit(meeting: Meeting) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(object_type="touchpoints.meeting", object_id=str(meeting.pk)).order_by("id"))


def test_alice_logs_a_meeting_on_her_account_and_it_is_audited(acme_meeting: Meeting, kam_alice: User) -> None:
    assert acme_meeting.account.code == "ACME"
    assert acme_meeting.objective == MeetingObjective.LEARN_NEEDS
    assert acme_meeting.created_by == kam_alice
    assert list(acme_meeting.their_attendees.values_list("code", flat=True)) == ["MR"]
    assert list(acme_meeting.our_attendees.all()) == [kam_alice]
    (record,) = _audit(acme_meeting)
    assert record.action == "meeting.log"
    assert record.actor == kam_alice
    assert record.changes["objective"] == [None, "learn_needs"]
    assert record.changes["follow_up_on"] == [None, "2026-03-10"]
    assert record.changes["their_attendees"] == [None, [acme_meeting.their_attendees.get().pk]]


def test_team_tina_may_log_a_meeting_on_acme(accounts: dict[str, Account], team_tina: User) -> None:
    meeting = do_log_meeting(accounts["ACME"], meeting_details(our_attendees=[team_tina]), acting_user=team_tina)

    assert meeting.created_by == team_tina
    assert _audit(meeting)[0].actor == team_tina


def test_bob_may_log_a_meeting_on_boreal_as_a_member_of_its_team(accounts: dict[str, Account], kam_bob: User) -> None:
    meeting = do_log_meeting(accounts["BOREAL"], meeting_details(), acting_user=kam_bob)

    assert meeting.account.code == "BOREAL"


@pytest.mark.parametrize("persona", ["outsider_olga", "viewer_victor", "kam_bob"])
def test_people_off_the_account_may_not_log_a_meeting(
    accounts: dict[str, Account], persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        do_log_meeting(accounts["ACME"], meeting_details(), acting_user=user)
    assert Meeting.objects.count() == 0


def test_an_attendee_contact_of_another_account_is_refused_naming_the_field(
    accounts: dict[str, Account], kam_alice: User
) -> None:
    cobalt_contact = accounts["COBALT"].contacts.get(code="AD")

    with pytest.raises(MeetingError, match=r"^Their attendees: Anne Dupont is not a contact of Acme Group\.$"):
        do_log_meeting(accounts["ACME"], meeting_details(their_attendees=[cobalt_contact]), acting_user=kam_alice)
    assert Meeting.objects.count() == 0
    assert not AuditRecord.objects.filter(action="meeting.log").exists()


def test_a_meeting_needs_a_goal(accounts: dict[str, Account], kam_alice: User) -> None:
    with pytest.raises(MeetingError, match=r"^Goal: say what the meeting was meant to achieve\.$"):
        do_log_meeting(accounts["ACME"], meeting_details(goal="  "), acting_user=kam_alice)


def test_an_unknown_objective_is_refused_naming_the_field(accounts: dict[str, Account], kam_alice: User) -> None:
    with pytest.raises(MeetingError, match=r"^Objective: chat is not a meeting objective\.$"):
        do_log_meeting(accounts["ACME"], meeting_details(objective="chat"), acting_user=kam_alice)


def test_a_follow_up_before_the_meeting_is_refused(accounts: dict[str, Account], kam_alice: User) -> None:
    with pytest.raises(MeetingError, match=r"^Follow-up date: it cannot be before the meeting\.$"):
        do_log_meeting(accounts["ACME"], meeting_details(follow_up_on=dt.date(2026, 3, 1)), acting_user=kam_alice)


def test_updating_a_meeting_audits_only_what_changed(acme_meeting: Meeting, kam_alice: User) -> None:
    jorge = acme_meeting.account.contacts.get(code="JL")

    updated = do_update_meeting(
        acme_meeting,
        meeting_details(
            our_attendees=[kam_alice],
            their_attendees=[*acme_meeting.their_attendees.all(), jorge],
            outcome="Two new lines planned for Q3",
            goal_met=GoalMet.NO,
            next_step="Send the sizing study",
            follow_up_on=FOLLOW_UP_ON,
        ),
        acting_user=kam_alice,
    )

    assert updated.goal_met == GoalMet.NO
    record = _audit(acme_meeting)[-1]
    assert record.action == "meeting.update"
    assert record.changes == {
        "goal_met": ["yes", "no"],
        "their_attendees": [
            [acme_meeting.account.contacts.get(code="MR").pk],
            sorted([acme_meeting.account.contacts.get(code="MR").pk, jorge.pk]),
        ],
    }


def test_a_meeting_whose_attendee_has_left_can_still_be_corrected_but_not_given_new_leavers(
    acme_meeting: Meeting, kam_alice: User, team_tina: User
) -> None:
    do_update_meeting(acme_meeting, meeting_details(our_attendees=[kam_alice, team_tina]), acting_user=kam_alice)
    team_tina.is_active = False  # she left the company (a users import sets this)
    team_tina.save(update_fields=["is_active"])

    do_update_meeting(
        acme_meeting,
        meeting_details(our_attendees=[kam_alice, team_tina], goal="Map the buying centre"),
        acting_user=kam_alice,
    )

    assert Meeting.objects.get().goal == "Map the buying centre"
    assert sorted(Meeting.objects.get().our_attendees.values_list("username", flat=True)) == ["alice", "tina"]
    do_update_meeting(acme_meeting, meeting_details(our_attendees=[kam_alice]), acting_user=kam_alice)
    with pytest.raises(MeetingError, match=r"^Our attendees: .* is no longer active\.$"):
        do_update_meeting(acme_meeting, meeting_details(our_attendees=[kam_alice, team_tina]), acting_user=kam_alice)
    assert list(Meeting.objects.get().our_attendees.all()) == [kam_alice]


def test_team_tina_may_correct_a_meeting_on_acme_but_olga_may_not(
    acme_meeting: Meeting, team_tina: User, outsider_olga: User
) -> None:
    do_update_meeting(acme_meeting, meeting_details(goal="Map the buying centre"), acting_user=team_tina)

    assert Meeting.objects.get().goal == "Map the buying centre"
    with pytest.raises(PermissionDenied):
        do_update_meeting(acme_meeting, meeting_details(), acting_user=outsider_olga)


def test_completing_a_follow_up_marks_it_done_once(acme_meeting: Meeting, kam_alice: User) -> None:
    do_complete_follow_up(acme_meeting, acting_user=kam_alice)

    assert Meeting.objects.get().follow_up_done is True
    assert _audit(acme_meeting)[-1].changes == {"follow_up_done": [False, True]}
    with pytest.raises(MeetingError, match=r"^Follow-up done: the follow-up of this meeting is already done\.$"):
        do_complete_follow_up(acme_meeting, acting_user=kam_alice)


def test_a_new_follow_up_date_reopens_the_follow_up(acme_meeting: Meeting, kam_alice: User) -> None:
    do_complete_follow_up(acme_meeting, acting_user=kam_alice)

    do_update_meeting(acme_meeting, meeting_details(follow_up_on=dt.date(2026, 4, 1)), acting_user=kam_alice)

    meeting = Meeting.objects.get()
    assert (meeting.follow_up_on, meeting.follow_up_done) == (dt.date(2026, 4, 1), False)


def test_a_meeting_without_follow_up_has_nothing_to_complete(accounts: dict[str, Account], kam_alice: User) -> None:
    meeting = do_log_meeting(accounts["ACME"], meeting_details(held_at=MEETING_AT), acting_user=kam_alice)

    with pytest.raises(MeetingError, match=r"^Follow-up date: this meeting has no follow-up to complete\.$"):
        do_complete_follow_up(meeting, acting_user=kam_alice)
