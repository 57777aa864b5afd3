"""The people revision across processes on one database (SQLite file and PostgreSQL): a change made by another
process is seen by the next check, and a Heartbeat's beat reloads what it guards."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from emolens.storage import PEOPLE, EnrolledFace, Heartbeat, RevisionWatch, Store

ROOT = Path(__file__).resolve().parents[2]
_OTHER_PROCESS = """
import sys
import numpy as np
from emolens.storage import EnrolledFace, Store
store = Store(sys.argv[1])
if sys.argv[2] == "add":
    store.people.add(sys.argv[3], [EnrolledFace(np.full(4, 0.5, np.float32), "test-model", sys.argv[3] * 8)])
else:
    store.people.remove(sys.argv[3])
store.close()
"""


def _in_another_process(db_url: str, action: str, name: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    subprocess.run([sys.executable, "-c", _OTHER_PROCESS, db_url, action, name], check=True, env=env, timeout=120)


def test_a_change_by_another_process_reloads_the_copy_here(store: Store, db_url: str) -> None:
    copies: list[list[str]] = []
    watch = RevisionWatch(store.revisions, PEOPLE, lambda: copies.append([p.name for p in store.people.list()]))
    assert not watch.check() and copies == []
    _in_another_process(db_url, "add", "Ada")
    _in_another_process(db_url, "add", "Grace")
    assert watch.check() and copies == [["Ada", "Grace"]] and watch.seen == 2
    assert not watch.check() and len(copies) == 1  # nothing moved since
    _in_another_process(db_url, "remove", "Ada")
    heartbeat = Heartbeat(store, "server", watches=[watch])
    store.register_owner("server")
    heartbeat.beat()
    assert copies[-1] == ["Grace"] and store.revisions.current(PEOPLE) == 3


def test_a_failed_reload_is_tried_again_and_never_stops_the_beats(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    def reload() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("the first reload fails")

    watch = RevisionWatch(store.revisions, PEOPLE, reload)
    store.people.add("Ada", [EnrolledFace([1.0, 2.0], "m", "a" * 64)])  # type: ignore[arg-type]
    with pytest.raises(OSError, match="first reload"):
        watch.check()
    assert watch.seen == 0
    store.register_owner("server")
    heartbeat = Heartbeat(store, "server", watches=[watch])
    store.people.add("Grace", [EnrolledFace([2.0, 1.0], "m", "b" * 64)])  # type: ignore[arg-type]
    calls.clear()
    heartbeat.beat()  # the first reload fails again: logged, and the beat goes on
    assert "reloading people failed" in caplog.text and watch.seen == 0
    heartbeat.beat()
    assert len(calls) == 2 and watch.seen == 2
