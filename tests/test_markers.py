"""Every test that needs the real engine carries the engine marker: `-m engine` selects them all (CI runs those
under the shared lock), and `-m "not engine"` runs without the engine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent

COLLECT = """
import json, sys
import pytest

class Report:
    unmarked = []
    def pytest_collection_modifyitems(self, items):
        self.unmarked = [item.nodeid for item in items
                         if "built_engine" in item.fixturenames and item.get_closest_marker("engine") is None]

report = Report()
code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", *sys.argv[1:]], plugins=[report])
print("UNMARKED=" + json.dumps(report.unmarked))
sys.exit(int(code))
"""


def unmarked_engine_tests(*paths: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", COLLECT, *paths], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads(done.stdout.rsplit("UNMARKED=", 1)[1])


def test_every_test_using_the_engine_is_marked_engine():
    assert unmarked_engine_tests("tests") == []
