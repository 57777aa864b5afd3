"""The analytics API and page on a real server: statistics, keyset pages of history, streamed exports."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from tests.web.test_browser import browser  # noqa: F401  (the Chromium fixture)

from emolens.session import COLUMNS
from emolens.storage import ObservationIn, Store
from live_server import Server, start_server

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
EMOTIONS = ("happy", "happy", "neutral", "sad", "fear")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose database holds 130 observations: an interview (Ada, then nobody) and an exam (Grace)."""
    for server in start_server(tmp_path_factory.mktemp("analytics")):
        store = Store(f"sqlite:///{server.db_path}")
        interview = store.create_session("Interview", "webcam", started_at=T0).id
        exam = store.create_session("Exam", "video", started_at=T0 + timedelta(hours=1)).id
        faces = [
            ObservationIn(
                T0 + timedelta(seconds=30 * i), EMOTIONS[i % 5], 0.8, {"happy": 0.8}, 1, "Ada" if i < 40 else None
            )
            for i in range(80)
        ]
        store.add_observations(interview, faces)
        later = T0 + timedelta(hours=1)
        store.add_observations(
            exam, [ObservationIn(later + timedelta(seconds=i), "sad", 0.6, person="Grace") for i in range(50)]
        )
        store.close()
        yield server


def test_stats_are_counted_with_tables_and_a_timeline_of_shares(seeded: Server) -> None:
    stats = httpx.get(f"{seeded.url}/api/observations/stats", timeout=30).json()
    assert stats["total"] == 130 and stats["counts"]["sad"] == 16 + 50 and stats["counts"]["happy"] == 32
    assert stats["bucket_s"] == 60 and len(stats["timeline"]) == 61  # 09:00 .. 10:00:49 in minutes
    first = stats["timeline"][0]
    assert first["start"] == "2025-03-01T09:00:00+00:00" and first["end"] == "2025-03-01T09:01:00+00:00"
    assert first["counts"]["happy"] == 2 and first["shares"]["happy"] == 1.0 and first["total"] == 2
    assert stats["timeline"][-1]["shares"]["sad"] == 1.0
    people = {r["name"]: r["total"] for r in stats["by_person"]}
    assert people == {"Ada": 40, "Grace": 50, None: 40} and stats["by_person"][-1]["name"] is None
    assert [(r["name"], r["total"]) for r in stats["by_scenario"]] == [("Exam", 50), ("Interview", 80)]
    assert stats["by_scenario"][0]["confidence_score"] == 25.0  # only sad faces: 25 with the default weights
    exam = httpx.get(f"{seeded.url}/api/observations/stats", params={"scenario": "Exam"}, timeout=30).json()
    assert exam["total"] == 50 and exam["bucket_s"] == 1 and len(exam["timeline"]) == 50
    per_person = httpx.get(f"{seeded.url}/api/people/stats", params={"source": "webcam"}, timeout=30).json()
    assert [(r["person"], r["total"]) for r in per_person] == [("Ada", 40), (None, 40)]


def _walk(url: str, **params: object) -> list[list[dict[str, object]]]:
    pages, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = httpx.get(f"{url}/api/observations/page", params=query, timeout=30).json()  # type: ignore[arg-type]
        pages.append(body["items"])
        cursor = body["next"]
        if cursor is None:
            return pages


def test_history_pages_follow_the_cursor(seeded: Server) -> None:
    everything = httpx.get(f"{seeded.url}/api/observations", timeout=30).json()
    newest = _walk(seeded.url, limit=50)
    assert [len(p) for p in newest] == [50, 50, 30]
    assert [o["id"] for p in newest for o in p] == [o["id"] for o in everything][::-1]
    oldest = _walk(seeded.url, limit=60, order="oldest", person="Ada")
    assert [o["id"] for p in oldest for o in p] == [o["id"] for o in everything if o["person"] == "Ada"]


def _token(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


WRONG_CURSORS = [
    "not-a-cursor",
    "e30",  # {}
    "%%%",
    _token({"t": "2025-03-01T09:00:00+00:00", "i": 2**70, "o": "newest"}),
    _token({"t": "2025-03-01T09:00:00", "i": 5, "o": "newest"}),  # no time zone
    _token({"t": "yesterday", "i": 5, "o": "newest"}),
    _token({"t": "2025-03-01T09:00:00+00:00", "i": True, "o": "newest"}),
]


@pytest.mark.parametrize("cursor", WRONG_CURSORS)
def test_a_bad_cursor_is_422(seeded: Server, cursor: str) -> None:
    response = httpx.get(f"{seeded.url}/api/observations/page", params={"cursor": cursor}, timeout=30)
    assert response.status_code == 422 and "bad cursor" in response.json()["detail"]
    assert "`next`" in response.json()["detail"]


def test_a_cursor_of_the_other_order_is_422(seeded: Server) -> None:
    cursor = httpx.get(f"{seeded.url}/api/observations/page", params={"limit": 5}, timeout=30).json()["next"]
    response = httpx.get(f"{seeded.url}/api/observations/page", params={"cursor": cursor, "order": "oldest"})
    assert response.status_code == 422 and "'newest' order, not 'oldest'" in response.json()["detail"]


def test_exports_stream_every_row_with_the_one_row_model(seeded: Server) -> None:
    with httpx.stream("GET", f"{seeded.url}/api/observations/export", params={"format": "csv"}, timeout=30) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        table = list(csv.DictReader(io.StringIO(r.read().decode())))
    assert len(table) == 130 and list(table[0]) == list(COLUMNS)
    assert [row["timestamp"] for row in table] == sorted(row["timestamp"] for row in table)
    assert table[0]["person"] == "Ada" and table[-1]["scenario"] == "Exam" and table[0]["p_happy"] == "0.8"
    params = {"format": "jsonl", "person": "Grace", "limit": 7}
    lines = httpx.get(f"{seeded.url}/api/observations/export", params=params, timeout=30).text.splitlines()
    assert [json.loads(line)["person"] for line in lines] == ["Grace"] * 7
    assert list(json.loads(lines[0])) == list(COLUMNS)


@pytest.mark.browser
def test_the_analytics_page_draws_shares_tables_and_pages(browser: object, seeded: Server) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 1400})  # type: ignore[attr-defined]
    page.goto(f"{seeded.url}/analytics")
    page.wait_for_function("document.getElementById('rows').children.length === 50", timeout=30_000)
    assert "130 observations" in page.inner_text('[data-testid="total"]')
    assert page.locator('[data-testid="timeline"] g[data-start]').count() == 61
    assert page.locator('[data-testid="timeline"] rect[data-emotion="sad"]').count() > 0
    assert "per 1 min" in page.inner_text("#bucket")
    legend = page.inner_text('[data-testid="timeline-legend"]')
    assert all(e in legend for e in ("happy", "neutral", "sad", "fear")) and "angry" not in legend
    assert "nobody enrolled" in page.inner_text('[data-testid="by-person"]')
    assert "Exam" in page.inner_text('[data-testid="by-scenario"]')
    if os.environ.get("EMOLENS_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["EMOLENS_SCREENSHOTS"]) / "analytics.png"), full_page=True)
    page.click('[data-testid="older"]')
    page.wait_for_function("document.getElementById('rows').children.length === 100", timeout=30_000)
    page.click('[data-testid="older"]')
    page.wait_for_function("document.getElementById('rows').children.length === 130", timeout=30_000)
    assert page.locator('[data-testid="older"]').is_hidden()
