"""The daemon: `monitor run` (see `lifecycle`)."""

from monitor.daemon.base import LEASE_BEAT_S, LEASE_TTL
from monitor.daemon.lifecycle import Daemon, run_daemon
from monitor.daemon.queue import FeedQueue

__all__ = ["LEASE_BEAT_S", "LEASE_TTL", "Daemon", "FeedQueue", "run_daemon"]
