"""The latest recording wins: what a consumer keeps when the same thing (a session's mark, a roster entry) reaches it
recorded more than once, by redelivery, replay or correction, in any order.

Written once, for Python values and for SQL columns alike (an upsert's `WHERE` keeps the row a later recording
would replace), so the batch a handler folds in memory and the row it writes follow one rule.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

Recording = TypeVar("Recording")


@overload
def supersedes(recorded_at: datetime, kept_recorded_at: datetime) -> bool: ...
@overload
def supersedes(recorded_at: ColumnElement[Any], kept_recorded_at: Any) -> ColumnElement[bool]: ...
def supersedes(recorded_at: Any, kept_recorded_at: Any) -> Any:
    """Whether a recording made at `recorded_at` replaces the one kept: unless it was made before it (one made at the
    same moment arrived later, so it wins too)."""
    return recorded_at >= kept_recorded_at


def latest_of(recordings: Iterable[Recording], *, key: Callable[[Recording], Hashable],
              at: Callable[[Recording], datetime]) -> dict[Hashable, Recording]:
    """{key: its latest recording} (`supersedes`: of two made at the same moment, the one that comes later)."""
    latest: dict[Hashable, Recording] = {}
    for recording in recordings:
        k = key(recording)
        if k not in latest or supersedes(at(recording), at(latest[k])):
            latest[k] = recording
    return latest
