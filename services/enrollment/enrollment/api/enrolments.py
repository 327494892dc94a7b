"""Enrolments: referral, the lifecycle with its history, transfers, and the lists people work from."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import Principal, Role, allow, current_principal
from qadam.errors import Problem, conflict, not_found, unprocessable
from qadam.outbox import add_event
from qadam.web import paginate, read_session, settings_of_app, unit_of_work
from sqlalchemy.orm import Session

from .. import commands
from ..domain.lifecycle import (
    IN_PROGRAMME,
    Action,
    Caller,
    EnrolmentStatus,
    IllegalTransition,
    Standing,
    actions_open_to,
    complete_refusal,
    start_refusal,
)
from ..domain.orders import OrderStatus
from ..domain.progress import EXIT_REVIEW_NOT_ATTENDED, completion_holds, curriculum_done
from ..events import transferred
from ..models import Cohort, Enrolment, EnrolmentTransition, Participant, ProtectionOrder
from ..projections import support_worker_problem
from ..schemas import (
    EnrolmentFilter,
    EnrolmentIn,
    EnrolmentOut,
    EnrolmentPage,
    SupportWorkerIn,
    TransferIn,
    TransitionIn,
    TransitionOut,
)
from ..service import change_support_worker, move_enrolment, rules_of, with_critical_flag_open
from .programmes import places_taken
from .scoping import may_move, visible_enrolments

blp = Blueprint("enrolments", __name__, description="Enrolments and their lifecycle")

STAFF = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR)
REFERRERS = (Role.INSPECTOR, Role.MANAGER, Role.ADMINISTRATOR)
MOVERS = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.MANAGER, Role.ADMINISTRATOR)


def caller_of(principal: Principal, enrolment: Enrolment) -> Caller:
    return Caller(may_move=principal.role in MOVERS and may_move(principal, enrolment),
                  may_complete_early=principal.role in (Role.MANAGER, Role.ADMINISTRATOR))


def standing_of(s: Session, enrolment: Enrolment, *, critical_open: set[uuid.UUID] | None = None,
                started: dict[uuid.UUID, list[uuid.UUID]] | None = None) -> Standing:
    """The facts its moves depend on (`critical_open`, `started`: already looked up for a page of enrolments)."""
    if critical_open is None:
        critical_open = with_critical_flag_open(s, [enrolment.id])
    if started is None:
        started = _started_participants(s, [enrolment])
    return Standing(status=EnrolmentStatus(enrolment.status),
                    curriculum_done=curriculum_done(enrolment.sessions_recorded, enrolment.sessions_attended,
                                                    rules_of(enrolment)),
                    critical_flag_open=enrolment.id in critical_open,
                    started_elsewhere=any(eid != enrolment.id for eid in started.get(enrolment.participant_id, [])))


def _started_participants(s: Session, enrolments: list[Enrolment]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """{participant: his active or suspended enrolments}, for the men of these enrolments."""
    out: dict[uuid.UUID, list[uuid.UUID]] = {}
    ids = {e.participant_id for e in enrolments}
    if ids:
        for participant_id, eid in s.execute(sa.select(Enrolment.participant_id, Enrolment.id).where(
                Enrolment.participant_id.in_(ids),
                Enrolment.status.in_([EnrolmentStatus.ACTIVE.value, EnrolmentStatus.SUSPENDED.value]))):
            out.setdefault(participant_id, []).append(eid)
    return out


def shown(s: Session, enrolments: list[Enrolment]) -> list[Enrolment]:
    """The enrolments with the moves the caller could make now (the same rules the moves apply)."""
    principal = current_principal()
    critical = with_critical_flag_open(s, [e.id for e in enrolments])
    started = _started_participants(s, enrolments)
    for enrolment in enrolments:
        enrolment.allowed_actions = actions_open_to(
            caller_of(principal, enrolment), standing_of(s, enrolment, critical_open=critical, started=started))
    return enrolments


def _enrolment(s: Session, enrolment_id: uuid.UUID, *, lock: bool = False) -> Enrolment:
    query = visible_enrolments(current_principal()).where(Enrolment.id == enrolment_id)
    found = s.execute(query.with_for_update(of=Enrolment) if lock else query).unique().scalar()
    if found is None:
        raise not_found("enrolment", enrolment_id)
    return found


@blp.route("/enrolments")
class Enrolments(MethodView):
    @allow(*STAFF)
    @blp.arguments(EnrolmentFilter, location="query")
    @blp.response(200, EnrolmentPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Enrolments the caller may see, filtered: status, district, inspector, psychologist, cohort, programme,
        code, exit proposed, protection order expiring within N days."""
        query = visible_enrolments(current_principal()).order_by(Enrolment.enrolled_at.desc())
        for field in ("cohort_id", "programme_id", "district", "inspector_id", "psychologist_id"):
            if args[field]:
                query = query.where(getattr(Enrolment, field) == args[field])
        if args["status"]:
            query = query.where(Enrolment.status.in_(args["status"]))
        if args["code"]:
            query = query.where(Enrolment.participant_id.in_(
                sa.select(Participant.id).where(Participant.code == args["code"].upper())))
        if args["protection_order_id"]:
            query = query.where(Enrolment.protection_order_id.in_(args["protection_order_id"]))
        if args["exit_proposed"] is not None:
            query = query.where(Enrolment.exit_proposed_at.is_not(None) if args["exit_proposed"]
                                else Enrolment.exit_proposed_at.is_(None))
        if args["order_expiring_within_days"] is not None:
            today = datetime.now(settings_of_app().zone).date()
            query = query.where(Enrolment.protection_order_id.in_(sa.select(ProtectionOrder.id).where(
                ProtectionOrder.status == OrderStatus.ACTIVE,
                ProtectionOrder.expires_on.between(today, today + timedelta(days=args["order_expiring_within_days"])))))
        with read_session() as s:
            page = paginate(s, query, args)
            page["items"] = shown(s, list(page["items"]))
            return page

    @allow(*REFERRERS)
    @blp.arguments(EnrolmentIn)
    @blp.response(201, EnrolmentOut)
    def post(self, data: dict[str, Any]) -> Enrolment:
        """Refer a participant to a cohort, naming the order it answers, his prevention inspector and psychologist.
        The enrolment starts `referred`; intake assessment and the start follow as transitions."""
        with unit_of_work() as s:
            enrolment = commands.enrol(s, principal=current_principal(), enrolment=data)
            shown(s, [enrolment])
        return enrolment


