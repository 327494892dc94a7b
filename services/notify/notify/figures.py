"""Figures for programme managers: how fast alerts reached the people responsible, and how fast they answered."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

FIGURES = sa.text("""
WITH first_message AS (
    SELECT notification_id, min(sent_at) AS sent_at
    FROM delivery WHERE status = 'sent' AND purpose = 'alert' AND notification_id IS NOT NULL
    GROUP BY notification_id
), alert AS (
    SELECT n.district, n.level, n.acknowledged_at, n.escalated_at, n.created_at,
           EXTRACT(EPOCH FROM n.created_at - n.event_at) AS to_in_app,
           EXTRACT(EPOCH FROM m.sent_at - n.event_at) AS to_message,
           EXTRACT(EPOCH FROM n.acknowledged_at - n.created_at) AS to_ack,  -- from the in-app inbox, its first delivery
           n.flag_id,
           m.sent_at IS NOT NULL AS messaged,
           EXISTS (SELECT 1 FROM notification e WHERE e.escalates_id = n.id) AS escalated
    FROM notification n LEFT JOIN first_message m ON m.notification_id = n.id
    WHERE n.kind = 'alert' AND n.region = :region AND n.created_at >= :start AND n.created_at < :end
)
SELECT district, level, count(*) AS alerts, count(DISTINCT flag_id) AS flags,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_in_app) AS in_app_p50_s,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY to_in_app) AS in_app_p90_s,
       count(*) FILTER (WHERE messaged) AS messaged,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_message) AS message_p50_s,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY to_message) AS message_p90_s,
       count(acknowledged_at) AS acknowledged,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_ack) AS ack_p50_s,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY to_ack) AS ack_p90_s,
       count(*) FILTER (WHERE escalated) AS escalated
FROM alert GROUP BY district, level
ORDER BY district, array_position(ARRAY['critical', 'high', 'medium', 'low'], level)
""")


def alert_figures(s: Session, region: str, since: date, until: date, zone: tzinfo,
                  min_cell: int) -> list[dict[str, Any]]:
    """One row per district and level of the region, for alerts to the people responsible (not escalations, not the
    notices to her support worker) created on the local days since..until. A row of fewer than `min_cell` alerts
    shows no figure (DOMAIN.md: small cells suppressed)."""
    start = datetime.combine(since, time(0), tzinfo=zone)
    end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=zone)
    rows = s.execute(FIGURES, {"region": region, "start": start, "end": end}).mappings().all()
    out = []
    for r in rows:
        row = {k: (round(float(v), 3) if k.endswith("_s") and v is not None else v) for k, v in r.items()}
        row["suppressed"] = row["alerts"] < min_cell
        if row["suppressed"]:
            row = {k: (v if k in ("district", "level", "suppressed") else None) for k, v in row.items()}
        out.append(row)
    return out
