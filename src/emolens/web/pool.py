"""A fixed pool of Analyzers shared by live sessions and uploads; frames run in worker threads."""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import TypeVar

from anyio import to_thread

from emolens.vision.pipeline import Analyzer

__all__ = ["AnalyzerPool"]

T = TypeVar("T")


class AnalyzerPool:
    """``size`` analyzers, each used by one thread at a time (the face detector is not thread-safe)."""

    def __init__(self, size: int, factory: Callable[[], Analyzer]):
        self._free: queue.Queue[Analyzer] = queue.Queue()
        analyzers = [factory() for _ in range(size)]
        for analyzer in analyzers:
            self._free.put(analyzer)
        self.size = size
        self.labels = analyzers[0].labels

    def _with_analyzer(self, job: Callable[[Analyzer], T]) -> T:
        analyzer = self._free.get()
        try:
            return job(analyzer)
        finally:
            self._free.put(analyzer)

    async def run(self, job: Callable[[Analyzer], T]) -> T:
        """Run ``job(analyzer)`` in a worker thread once an analyzer is free."""
        return await to_thread.run_sync(self._with_analyzer, job)

    def run_sync(self, job: Callable[[Analyzer], T]) -> T:
        """Run ``job(analyzer)`` in this thread (for generators such as the kiosk stream)."""
        return self._with_analyzer(job)