@blp.route("/enrolments/<uuid:enrolment_id>")
class EnrolmentById(MethodView):
    @allow(*STAFF)
    @blp.response(200, EnrolmentOut)
    def get(self, enrolment_id: uuid.UUID) -> Enrolment:
        """One enrolment: where it stands, its progress and the moves the caller could make now."""
        with read_session() as s:
            return shown(s, [_enrolment(s, enrolment_id)])[0]


@blp.route("/enrolments/<uuid:enrolment_id>/transitions")
class Transitions(MethodView):
    @allow(*STAFF)
    @blp.response(200, TransitionOut(many=True))
    def get(self, enrolment_id: uuid.UUID) -> list[Any]:
        """The enrolment's history: every move, with who, when and why (a manager: without the notes)."""
        with read_session() as s:
            _enrolment(s, enrolment_id)
            history = list(s.execute(sa.select(EnrolmentTransition).where(
                EnrolmentTransition.enrolment_id == enrolment_id).order_by(EnrolmentTransition.id)).scalars())
            if current_principal().role == Role.MANAGER:  # codes and figures only: no free text
                return [{c.key: getattr(t, c.key) for c in sa.inspect(EnrolmentTransition).column_attrs} | {"note": None}
                        for t in history]
            return history

    @allow(*MOVERS)
    @blp.arguments(TransitionIn)
    @blp.response(201, EnrolmentOut)
    def post(self, data: dict[str, Any], enrolment_id: uuid.UUID) -> Enrolment:
        """Move the enrolment: assess, start, suspend, resume, complete, close, exclude (at intake) or exit.
        Exit, exclusion and suspension need a reason; an illegal move is a 409 naming the allowed ones."""
        principal = current_principal()
        action = Action(data["action"])
        with unit_of_work() as s:
            enrolment = _enrolment(s, enrolment_id, lock=True)
            if not may_move(principal, enrolment):
                raise Problem(403, "Only the enrolment's psychologist, its inspector or staff of its area move it.")
            if action is Action.START:
                # Lock the man, not only this enrolment: two of his enrolments cannot start at the same moment.
                s.execute(sa.select(Participant.id).where(Participant.id == enrolment.participant_id).with_for_update())
            standing = standing_of(s, enrolment)
            if action is Action.START and (refusal := start_refusal(standing)):
                raise conflict(refusal)
            if action is Action.COMPLETE and enrolment.status == EnrolmentStatus.ACTIVE.value:
                # (from elsewhere it is an illegal move: 409 below)
                _may_complete(caller_of(principal, enrolment), standing, enrolment, data["note"])
            try:
                move_enrolment(s, enrolment, action, by=principal.user_id, reason=data["reason"], note=data["note"],
                               today=datetime.now(settings_of_app().zone).date())
            except IllegalTransition as exc:
                raise conflict(str(exc), allowed_actions=exc.allowed) from None
            except ValueError as exc:
                raise unprocessable(str(exc), {"reason": [str(exc)]}) from None
            shown(s, [enrolment])
        return enrolment


