"""The heartbeats of a worker's loops: a loop that stops coming back is hung, and the worker's /healthz names it.

A loop beats whenever it looks at its stop event: at each turn of `while not stop.is_set()` and at each
`stop.wait(t)`. Every loop of a worker already does so at least once a turn (that is how SIGTERM reaches it), so no
loop has to remember to beat, and a loop stuck in a handler, on a lock or in a call that never returns stops
beating. `stop.wait(t)` announces a silence of `t` seconds; a loop is hung once it has been silent for longer than
it announced plus the worker's grace (QADAM_WORKER_HANG_SECONDS).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class Heartbeat(threading.Event):
    """The worker's stop event as one loop sees it: setting it or waiting on it is setting or waiting on the shared
    one; each look at it is a beat of this loop."""

    def __init__(self, loop: str, stop: threading.Event, *, grace_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()  # its own flag is never used: every call goes to `stop`
        self.loop = loop
        self.shared = stop
        self.grace_seconds = grace_seconds
        self.clock = clock
        self.last_beat = clock()
        self.hung_after = self.last_beat + grace_seconds

    def beat(self, silence_seconds: float = 0.0) -> None:
        """The loop is here now, and will be back within `silence_seconds` (plus the grace)."""
        now = self.clock()
        self.last_beat = now
        self.hung_after = now + silence_seconds + self.grace_seconds

    def is_set(self) -> bool:
        self.beat()
        return self.shared.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        self.beat(math.inf if timeout is None else timeout)
        try:
            return self.shared.wait(timeout)
        finally:
            self.beat()

    def set(self) -> None:
        self.shared.set()

    def clear(self) -> None:
        self.shared.clear()

    def silent_seconds(self) -> float:
        return max(0.0, self.clock() - self.last_beat)

    def hung(self) -> bool:
        return self.clock() > self.hung_after


@dataclass(frozen=True)
class LoopState:
    loop: str
    beating: bool  # beat within what it announced, and its thread is alive
    silent_seconds: float
    alive: bool  # its thread is running


class Heartbeats:
    """The loops of one worker process, each with its heartbeat and its thread."""

    def __init__(self, stop: threading.Event, *, grace_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stop = stop
        self.grace_seconds = grace_seconds
        self.clock = clock
        self._loops: dict[str, tuple[Heartbeat, threading.Thread | None]] = {}

    def heartbeat(self, loop: str) -> Heartbeat:
        """The stop event to hand to `loop` (its beats are read from it)."""
        beat = Heartbeat(loop, self.stop, grace_seconds=self.grace_seconds, clock=self.clock)
        self._loops[loop] = (beat, None)
        return beat

    def heartbeat_of(self, loop: str) -> Heartbeat:
        return self._loops[loop][0]

    def runs_in(self, loop: str, thread: threading.Thread) -> None:
        self._loops[loop] = (self._loops[loop][0], thread)

    def states(self) -> list[LoopState]:
        out = []
        for loop, (beat, thread) in self._loops.items():
            alive = thread is None or thread.is_alive()
            # a loop that returned while the worker goes on is as gone as a hung one
            beating = (alive or self.stop.is_set()) and not beat.hung()
            out.append(LoopState(loop, beating, round(beat.silent_seconds(), 3), alive))
        return out

    def hung(self) -> list[str]:
        return [s.loop for s in self.states() if not s.beating]
