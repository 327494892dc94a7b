"""Enrollment's use cases, for the routes and the event handlers alike: keyword-only functions over the caller's
unit of work; each keeps its history row and writes its event in the same transaction, and raises the Problem a
route answers with. What each takes is the request schema's loaded value, typed (`...Asked`).

- participants: registering a man, never twice;
- orders: his protection order, and the daily watch over orders;
- enrolments: his place in a cohort and its lifecycle, her support worker;
- transfers: to another cohort, a move out of the district waiting for a supervisor;
- attendance: his marks and his progress;
- referrals: the three above as one request;
- places and waiting: a place in a cohort, and the line of those waiting for one in a full cohort;
- programmes: programmes and cohorts;
- projections: what enrollment keeps of others' events;
- outcomes: what became of each man after he left, kept as facts (and risk's incidents and assessments they need);
- retention: anonymising men whose cases ended long ago;
- documents: the papers about one man, issued, kept and checked (imported as `commands.documents`).
"""

from __future__ import annotations

from .attendance import record_attendance
from .enrolments import (
    SYSTEM,
    EnrolmentAsked,
    PlacementAsked,
    TransitionAsked,
    close_followed_up,
    enrol,
    link_support_worker,
    move_enrolment,
    transition_enrolment,
)
from .orders import (
    ExtensionAsked,
    OrderAsked,
    OrderTermsAsked,
    PlanAsked,
    agree_correction_plan,
    end_order_early,
    extend_order,
    record_order,
    scan_orders,
)
from .outcomes import keep_assessment, keep_incident, refresh_outcomes
from .participants import PersonAsked, register_participant, registered_already
from .places import fill_free_places
from .programmes import (
    CohortAsked,
    CohortChanges,
    CurriculumItemAsked,
    ProgrammeAsked,
    ProgrammeRulesAsked,
    ScheduleAsked,
    change_cohort,
    define_programme,
    form_cohort,
    version_programme,
)
from .projections import keep_district, keep_flag_handled, keep_flag_raised, keep_session, keep_staff_member
from .referrals import Referral, ReferralAsked, refer
from .retention import ANONYMISED_ORDER_PREFIX, REDACTED, RETENTION_ROUTE, anonymise_participants
from .transfers import DecisionAsked, TransferAsked, decide_transfer, transfer_enrolment
from .waiting import PlacementElsewhereAsked, enrol_or_wait, place_elsewhere, withdraw_waiting

__all__ = [
    "ANONYMISED_ORDER_PREFIX", "CohortAsked", "CohortChanges", "CurriculumItemAsked", "DecisionAsked",
    "EnrolmentAsked", "ExtensionAsked", "OrderAsked", "OrderTermsAsked", "PersonAsked", "PlacementAsked",
    "PlacementElsewhereAsked", "PlanAsked", "ProgrammeAsked", "ProgrammeRulesAsked", "REDACTED", "RETENTION_ROUTE",
    "Referral", "ReferralAsked", "SYSTEM", "ScheduleAsked", "TransferAsked", "TransitionAsked",
    "agree_correction_plan", "anonymise_participants", "change_cohort", "close_followed_up", "decide_transfer",
    "define_programme", "end_order_early", "enrol", "enrol_or_wait", "extend_order", "fill_free_places",
    "form_cohort", "keep_assessment", "keep_district", "keep_incident", "keep_session", "keep_flag_handled",
    "keep_flag_raised", "keep_staff_member",
    "link_support_worker", "move_enrolment", "place_elsewhere", "record_attendance", "record_order", "refer",
    "refresh_outcomes", "register_participant", "registered_already", "scan_orders", "transfer_enrolment", "transition_enrolment",
    "version_programme", "withdraw_waiting",
]
