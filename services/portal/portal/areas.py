"""The areas users and cohorts are placed in, as the portal publishes them: `portal.area.changed`, one event per
district with its mahallas, written in the transaction that changed it (enrollment checks districts against it)."""

from __future__ import annotations

import sqlalchemy as sa
from qadam.outbox import add_event
from sqlalchemy.orm import Session

from .events import area_changed
from .models import Area


def publish_district(db: Session, region: str, district: str, *, changed: bool = True) -> None:
    """Publish the district as it is now (raising its version first when it `changed`)."""
    row = db.execute(sa.select(Area).where(Area.region == region, Area.district == district,
                                           Area.mahalla.is_(None))).scalar_one()
    db.flush()
    if changed:
        row.version += 1
    mahallas = sorted((m for m in db.execute(sa.select(Area.mahalla).where(
        Area.region == region, Area.district == district, Area.mahalla.is_not(None))).scalars() if m),
        key=str.casefold)
    add_event(db, area_changed(region, district, mahallas, row.version))


def ensure_district(db: Session, region: str, district: str, mahallas: tuple[str, ...] = ()) -> bool:
    """Add the district (and mahallas) to a region the Area table has, unless there already, and publish it;
    whether anything was added."""
    if db.execute(sa.select(Area.id).where(Area.region == region, Area.district.is_(None))).first() is None:
        db.add(Area(region=region, district=None, mahalla=None))
    known = db.execute(sa.select(Area).where(Area.region == region, Area.district == district,
                                             Area.mahalla.is_(None))).scalar()
    added = known is None
    if added:
        db.add(Area(region=region, district=district, mahalla=None, version=1))
    have = set(db.execute(sa.select(Area.mahalla).where(Area.region == region, Area.district == district,
                                                        Area.mahalla.is_not(None))).scalars())
    for mahalla in mahallas:
        if mahalla not in have:
            db.add(Area(region=region, district=district, mahalla=mahalla))
            added = True
    if added:
        db.flush()
        publish_district(db, region, district, changed=known is not None)
    return added
