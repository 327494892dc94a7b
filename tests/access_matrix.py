"""Who may call what: the one declared access matrix of Qadam's HTTP APIs (issue 9, "Access").

Written from what DESIGN.md ("Identity and access") and DOMAIN.md ("Data protection duties") say must hold, and
checked against every service's committed OpenAPI document by tests/test_access_matrix.py: every operation in a
document must be declared here, and every declaration must be in a document. A new endpoint therefore fails that
test until someone decides here who may call it.

Roles are the ones a token may carry (qadam_contracts.roles.Role). Record-level scoping (which cohorts, which participants)
comes on top of this table and is tested with real data in the same module.

- psychologist: the cohorts they facilitate, their sessions, attendance and confidential notes (notes: nobody else);
- inspector: referrals (participants, protection orders, enrolments), alerts, incidents of his area and assignments;
- supervisor: reads his region's cases, acts on flags; reports; never confidential notes;
- support_worker (Inson centre): the victim-facing side of risk (incidents, flags of the cases she supports), alerts,
  and enrollment's safety view of the men whose partners she supports (status, exit reason, order dates);
- manager: defines programmes and cohorts, assigns staff, schedules; lists and aggregates of his region; never
  confidential notes, never a participant's personal record;
- auditor: the audit log, and what is not personal data (rules, instruments, routing);
- administrator: users, settings, rules, contacts; sees across areas; never confidential notes;
- analyst: aggregates only (the completion report, the alert figures), of the whole country or of his region; never a
  man's record, a code or a free text: every other route refuses him;
- service: a machine identity; no HTTP endpoint takes it.
"""

from __future__ import annotations

from typing import Final

from qadam_contracts.roles import Role

PUBLIC: Final = "public"

PSY, INSP, SUP, SW, MGR, AUD, ADM, ANA = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.SUPERVISOR, Role.SUPPORT_WORKER,
                                          Role.MANAGER, Role.AUDITOR, Role.ADMINISTRATOR, Role.ANALYST)

STAFF = frozenset({PSY, INSP, SUP, MGR, ADM})  # perpetrator-facing staff and their managers
PLANNERS = frozenset({MGR, ADM})
CASE_READERS = frozenset({PSY, INSP, SW, SUP, MGR, ADM})  # risk: a case's flags, incidents, assessments
CASE_ACTORS = frozenset({PSY, INSP, SUP, ADM})  # act on flags: managers read, never act
NOT_PERSONAL = CASE_READERS | {AUD}  # rules and instruments: no personal data in them
RECIPIENTS = frozenset({PSY, INSP, SUP, SW, MGR, ADM})  # people who receive alerts
AUDIT_READERS = frozenset({ADM, AUD})
# aggregates, small cells suppressed: those who run the programmes, and analysts (who see nothing else)
AGGREGATE_READERS = frozenset({MGR, SUP, ADM, ANA})
# staff work and the national roll-up: those who plan the programmes, and analysts
STAFF_WORK_READERS = frozenset({MGR, ADM, ANA})

# Endpoints every service has: liveness, readiness, metrics (public), and the audit log (administrators, auditors).
COMMON: dict[tuple[str, str], frozenset[Role] | str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/audit"): AUDIT_READERS,
}

