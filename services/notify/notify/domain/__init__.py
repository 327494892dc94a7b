"""Notify's pure rules, no Flask and no database: who must know (`routing`, the rules as data), what a flag or a move
of his enrolment makes (`alerts`, `notices`), when a message may go and when to try again (`timing`), whom an
unanswered alert goes up to (`escalation`), what a message says (`templates`) and the signed acknowledgement links
(`links`).

Messages that leave Qadam carry a participant's code, the reason and a link, never a name: notify never holds one,
and the templates have no place for one.
"""
