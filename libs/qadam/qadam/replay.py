"""Return parked messages from `<service>.dead` to `<service>.incoming` once their cause is fixed."""

from __future__ import annotations

from .bus import connect
from .topology import Topology, incoming_queue, parking_queue


def replay_parked(*, service: str, amqp_url: str, topology: Topology | None = None, limit: int | None = None) -> int:
    """Move up to `limit` of `service`'s parked messages back to its queue (each confirmed before it leaves the
    parking queue); `topology`, if given, is declared first (the queues may not exist yet on a fresh broker).
    Returns how many moved."""
    conn = connect(amqp_url, name=f"{service}-replay")
    try:
        channel = conn.channel()
        if topology is not None:
            topology.declare(channel)
        channel.confirm_delivery()
        moved = 0
        # What still fails goes back to the parking queue: take only what was there at the start.
        parked = int(channel.queue_declare(parking_queue(service), passive=True).method.message_count)
        limit = parked if limit is None else min(limit, parked)
        while moved < limit:
            method, properties, body = channel.basic_get(parking_queue(service), auto_ack=False)
            if method is None:
                break
            headers = dict(properties.headers or {})
            headers["x-replayed"] = int(headers.get("x-replayed", 0)) + 1
            properties.headers = headers
            channel.basic_publish("", incoming_queue(service), body, properties=properties, mandatory=True)
            channel.basic_ack(method.delivery_tag)
            moved += 1
        return moved
    finally:
        conn.close()
