"""The words of enrollment's papers, marked for its catalogue (qadam_words, domain `enrollment`): each is said in the
paper's language when it is written. `python -m qadam_words update enrollment services/enrollment/enrollment`."""

from __future__ import annotations

from qadam_words import N_

TITLES = {
    "progress_report": N_("Progress report on the behaviour-correction programme"),
    "non_compliance_notice": N_("Notice of non-compliance with the behaviour-correction programme"),
    "completion_certificate": N_("Certificate of completion of the behaviour-correction programme"),
    "exit_notice": N_("Notice of leaving the behaviour-correction programme"),
}
HEADER = N_("Behaviour-correction programme")
OFFICE = N_("%(district)s, %(region)s")
NUMBER = N_("Document No. %(number)s")
ISSUED = N_("Issued on %(date)s")
TO_ISSUING_BODY = N_("To: the internal affairs body of %(district)s, %(region)s, which issued protection order "
                     "No. %(order)s")
TO_INSPECTOR = N_("Copy to: his prevention inspector")
REPLACES = N_("This document corrects and replaces document No. %(number)s.")

PERSON = N_("Participant")
NAME = N_("Full name")
BIRTH_DATE = N_("Date of birth")
CODE = N_("Participant code")
ORDER = N_("Protection order")
ORDER_TERMS = N_("No. %(number)s, issued on %(issued)s, in force until %(expires)s")
NO_ORDER = N_("He was not referred under a protection order.")
PROGRAMME = N_("Programme")
GROUP = N_("Group")
STARTED = N_("Started on")
FINISHED = N_("Finished on")
NOT_YET = N_("not yet")
STATUS = N_("Where he stands")
REASON = N_("Reason")
PLAN = N_("Individual correction plan")
PLAN_AGREED = N_("agreed on %(date)s")
PLAN_NOT_AGREED = N_("not agreed yet")

ATTENDANCE = N_("Attendance")
SESSIONS_REQUIRED = N_("Sessions in the programme")
SESSIONS_HELD = N_("Sessions held")
ATTENDED = N_("Attended")
EXCUSED = N_("Absent with a valid reason")
UNEXCUSED = N_("Absent without a valid reason")
LONGEST_RUN = N_("Most absences without a valid reason in a row")
ALLOWED = N_("The programme allows %(all)s absences without a valid reason in all, %(in_a_row)s in a row.")
PARTICIPATION = N_("Participation")
COMPLIANCE = N_("Compliance with the plan")
CONCERNS = N_("Open concerns")
CONCERN = N_("level %(level)s, raised on %(date)s")
NO_CONCERNS = N_("None")
CONCERNS_NOTE = N_("Concerns are given as their level and date only. They are decision support for the staff "
                   "responsible, not a prediction.")

PARTICIPATION_WORDS = {
    "no_sessions_yet": N_("No session has been held with him yet."),
    "regular": N_("He attends regularly."),
    "irregular": N_("He attends irregularly."),
    "rare": N_("He rarely attends."),
}
COMPLIANCE_WORDS = {
    "keeps_to_plan": N_("He keeps to his plan."),
    "exit_proposed": N_("He does not keep to his plan: his exit from the programme is proposed."),
    "left_for_non_compliance": N_("He did not keep to his plan and left the programme for non-compliance."),
    "completed": N_("He completed the programme."),
    "left": N_("He left the programme before completing it."),
    "not_started": N_("He has not started the programme yet."),
}
STATUS_WORDS = {
    "referred": N_("Referred"), "assessed": N_("Assessed"), "active": N_("In the programme"),
    "suspended": N_("Suspended"), "completed": N_("Completed"), "closed": N_("Completed, follow-up over"),
    "excluded": N_("Not admitted"), "exited": N_("Left the programme"),
}
NON_COMPLIANCE_TEXT = N_("We inform you that he does not comply with the behaviour-correction programme written "
                         "into his protection order.")
EXIT_PROPOSED_ON = N_("His exit from the programme was proposed on %(date)s.")
CERTIFICATE_TEXT = N_("This certifies that he completed the behaviour-correction programme, attending %(attended)s "
                      "of its %(required)s sessions.")
FOLLOW_UP = N_("He is followed up until %(date)s.")
EXIT_TEXT = N_("We inform you that he left the behaviour-correction programme on %(date)s.")
EXCLUDED_TEXT = N_("We inform you that he was not admitted to the behaviour-correction programme (%(date)s).")

GENERATED_BY = N_("Prepared by: %(user)s, %(role)s")
ROLE_WORDS = {"inspector": N_("prevention inspector"), "supervisor": N_("supervisor"),
              "psychologist": N_("psychologist")}
SIGNATURE = N_("Signature")
SIGNED_BY_PREPARER = N_("Prepared by")
SIGNED_BY_HEAD = N_("Head of the programme")
NAME_LINE = N_("Name")
DATE_LINE = N_("Date")
STAMP = N_("Stamp")
CHECK_CODE = N_("Check code: %(code)s")
CHECK_HOW = N_("A printed copy is checked in Qadam by its number and its check code.")

# An attendance register (of a session, not of one man): each man by code and initials only.
REGISTER_TITLES = {
    "blank": N_("Attendance register"),
    "held": N_("Attendance register of a held session, as recorded"),
}
SESSION_NUMBER = N_("Session No.")
TIME = N_("Time")
PLACE = N_("Place")
NOT_GIVEN = N_("not given")
INITIALS = N_("Initials")
PRESENT_TICK = N_("Present (tick)")
RECORDED_MARK = N_("Recorded mark")
MARK_WORDS = {"present": N_("Present"), "late": N_("Late"), "excused": EXCUSED, "unexcused": UNEXCUSED}
FACILITATOR = N_("Facilitator")
AS_RECORDED = N_("The marks as they were recorded.")