MATRIX: dict[str, dict[tuple[str, str], frozenset[Role] | str]] = {
    "enrollment": {
        **COMMON,
        ("GET", "/programmes"): STAFF,
        ("POST", "/programmes"): PLANNERS,
        ("GET", "/programmes/{programme_id}"): STAFF,
        ("GET", "/programmes/{programme_id}/versions"): STAFF,
        ("POST", "/programmes/{programme_id}/versions"): PLANNERS,
        ("GET", "/cohorts"): STAFF,
        ("POST", "/cohorts"): PLANNERS,
        ("GET", "/cohorts/{cohort_id}"): STAFF,
        ("PATCH", "/cohorts/{cohort_id}"): PLANNERS,
        # the waiting list of a full cohort: staff see it; a manager places a man elsewhere; his inspector (or a
        # manager) withdraws him
        ("GET", "/cohorts/{cohort_id}/waiting-list"): STAFF,
        ("GET", "/waiting-list/{waiting_id}"): STAFF,
        ("POST", "/waiting-list/{waiting_id}/placement"): PLANNERS,
        ("POST", "/waiting-list/{waiting_id}/withdrawal"): frozenset({INSP, MGR, ADM}),
        # a participant's personal record: the referring side (inspector) and his cohort's psychologist
        ("GET", "/participants"): frozenset({INSP, ADM}),
        ("POST", "/participants"): frozenset({INSP, ADM}),
        ("GET", "/participants/{participant_id}"): frozenset({INSP, PSY, ADM}),
        ("GET", "/protection-orders"): frozenset({INSP, SUP, MGR, ADM}),
        ("POST", "/protection-orders"): frozenset({INSP, MGR, ADM}),
        ("GET", "/protection-orders/{order_id}"): frozenset({INSP, SUP, MGR, ADM}),
        ("PATCH", "/protection-orders/{order_id}"): frozenset({INSP, MGR, ADM}),
        ("POST", "/protection-orders/{order_id}/extensions"): frozenset({INSP, MGR, ADM}),
        ("PUT", "/protection-orders/{order_id}/correction-plan"): frozenset({INSP, PSY, MGR, ADM}),
        ("GET", "/enrolments"): STAFF,
        ("POST", "/enrolments"): frozenset({INSP, MGR, ADM}),
        # the man, his order and his enrolment in one request: registering him is the inspector's (and admin's)
        ("POST", "/referrals"): frozenset({INSP, ADM}),
        ("GET", "/enrolments/{enrolment_id}"): STAFF,
        ("GET", "/enrolments/{enrolment_id}/transitions"): STAFF,
        ("POST", "/enrolments/{enrolment_id}/transitions"): frozenset({PSY, INSP, MGR, ADM}),
        ("POST", "/enrolments/{enrolment_id}/transfer"): frozenset({INSP, MGR, ADM}),
        ("GET", "/enrolments/{enrolment_id}/transfer-options"): frozenset({INSP, MGR, ADM}),
        # a move out of a district: asked by his inspector, decided by a supervisor of the district's region
        ("GET", "/transfers"): frozenset({INSP, SUP, MGR, ADM}),
        ("GET", "/transfers/{transfer_id}"): frozenset({INSP, SUP, MGR, ADM}),
        ("POST", "/transfers/{transfer_id}/decision"): frozenset({SUP, ADM}),
        # her support worker: his own inspector or a supervisor of his area (record-level: the route's own check)
        ("PUT", "/enrolments/{enrolment_id}/victim-support-worker"): frozenset({INSP, SUP, ADM}),
        ("GET", "/reports/completion"): AGGREGATE_READERS,
        # the national roll-up: an administrator or a national analyst the whole country, a manager or a regional
        # analyst his own region (the route scopes it)
        ("GET", "/reports/rollup"): STAFF_WORK_READERS,
        # what became of the men who left: aggregates only, as the completion report (OUTCOME_READERS)
        ("GET", "/reports/outcomes"): AGGREGATE_READERS,
        # the men whose partners she supports, as bears on the woman's safety (record-level: those naming her)
        ("GET", "/supported-enrolments"): frozenset({SW}),
        ("GET", "/supported-enrolments/{enrolment_id}"): frozenset({SW}),
        # a man's papers: the letters to the issuing body his inspector's and the supervisor's, the certificate his
        # psychologist's (record-level and per kind: the route's own check); a manager gets none, nor her worker.
        # A copy is checked without a token: genuine or not, its kind and date, nothing about the man.
        ("GET", "/enrolments/{enrolment_id}/documents"): frozenset({PSY, INSP, SUP}),
        ("POST", "/enrolments/{enrolment_id}/documents"): frozenset({PSY, INSP, SUP}),
        ("GET", "/documents/{number}/pdf"): frozenset({PSY, INSP, SUP}),
        ("GET", "/documents/{number}"): PUBLIC,
        ("POST", "/documents/{number}/check"): PUBLIC,
        ("POST", "/sessions/{session_id}/register"): frozenset({PSY}),
    },
    "sessions": {
        **COMMON,
        ("GET", "/cohorts/{cohort_id}/sessions"): STAFF,
        ("POST", "/cohorts/{cohort_id}/sessions"): frozenset({PSY, MGR, ADM}),
        ("POST", "/cohorts/{cohort_id}/sessions/plan"): frozenset({PSY, MGR, ADM}),
        ("PUT", "/sessions/{session_id}/fidelity"): frozenset({PSY}),
        ("GET", "/sessions"): STAFF,
        ("GET", "/enrolments/{enrolment_id}/attendance"): STAFF,
        ("GET", "/sessions/{session_id}"): STAFF,
        ("PATCH", "/sessions/{session_id}"): frozenset({PSY, MGR, ADM}),
        ("GET", "/sessions/{session_id}/attendance"): STAFF,
        ("POST", "/sessions/{session_id}/attendance"): frozenset({PSY}),
        ("GET", "/sessions/{session_id}/attendance/{enrolment_id}/amendments"): STAFF,
        ("POST", "/sessions/{session_id}/attendance/{enrolment_id}/amendments"): frozenset({PSY}),
        # confidential notes: the cohort's psychologists, and nobody else, whatever their rank
        ("GET", "/sessions/{session_id}/notes"): frozenset({PSY}),
        ("POST", "/sessions/{session_id}/notes"): frozenset({PSY}),
        # the call after an unexcused absence: listed for the staff who answer for him, recorded by his psychologist
        ("GET", "/calls"): STAFF,
        ("POST", "/calls/{call_id}/outcome"): frozenset({PSY}),
        # staff work, not men (programme fidelity by group, facilitators' workload): a manager's or a regional
        # analyst's region, any for an administrator or a national analyst (sessions.scoping.REPORT_READERS)
        ("GET", "/reports/fidelity"): STAFF_WORK_READERS,
        ("GET", "/reports/workload"): STAFF_WORK_READERS,
    },
    "risk": {
        **COMMON,
        ("GET", "/flags"): CASE_READERS,
        ("GET", "/flags/{flag_id}"): CASE_READERS,
        ("POST", "/flags/{flag_id}/acknowledge"): CASE_ACTORS,
        ("POST", "/flags/{flag_id}/resolve"): CASE_ACTORS,
        ("GET", "/enrolments/{enrolment_id}/incidents"): CASE_READERS,
        ("POST", "/enrolments/{enrolment_id}/incidents"): frozenset({INSP, SUP, SW, ADM}),
        ("GET", "/instruments"): NOT_PERSONAL,
        ("POST", "/instruments"): PLANNERS,
        ("GET", "/instruments/{instrument_id}"): NOT_PERSONAL,
        ("GET", "/enrolments/{enrolment_id}/assessments"): CASE_READERS - {SW},  # his answers: never hers
        ("POST", "/enrolments/{enrolment_id}/assessments"): frozenset({PSY, INSP, ADM}),
        ("GET", "/rules"): NOT_PERSONAL,
        ("POST", "/rules"): frozenset({ADM}),
        ("GET", "/rules/versions/{version}"): NOT_PERSONAL,
        ("POST", "/recomputes"): frozenset({ADM}),
        ("GET", "/recomputes/{recompute_id}"): frozenset({ADM, MGR, AUD}),
        ("GET", "/enrolments/{enrolment_id}/risk"): CASE_READERS,
        ("GET", "/levels"): CASE_READERS,
    },
    "notify": {
        **COMMON,
        ("GET", "/notifications"): RECIPIENTS,
        ("GET", "/notifications/{notification_id}"): RECIPIENTS,
        ("POST", "/notifications/{notification_id}/acknowledge"): RECIPIENTS,
        ("GET", "/contacts/{user_id}"): RECIPIENTS,  # one's own; an administrator anyone's
        ("PUT", "/contacts/{user_id}"): frozenset({ADM}),
        # the signed link in an e-mail or SMS: the link's own signature is its authority
        ("GET", "/ack/{token}"): PUBLIC,
        ("POST", "/ack/{token}"): PUBLIC,
        ("GET", "/routing"): frozenset({ADM, MGR, SUP, AUD}),
        ("POST", "/routing"): frozenset({ADM}),
        ("GET", "/figures"): AGGREGATE_READERS,
        ("GET", "/figures/regions"): STAFF_WORK_READERS,  # the national roll-up's alert figures, as /reports/rollup
        # alerts that found nobody to escalate to: the directory is the administrators' to fix
        ("GET", "/escalations/unassigned"): frozenset({ADM}),
    },
}