def _may_complete(caller: Caller, standing: Standing, enrolment: Enrolment, note: str | None) -> None:
    """Completion comes with the curriculum, unless a critical flag is open or the exit review is not recorded as
    attended: then he is proposed and a person decides, saying why when it is before the curriculum is done or
    without the exit review. Never while a critical flag is open."""
    if refusal := complete_refusal(caller, standing):
        raise conflict(refusal, completion_proposal=enrolment.completion_proposal or [])
    rules = rules_of(enrolment)
    without_review = EXIT_REVIEW_NOT_ATTENDED in completion_holds(
        exit_review_session=rules.exit_review_session, exit_review_attended=enrolment.exit_review_attended,
        critical_flag_open=False)
    if (not standing.curriculum_done or without_review) and not (note or "").strip():
        why = ("Completing before the curriculum is done" if not standing.curriculum_done
               else "Completing without his exit review recorded as attended")
        raise unprocessable(f"{why} needs a note saying why.", {"note": ["Say why he completes now."]})


@blp.route("/enrolments/<uuid:enrolment_id>/transfer")
class Transfer(MethodView):
    @allow(Role.INSPECTOR, Role.MANAGER, Role.ADMINISTRATOR)
    @blp.arguments(TransferIn)
    @blp.response(201, EnrolmentOut)
    def post(self, data: dict[str, Any], enrolment_id: uuid.UUID) -> Enrolment:
        """Move him to another cohort (in another district too); his marks, progress and history go with him."""
        principal = current_principal()
        with unit_of_work() as s:
            enrolment = _enrolment(s, enrolment_id, lock=True)
            if not may_move(principal, enrolment):
                raise Problem(403, "Only the enrolment's inspector or staff of its area transfer it.")
            if EnrolmentStatus(enrolment.status) not in IN_PROGRAMME | {EnrolmentStatus.REFERRED}:
                raise conflict(f"An enrolment that is {enrolment.status} is not transferred.")
            target = s.get(Cohort, data["cohort_id"], with_for_update={"of": Cohort})
            if target is None or target.id == enrolment.cohort_id:
                raise unprocessable("Transfer to another existing cohort.", {"cohort_id": ["Another cohort."]})
            if principal.role != Role.ADMINISTRATOR and target.region != principal.region:
                raise Problem(403, f"{target.district} ({target.region}) is outside your region.")
            if target.programme.lineage_id != enrolment.cohort.programme.lineage_id:
                raise conflict("The new cohort runs another programme; exit (reason: transferred) and refer him anew.")
            if places_taken(s, target.id) >= target.capacity:
                raise conflict(f"The cohort is full ({target.capacity} places).")
            psychologist = data["psychologist_id"] or target.facilitator_ids[0]
            if psychologist not in target.facilitator_ids:
                raise unprocessable("The psychologist facilitates the new cohort.",
                                    {"psychologist_id": [f"One of {', '.join(target.facilitator_ids)}."]})
            if (principal.role == Role.INSPECTOR and data["inspector_id"]
                    and data["inspector_id"] != principal.user_id):
                raise Problem(403, "An inspector hands an enrolment only to themselves; ask a manager to assign another.")
            source = enrolment.cohort_id
            enrolment.version += 1
            enrolment.cohort, enrolment.cohort_id = target, target.id
            enrolment.region, enrolment.district = target.region, target.district
            enrolment.psychologist_id = psychologist
            enrolment.inspector_id = data["inspector_id"] or enrolment.inspector_id
            s.add(EnrolmentTransition(enrolment_id=enrolment.id, action="transfer", from_status=enrolment.status,
                                      to_status=enrolment.status, note=data["note"], by=principal.user_id,
                                      from_cohort_id=source, to_cohort_id=target.id))
            add_event(s, transferred(enrolment, from_cohort_id=source, at=datetime.now(UTC)))
            shown(s, [enrolment])
        return enrolment


@blp.route("/enrolments/<uuid:enrolment_id>/victim-support-worker")
class VictimSupportWorker(MethodView):
    @allow(Role.INSPECTOR, Role.SUPERVISOR, Role.ADMINISTRATOR)
    @blp.arguments(SupportWorkerIn)
    @blp.response(200, EnrolmentOut)
    def put(self, data: dict[str, Any], enrolment_id: uuid.UUID) -> Enrolment:
        """Link her support worker (Inson centre) to the enrolment, change or remove them: his inspector or a
        supervisor of his area. An active support worker of his region; published for risk and notify."""
        principal = current_principal()
        worker = data["victim_support_worker_id"]
        with unit_of_work() as s:
            enrolment = _enrolment(s, enrolment_id, lock=True)
            if principal.role == Role.INSPECTOR and not principal.assigned(enrolment.inspector_id):
                raise Problem(403, "His own inspector, or a supervisor of his area, links her support worker.")
            if principal.role == Role.SUPERVISOR and not principal.covers(region=enrolment.region,
                                                                         district=enrolment.district):
                raise Problem(403, f"{enrolment.district} ({enrolment.region}) is outside your area.")
            if worker is not None and (problem := support_worker_problem(s, worker, enrolment.region)):
                raise unprocessable(problem, {"victim_support_worker_id": [problem]})
            change_support_worker(s, enrolment, worker, by=principal.user_id)
            shown(s, [enrolment])
        return enrolment
