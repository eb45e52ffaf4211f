"""``govcore worker``: the one process that runs timers and recurring jobs in "worker" mode."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING, Any

from adapters.scheduler.apscheduler_adapter import ApScheduler
from govcore.errors import ConfigurationError

if TYPE_CHECKING:  # pragma: no cover
    from govcore.platform import Platform

# Wait for the stop signal in slices: on some platforms an untimed wait is not interrupted by
# Ctrl+C, and the signal handler only runs between Python instructions of the main thread.
WAIT_SLICE_SECONDS = 1.0

log = logging.getLogger(__name__)


def run_worker(platform: Platform, stop_event: threading.Event | None = None) -> None:
    """Run the platform's jobs until SIGTERM or SIGINT (or ``stop_event``), then stop cleanly.

    ``stop_event`` lets a caller in another thread (a test, a service wrapper) stop the worker.
    Signal handlers can only be installed from the main thread; elsewhere only ``stop_event``
    stops it. Jobs under way are allowed to finish before this returns.
    """
    scheduler = platform.scheduler
    if not isinstance(scheduler, ApScheduler):
        raise ConfigurationError(
            "govcore worker 需要 APScheduler 调度器", "govcore worker needs the APScheduler scheduler adapter"
        )
    stop = stop_event or threading.Event()
    previous_handlers = _install_signal_handlers(stop)
    try:
        scheduler.start(as_worker=True)
        log.info("worker started for %s: %s", platform.county.name, scheduler.status().detail)
        while not stop.wait(WAIT_SLICE_SECONDS):
            pass
        log.info("worker stopping; waiting for running jobs to finish")
    finally:
        scheduler.shutdown()
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler)
    log.info("worker stopped")


def _install_signal_handlers(stop: threading.Event) -> dict[int, Any]:
    """Turn SIGTERM (service manager) and SIGINT (Ctrl+C) into ``stop``; return what they replaced."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s", signal.Signals(signum).name)
        stop.set()

    return {signum: signal.signal(signum, request_stop) for signum in (signal.SIGTERM, signal.SIGINT)}
