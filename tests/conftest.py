"""Shared fixtures: real servers on loopback, real databases in tmp_path."""

pytest_plugins = [
    "tests.fixtures.databases",
    "tests.fixtures.http_server",
    "tests.fixtures.loopback_only",
    "tests.fixtures.receivers",
    "tests.fixtures.story",
]
