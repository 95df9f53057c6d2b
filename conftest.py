"""Root conftest: the namespace plugin, and ``--full`` for the slow suites."""

from __future__ import annotations

import pytest

pytest_plugins = ["refimpl.testing.pytest_plugin"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full",
        action="store_true",
        default=False,
        help="also run tests marked slow (long rate fits, full validation configs)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--full") or config.getoption("-m"):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


def pytest_report_header(config: pytest.Config) -> str:
    from refimpl.testing.pytest_plugin import requested_namespaces

    full = config.getoption("--full")
    mode = "full (slow tests included)" if full else "default (slow excluded; --full adds them)"
    return f"refimpl: namespaces {requested_namespaces()}; suite {mode}"
