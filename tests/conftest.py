"""Shared fixtures: real servers on loopback, real databases in tmp_path."""

pytest_plugins = [
    "tests.fixtures.http_server",
    "tests.fixtures.receivers",
    "tests.fixtures.story",
]
