"""The working-day overrides are reread at most once a minute per process, one thread at a time."""

from __future__ import annotations

import threading

import pytest

from adapters.calendar.overrides import REFRESH_SECONDS, Refresher


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Loads:
    """Counts the reads; fails while ``failing`` is set."""

    def __init__(self):
        self.count = 0
        self.failing = False

    def __call__(self) -> None:
        self.count += 1
        if self.failing:
            raise RuntimeError("database unreachable")


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def loads():
    return Loads()


@pytest.fixture
def refresher(loads, clock):
    return Refresher(loads, now=clock)


def test_the_interval_is_a_minute():
    assert REFRESH_SECONDS == 60


def test_a_process_that_never_read_the_overrides_reads_them_on_its_first_request(refresher, loads):
    assert refresher.refresh_if_stale() is True
    assert loads.count == 1


def test_requests_within_the_interval_do_not_read_again(refresher, loads, clock):
    refresher.load_now()
    for _ in range(100):
        clock.now += 0.5
        assert refresher.refresh_if_stale() is False
    assert loads.count == 1


def test_the_first_request_after_the_interval_reads_again(refresher, loads, clock):
    refresher.load_now()
    clock.now += REFRESH_SECONDS - 0.001
    assert refresher.refresh_if_stale() is False
    clock.now += 0.001
    assert refresher.refresh_if_stale() is True
    assert refresher.refresh_if_stale() is False
    assert loads.count == 2


def test_loading_after_a_change_starts_the_interval_again(refresher, loads, clock):
    refresher.load_now()
    clock.now += REFRESH_SECONDS - 1
    refresher.load_now()  # this process saved a change
    clock.now += REFRESH_SECONDS - 1
    assert refresher.refresh_if_stale() is False
    assert loads.count == 2


def test_the_interval_counts_from_the_start_of_the_read(loads, clock):
    """A change committed while a slow read ran is not missed for a further minute."""

    def slow_load():
        loads()
        clock.now += 5

    refresher = Refresher(slow_load, now=clock)
    refresher.load_now()
    clock.now += REFRESH_SECONDS - 5
    assert refresher.refresh_if_stale() is True


def test_a_failed_refresh_is_logged_and_retried_after_the_interval(refresher, loads, clock, caplog):
    refresher.load_now()
    clock.now += REFRESH_SECONDS
    loads.failing = True
    assert refresher.refresh_if_stale() is True  # no exception reaches the request
    assert "could not reread the working-day overrides" in caplog.text
    clock.now += 1
    assert refresher.refresh_if_stale() is False  # a database that is down is not asked on every request
    loads.failing = False
    clock.now += REFRESH_SECONDS
    assert refresher.refresh_if_stale() is True
    assert loads.count == 3


def test_a_failed_load_after_a_change_reaches_the_caller(refresher, loads):
    loads.failing = True
    with pytest.raises(RuntimeError):
        refresher.load_now()


def test_one_thread_reads_while_the_others_go_on(clock):
    started, release = threading.Event(), threading.Event()
    count = []

    def blocking_load():
        count.append(1)
        started.set()
        release.wait(5)

    refresher = Refresher(blocking_load, now=clock)
    reader = threading.Thread(target=refresher.refresh_if_stale)
    reader.start()
    assert started.wait(5)
    # The other requests do not wait for the read, nor start one of their own.
    assert [refresher.refresh_if_stale() for _ in range(3)] == [False] * 3
    release.set()
    reader.join(5)
    assert count == [1]
