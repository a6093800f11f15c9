"""The daemon (`monitor run`), one file per concern:

    lifecycle.py     `Daemon.run`: start, signals, systemd READY/STOPPING, stop; `run_daemon`
    base.py          the state every part shares (`DaemonBase`), the lease timings
    queue.py         `FeedQueue`: every feed's next poll time in a heap
    polls.py         feeds scheduled in the queue and polled when due, within the limits
    reload.py        SIGHUP and file changes: reload, keep the last good configuration
    housekeeping.py  delivery jobs, heartbeats, the state file, STATUS=, the event sink

`lifecycle.py`'s docstring describes the daemon's behaviour as a whole.
"""

from monitor.daemon.base import LEASE_BEAT_S, LEASE_TTL
from monitor.daemon.lifecycle import Daemon, run_daemon
from monitor.daemon.queue import FeedQueue

__all__ = ["LEASE_BEAT_S", "LEASE_TTL", "Daemon", "FeedQueue", "run_daemon"]
