"""Enrollment's HTTP routes, one module per part of the record: parse, authorise, call the domain, respond."""

from __future__ import annotations

from flask_smorest import Blueprint

from .documents import blp as documents
from .enrolments import blp as enrolments
from .participants import blp as participants
from .programmes import blp as programmes
from .referrals import blp as referrals
from .reports import blp as reports
from .transfers import blp as transfers
from .waiting import blp as waiting

BLUEPRINTS: list[Blueprint] = [programmes, participants, enrolments, transfers, referrals, reports, waiting, documents]
