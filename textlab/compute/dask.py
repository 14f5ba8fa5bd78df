"""Dask for textlab: a client from a ``[compute]`` spec, an ordered task map, parallel fits, tree sums.

Imported only when a study asks for ``scheduler = "dask"`` (``pip install textlab[dask]``).

Everything sent to the workers is one of the functions a one-process run calls (picklable,
seeded by its task), and results are put back in input order, so a cluster changes where the
work runs, never the numbers.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import reduce
from typing import Any

from textlab._errors import ConfigError
from textlab.compute.spec import JOBQUEUE_KINDS, ClusterSpec, cluster_spec

__all__ = ["open_client", "make_cluster", "map_ordered", "run_fits", "tree_reduce", "worker_memory", "warm_up",
           "ITEMS_PER_TASK"]

#: Seconds to wait for the first worker of a jobqueue cluster (batch jobs may queue).
WAIT_FOR_WORKERS = 600


def _import_distributed():
    try:
        import distributed
    except ImportError:  # pragma: no cover - the extra is installed in CI
        raise ConfigError("[compute] scheduler = \"dask\" needs Dask: pip install 'textlab[dask]' "
                          "(dask, distributed, dask-jobqueue)") from None
    return distributed


def make_cluster(spec: ClusterSpec | dict) -> Any:
    """The cluster object a spec starts (``LocalCluster`` or a ``dask_jobqueue`` cluster); ``None`` for an address.

    ``n_workers`` starts worker *processes* with one thread each (textlab's tasks are Python
    and hold the GIL). A jobqueue spec passes its keys, except ``kind`` and ``jobs``, to the
    ``dask_jobqueue`` class and submits ``jobs`` batch jobs.
    """
    spec = cluster_spec(spec)
    distributed = _import_distributed()
    if spec.address is not None:
        return None
    if spec.n_workers is not None:
        return distributed.LocalCluster(n_workers=spec.n_workers, threads_per_worker=1, processes=True,
                                        dashboard_address=":0")  # a free port: never "8787 already in use"
    try:
        import dask_jobqueue
    except ImportError:  # pragma: no cover
        raise ConfigError("[compute] jobqueue needs dask-jobqueue: pip install 'textlab[dask]'") from None
    options = {k: v for k, v in spec.jobqueue.items() if k not in ("kind", "jobs")}
    cls = getattr(dask_jobqueue, JOBQUEUE_KINDS[spec.jobqueue["kind"]])
    try:
        cluster = cls(**options)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[compute] jobqueue = {spec.jobqueue!r} is not allowed: {exc}") from None
    cluster.scale(jobs=int(spec.jobqueue.get("jobs", 1)))
    return cluster


@contextmanager
def open_client(spec: ClusterSpec | dict) -> Iterator[Any]:
    """A ``distributed.Client`` for the spec, closed (with any cluster it started) on exit.

    Examples
    --------
    >>> with open_client({"scheduler": "dask", "n_workers": 1}) as client:  # doctest: +SKIP
    ...     client.submit(sum, [1, 2]).result()
    3
    """
    spec = cluster_spec(spec)
    distributed = _import_distributed()
    cluster = make_cluster(spec)
    try:
        try:
            client = distributed.Client(spec.address if cluster is None else cluster, timeout="30s")
        except OSError as exc:
            raise ConfigError(f"[compute] address = {spec.address!r}: no Dask scheduler answered ({exc}); start "
                              "one with `dask scheduler` or fix the address") from None
        try:
            if spec.jobqueue:
                client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS)
            yield client
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


def _threads(client: Any) -> int:
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:  # noqa: BLE001 - a scheduler still starting: assume a few
        return 4


#: Items of :func:`map_ordered` sent to a worker in one task (fewer, larger tasks: less scheduling overhead).
ITEMS_PER_TASK = 8


def _apply(fn: Callable[[Any], Any], items: list) -> list:
    os.environ["TEXTLAB_PROGRESS"] = "0"  # workers never draw bars
    return [fn(item) for item in items]


def _batches(items: Iterable[tuple[Any, Any]], size: int) -> Iterator[tuple[list, list]]:
    payloads: list = []
    batch: list = []
    for payload, item in items:
        payloads.append(payload)
        batch.append(item)
        if len(batch) == size:
            yield payloads, batch
            payloads, batch = [], []
    if batch:
        yield payloads, batch


def map_ordered(client: Any, fn: Callable[[Any], Any], items: Iterable[tuple[Any, Any]], *,
                in_flight: int | None = None, items_per_task: int = ITEMS_PER_TASK) -> Iterator[tuple[Any, Any]]:
    """Yield ``(payload, fn(item))`` for ``(payload, item)`` pairs, in input order, computed on the workers.

    ``fn`` is sent to the workers once; items travel ``items_per_task`` to a task, and at
    most ``in_flight`` tasks (default twice the workers' threads) are on the cluster at a
    time, so the driver's memory stays bounded. A task's exception is raised here, and the
    tasks still pending are cancelled.

    Examples
    --------
    >>> with open_client({"scheduler": "dask", "n_workers": 1}) as client:  # doctest: +SKIP
    ...     list(map_ordered(client, len, [("a", "xy"), ("b", "z")]))
    [('a', 2), ('b', 1)]
    """
    from uuid import uuid4

    limit = in_flight or 2 * _threads(client)
    [fn_future] = client.scatter([fn], broadcast=True, hash=False)
    name = f"textlab-{getattr(fn, '__name__', type(fn).__name__)}"  # task keys name the work (dashboard, tests)
    pending: deque[tuple[list, Any]] = deque()
    try:
        for payloads, batch in _batches(items, max(1, int(items_per_task))):
            pending.append((payloads, client.submit(_apply, fn_future, batch, key=f"{name}-{uuid4().hex}")))
            if len(pending) >= limit:
                done, future = pending.popleft()
                yield from zip(done, future.result(), strict=True)
        while pending:
            done, future = pending.popleft()
            yield from zip(done, future.result(), strict=True)
    finally:
        for _, future in pending:
            future.cancel()
        fn_future.release()


def warm_up(client: Any) -> None:
    """Import textlab's preparation and topic modules on every worker (once; keeps it out of the first task)."""

    def load() -> None:
        import textlab.analysis.topics._engine  # noqa: F401
        import textlab.preprocessing.pipeline  # noqa: F401

    client.run(load)


def _fit(words: Any, task: dict) -> dict:
    from textlab.analysis.topics._engine import fit_tomotopy

    os.environ["TEXTLAB_PROGRESS"] = "0"
    return fit_tomotopy(words, task)  # plain arrays; the model object is not kept


def run_fits(client: Any, words: Any, tasks: Sequence[dict], *, desc: str = "LDA fits") -> list[dict]:
    """``fit_tomotopy(words, task)`` for every task on the workers, results in task order.

    The encoded corpus is sent to every worker once; each fit is single-threaded and seeded by
    its task, so the results equal a serial run. Largest K first, for a balanced end.
    """
    from distributed import as_completed

    from textlab._progress import progress

    [shared] = client.scatter([words], broadcast=True, hash=False)
    order = sorted(range(len(tasks)), key=lambda i: -tasks[i]["n_topics"])
    futures = {client.submit(_fit, shared, tasks[i], pure=False): i for i in order}
    results: list[dict | None] = [None] * len(tasks)
    try:
        for future in progress(as_completed(list(futures)), desc=desc, total=len(futures), unit="fit"):
            results[futures[future]] = future.result()
    finally:
        shared.release()
    return results  # type: ignore[return-value]


def tree_reduce(client: Any, futures: Sequence[Any], combine: Callable[[Any, Any], Any], *,
                fan_in: int = 8) -> Any:
    """Combine the results of ``futures`` on the workers, ``fan_in`` at a time, in their order; return the total.

    ``combine`` must be associative (a sum of counts); the order of combination follows the
    order of ``futures`` so the result is the same whatever order the shards finished in.

    Examples
    --------
    >>> with open_client({"scheduler": "dask", "n_workers": 1}) as client:  # doctest: +SKIP
    ...     tree_reduce(client, client.map(abs, [-1, -2, -3]), lambda a, b: a + b)
    6
    """
    level = list(futures)
    if not level:
        raise ValueError("tree_reduce needs at least one future")
    while len(level) > 1:
        level = [client.submit(_combine_all, combine, *level[i:i + fan_in], pure=False)
                 for i in range(0, len(level), fan_in)]
    return level[0].result()


def local_tree_reduce(parts: Sequence[Any], combine: Callable[[Any, Any], Any], *, fan_in: int = 8) -> Any:
    """:func:`tree_reduce`'s grouping and order, in this process: the same total, bit for bit.

    Examples
    --------
    >>> local_tree_reduce([1, 2, 3], lambda a, b: a + b)
    6
    """
    level = list(parts)
    if not level:
        raise ValueError("local_tree_reduce needs at least one part")
    while len(level) > 1:
        level = [_combine_all(combine, *level[i:i + fan_in]) for i in range(0, len(level), fan_in)]
    return level[0]


def _combine_all(combine: Callable[[Any, Any], Any], *parts: Any) -> Any:
    return reduce(combine, parts)


def worker_memory(client: Any) -> dict[str, int]:
    """Peak resident memory (bytes) of each worker process since it started (Linux ``ru_maxrss``)."""

    def peak() -> int:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024

    return client.run(peak)
