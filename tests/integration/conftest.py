"""Makes tests/fixtures importable and exposes its pytest fixtures to every integration test."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))

from samsa_fixture import broker, broker_factory, module_broker  # noqa: E402,F401


def pytest_configure(config):
    config.addinivalue_line("markers", "broker_overrides(dict): extra --override settings for "
                                       "the per-test broker fixture")


@pytest.fixture(autouse=True)
def _shared_broker_still_alive(request):
    """A broker shared by a module that crashed in an earlier test fails the rest at once instead
    of letting each one wait out its client timeouts."""
    if "module_broker" in request.fixturenames:
        b = request.getfixturevalue("module_broker")
        if not b.alive():
            code = b.proc.returncode if b.proc else b.last_exit_code
            pytest.fail(f"shared broker is not running (exit code {code}); log {b.log_path}:\n"
                        f"{b.log_tail(30)}")
