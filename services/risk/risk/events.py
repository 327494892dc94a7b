"""What risk publishes (its contract is qadam_contracts.risk), and the events made from its rows."""

from __future__ import annotations

from datetime import datetime

from qadam_contracts.reasons import Reason
from qadam_contracts.risk import (
    AssessmentRecorded,
    FlagAcknowledged,
    FlagRaised,
    FlagResolved,
    IncidentRecorded,
    LevelChanged,
)

from .domain.raising import EnrolmentSnapshot, FlagRow, LevelMove
from .models import Assessment, Flag, Incident

PUBLISHES = (FlagRaised, LevelChanged, FlagAcknowledged, FlagResolved, IncidentRecorded, AssessmentRecorded)


def flag_raised(view: EnrolmentSnapshot, f: FlagRow) -> FlagRaised:
    """A flag row as raised, with who answers for the enrolment now (`view`: its enrolment as risk knows it)."""
    return FlagRaised(
        flag_id=f["id"], enrolment_id=f["enrolment_id"], participant_code=f["participant_code"], rule_id=f["rule_id"],
        rule_version=f["rule_version"], rule_set_version=f["rule_set_version"], level=f["level"],
        reasons=f["reasons"], reason_codes=[Reason.of(r) for r in f["reason_codes"]], evidence=f["evidence"],
        region=f["region"], district=f["district"],
        inspector_id=view["inspector_id"], psychologist_id=view["psychologist_id"], raised_at=f["raised_at"],
        episode_id=f["episode_id"], victim_support_worker_id=view["victim_support_worker_id"], source=f["source"])


def level_changed(view: EnrolmentSnapshot, m: LevelMove) -> LevelChanged:
    """A move of an enrolment's level (`m`: the level change row with its version)."""
    return LevelChanged(
        enrolment_id=m["enrolment_id"], participant_code=view["participant_code"], from_level=m["from_level"],
        level=m["level"], version=m["version"], changed_at=m["changed_at"], cause=m["cause"],
        flag_ids=m["flag_ids"], region=view["region"], district=view["district"], inspector_id=view["inspector_id"],
        psychologist_id=view["psychologist_id"], victim_support_worker_id=view["victim_support_worker_id"])


def flag_handled(kind: type[FlagAcknowledged | FlagResolved], flag: Flag, by: str,
                 at: datetime) -> FlagAcknowledged | FlagResolved:
    """Someone acted on the flag (the reason of a resolution stays in risk)."""
    return kind(flag_id=flag.id, enrolment_id=flag.enrolment_id, participant_code=flag.participant_code, by=by, at=at)


def incident_recorded(incident: Incident) -> IncidentRecorded:
    """An inspector's incident as facts (kind, day, place): never its details."""
    return IncidentRecorded(incident_id=incident.id, enrolment_id=incident.enrolment_id,
                            participant_code=incident.participant_code, kind=incident.kind,
                            occurred_on=incident.occurred_on, region=incident.region, district=incident.district)


def assessment_recorded(assessment: Assessment) -> AssessmentRecorded:
    """An assessment as its level and band: never its answers."""
    return AssessmentRecorded(assessment_id=assessment.id, enrolment_id=assessment.enrolment_id,
                              participant_code=assessment.participant_code, kind=assessment.kind,
                              level=assessment.level, band=assessment.band, assessed_at=assessment.assessed_at)
