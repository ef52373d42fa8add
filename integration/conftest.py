"""pytest fixtures for the wsedge end-to-end tests (see wsedge_harness.py)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import wsedge_harness as h  # noqa: E402


@pytest.fixture
def env(tmp_path):
    """A fresh world per test; at teardown wsedge must exit 0 on SIGTERM."""
    e = h.Env(tmp_path)
    yield e
    errors = e.close()
    if errors:
        pytest.fail("\n".join(errors), pytrace=False)


@pytest.fixture
def echo_proxy(env):
    """wsedge in front of one Python echo backend: (env, proxy, backend)."""
    b = env.echo_backend()
    return env, env.proxy([b]), b


@pytest.fixture(scope="session")
def node_available():
    if not h.ensure_node_modules():
        pytest.skip("node or integration/node_modules (npm ci in integration/) unavailable")
    return True
