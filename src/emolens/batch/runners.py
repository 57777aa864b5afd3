"""Where units run: local processes (the default) or the actors of a Ray cluster; each worker holds one Analyzer."""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Protocol

from emolens.batch.plan import BatchOptions, Unit
from emolens.batch.work import UnitResult, UnitWorker
from emolens.errors import ConfigError, EmolensError, SourceError
from emolens.vision.recognize import Gallery

__all__ = ["LocalRunner", "RayRunner", "Runner"]


class Runner(Protocol):
    """Runs units on its workers and yields each result as soon as it is ready (in any order)."""

    workers: int

    def run(self, units: list[Unit]) -> Iterator[UnitResult]: ...


_worker: UnitWorker | EmolensError | None = None


def _start_worker(options: BatchOptions, gallery: Gallery | None) -> None:
    global _worker
    try:
        _worker = UnitWorker(options, gallery)
    except EmolensError as exc:  # raised again with the first unit, where the parent sees its message
        _worker = exc


def _run_unit(unit: Unit) -> UnitResult:
    if isinstance(_worker, EmolensError):
        raise _worker
    assert _worker is not None, "the process pool's initializer makes the worker"
    return _worker.run(unit)


class LocalRunner:
    """``workers`` processes on this machine (one: this process itself, no start-up cost)."""

    def __init__(self, options: BatchOptions, gallery: Gallery | None = None, workers: int = 1):
        if workers < 1:
            raise ConfigError(f"workers must be >= 1, got {workers}")
        self.options, self.gallery, self.workers = options, gallery, workers

    def run(self, units: list[Unit]) -> Iterator[UnitResult]:
        if not units:
            return
        if self.workers == 1:
            worker = UnitWorker(self.options, self.gallery)
            yield from (worker.run(unit) for unit in units)
            return
        context = multiprocessing.get_context("spawn")  # fork would copy MediaPipe's and ORT's threads' state
        with ProcessPoolExecutor(
            min(self.workers, len(units)), context, initializer=_start_worker, initargs=(self.options, self.gallery)
        ) as pool:
            futures = [pool.submit(_run_unit, unit) for unit in units]
            try:
                for future in as_completed(futures):
                    yield future.result()
            finally:
                for future in futures:
                    future.cancel()


class RayRunner:
    """Ray actors, one Analyzer each, on the cluster at ``address`` ("auto": the one this machine belongs to).

    ``workers`` actors of one CPU each (default and most: one per CPU of the cluster). Every node must hold emolens
    (``pip install 'emolens[cluster]'``) and see the input files at the same paths; results come back to
    this process, which alone writes the output folder.
    """

    def __init__(self, options: BatchOptions, gallery: Gallery | None, address: str, workers: int | None = None):
        try:
            import ray
        except ImportError as exc:
            raise ConfigError(f"--ray needs Ray: pip install 'emolens[cluster]' ({exc})") from exc
        self._ray: Any = ray
        if not ray.is_initialized():
            try:
                ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
            except (ConnectionError, RuntimeError) as exc:
                raise SourceError(
                    f"cannot join the Ray cluster at {address!r} ({exc}); start one with `ray start --head` "
                    "or give its head's HOST:PORT"
                ) from exc
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = min(workers, cpus) if workers else max(1, cpus)
        self.options, self.gallery = options, gallery

    def run(self, units: list[Unit]) -> Iterator[UnitResult]:
        """Two units in flight per actor, so none waits for the round trip of its next unit."""
        ray = self._ray
        actor = ray.remote(num_cpus=1)(UnitWorker)
        actors = [actor.remote(self.options, self.gallery) for _ in range(min(self.workers, len(units)))]
        queue = iter(units)
        pending: dict[Any, Any] = {}

        def submit(worker: Any) -> None:
            unit = next(queue, None)
            if unit is not None:
                pending[worker.run.remote(unit)] = worker

        try:
            for worker in actors * 2:
                submit(worker)
            while pending:
                [ready], _ = ray.wait(list(pending), num_returns=1)
                submit(pending.pop(ready))
                yield ray.get(ready)
        finally:
            for worker in actors:
                ray.kill(worker)
