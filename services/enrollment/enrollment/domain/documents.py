"""The papers enrollment issues about one man, as rules on plain data: the kinds, who may issue and read each, when
each may be issued, and the words a report gives his attendance and his keeping to the plan (as codes, said in the
reader's language when the paper is written).

    (1) progress report       to the body that issued his order: his attendance, participation, compliance, concerns
    (2) non-compliance notice to that body and his inspector: when exit is proposed, or he left for non-compliance
    (3) completion certificate when he completed the programme
    (4) exit notice           when he left the programme unfinished, or was not admitted at intake
    (5) attendance register   of one session, not of one man: blank for a planned session (each man by code and
                              initials, columns to tick and sign), or the marks of a held one as recorded; issued
                              and read by the psychologists who facilitate the group
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from qadam_contracts.roles import Role

from .lifecycle import EnrolmentStatus


class DocumentKind(StrEnum):
    PROGRESS_REPORT = "progress_report"
    NON_COMPLIANCE_NOTICE = "non_compliance_notice"
    COMPLETION_CERTIFICATE = "completion_certificate"
    EXIT_NOTICE = "exit_notice"
    ATTENDANCE_REGISTER = "attendance_register"


REGISTER = DocumentKind.ATTENDANCE_REGISTER
KINDS = tuple(kind.value for kind in DocumentKind if kind != REGISTER)  # the papers about one man
K = DocumentKind
LETTERS = frozenset({K.PROGRESS_REPORT, K.NON_COMPLIANCE_NOTICE, K.EXIT_NOTICE})  # to the body that issued his order
# Who issues each kind (of the men they may see): the letters to the issuing body are his inspector's and the
# supervisor's; the certificate is his psychologist's. A manager gets none of a man's documents, nor her support worker.
ISSUERS: dict[str, frozenset[DocumentKind]] = {
    Role.INSPECTOR: LETTERS,
    Role.SUPERVISOR: LETTERS,
    Role.PSYCHOLOGIST: frozenset({K.COMPLETION_CERTIFICATE, K.ATTENDANCE_REGISTER}),
}
# Who reads each kind: the issuers, and the inspector and supervisor the certificate too (it closes their case).
READERS: dict[str, frozenset[DocumentKind]] = {
    Role.INSPECTOR: frozenset(DocumentKind) - {REGISTER},
    Role.SUPERVISOR: frozenset(DocumentKind) - {REGISTER},
    Role.PSYCHOLOGIST: frozenset({K.COMPLETION_CERTIFICATE, K.ATTENDANCE_REGISTER}),
}
DOCUMENT_ROLES = tuple(READERS)


def may_issue(role: str, kind: str) -> bool:
    return kind in ISSUERS.get(role, frozenset())


def may_read(role: str, kind: str) -> bool:
    return kind in READERS.get(role, frozenset())


@dataclass(frozen=True)
class Standing:
    """Where the enrolment stands, as far as the papers ask."""

    status: str
    status_reason: str | None
    exit_proposed: bool


def not_issuable(kind: str, standing: Standing) -> str | None:
    """Why a paper of `kind` cannot be issued for an enrolment standing so (a sentence for the 409), or None."""
    status = standing.status
    if kind == K.NON_COMPLIANCE_NOTICE and not (
            standing.exit_proposed and status not in (EnrolmentStatus.EXITED, EnrolmentStatus.EXCLUDED)
            or status == EnrolmentStatus.EXITED and standing.status_reason == "non_compliance"):
        return ("A notice of non-compliance is issued when his exit is proposed, or after he left the programme "
                f"for non-compliance; he is {status} and no exit is proposed.")
    if kind == K.COMPLETION_CERTIFICATE and status not in (EnrolmentStatus.COMPLETED, EnrolmentStatus.CLOSED):
        return f"A completion certificate is issued once he has completed the programme; he is {status}."
    if kind == K.EXIT_NOTICE and status not in (EnrolmentStatus.EXITED, EnrolmentStatus.EXCLUDED):
        return f"An exit notice is issued once he has left the programme or was not admitted; he is {status}."
    return None


# How he takes part, from his attendance (the programme's completion share is the bar of "regularly").
NO_SESSIONS_YET, REGULAR, IRREGULAR, RARE = "no_sessions_yet", "regular", "irregular", "rare"


def participation(attended: int, unexcused: int, completion_percent: int) -> str:
    """His participation as a code: attendance among the sessions he had to attend (excused ones left out)."""
    owed = attended + unexcused
    if owed == 0:
        return NO_SESSIONS_YET
    share = attended * 100 / owed
    if share >= completion_percent:
        return REGULAR
    return IRREGULAR if share >= 50 else RARE


# Whether he keeps to his plan, as a code.
KEEPS_TO_PLAN, EXIT_PROPOSED, LEFT_FOR_NON_COMPLIANCE, COMPLETED, LEFT, NOT_STARTED = (
    "keeps_to_plan", "exit_proposed", "left_for_non_compliance", "completed", "left", "not_started")


def compliance(standing: Standing) -> str:
    status = standing.status
    if status in (EnrolmentStatus.COMPLETED, EnrolmentStatus.CLOSED):
        return COMPLETED
    if status == EnrolmentStatus.EXITED and standing.status_reason == "non_compliance":
        return LEFT_FOR_NON_COMPLIANCE
    if status in (EnrolmentStatus.EXITED, EnrolmentStatus.EXCLUDED):
        return LEFT
    if standing.exit_proposed:
        return EXIT_PROPOSED
    if status in (EnrolmentStatus.REFERRED, EnrolmentStatus.ASSESSED):
        return NOT_STARTED
    return KEEPS_TO_PLAN


# A register's two forms: blank for a session not recorded yet, or the marks of a held one.
BLANK, HELD = "blank", "held"


def initials(full_name: str) -> str:
    """The initial of each part of a name, as a register prints a man (`Oʻtkir Xoʻjayev` -> `O. X.`): his full name
    never goes on a register; a name cleared under retention has none."""
    return " ".join(f"{part[0].upper()}." for part in full_name.split() if part[0].isalpha())
