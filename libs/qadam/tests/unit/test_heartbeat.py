"""A worker loop's heartbeat is its stop event: every look at it is a beat, a wait announces its silence (no I/O; a
clock of the test's own)."""

from __future__ import annotations

import threading

from qadam.heartbeat import Heartbeats


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def loops(grace: float = 10.0) -> tuple[Heartbeats, Clock, threading.Event]:
    clock, stop = Clock(), threading.Event()
    return Heartbeats(stop, grace_seconds=grace, clock=clock), clock, stop


def test_a_loop_that_keeps_looking_at_its_stop_event_beats_and_one_that_stops_looking_is_hung():
    beats, clock, _ = loops(grace=10)
    turning, stuck = beats.heartbeat("relay"), beats.heartbeat("consumer")
    for _ in range(5):
        clock.now += 4
        assert not turning.is_set()  # each turn of `while not stop.is_set()`
    assert beats.hung() == ["consumer"]
    [relay, consumer] = beats.states()
    assert relay.beating and relay.silent_seconds == 0
    assert not consumer.beating and consumer.silent_seconds == 20
    stuck.is_set()  # it came back
    assert beats.hung() == []


def test_a_wait_announces_its_length_so_a_long_pause_between_rounds_is_not_a_hang():
    beats, clock, stop = loops(grace=10)
    scanning = beats.heartbeat("orders")
    clock.now += 5
    scanning.beat(3600)  # what `stop.wait(3600)` records before it waits
    clock.now += 3000
    assert beats.hung() == []
    clock.now += 700  # past the hour and the grace: it never came back from that wait
    assert beats.hung() == ["orders"]


def test_the_heartbeat_is_the_workers_stop_event_and_waiting_on_it_returns_when_the_worker_stops():
    beats, _, stop = loops()
    relay = beats.heartbeat("relay")
    assert relay.wait(0) is False and not relay.is_set()
    relay.set()  # a loop that stops the worker stops them all
    assert stop.is_set() and beats.heartbeat("consumer").wait(5) is True


def test_a_loop_whose_thread_ended_while_the_worker_runs_is_gone():
    beats, _, stop = loops()
    beats.heartbeat("dispatcher")
    ended = threading.Thread(target=lambda: None)
    ended.start()
    ended.join()
    beats.runs_in("dispatcher", ended)
    assert beats.hung() == ["dispatcher"] and beats.states()[0].alive is False
    stop.set()  # stopping: loops that returned are not hung
    assert beats.hung() == []
