"""Where a study's work runs: this machine (default) or a Dask cluster.

A study's ``[compute]`` section chooses::

    [compute]
    scheduler = "dask"                 # default "local": worker processes on this machine
    address = "tcp://10.0.0.5:8786"    # a running scheduler, or
    n_workers = 4                      # a LocalCluster of 4 worker processes, or
    jobqueue = { kind = "slurm", jobs = 4, cores = 8, memory = "16GB", walltime = "02:00:00" }

:func:`use_compute` opens the cluster for the length of a ``with`` block and makes it the
*active* one; while it is active :func:`ordered_map` (cleaning, passages and tokenising in
:func:`~textlab.preprocessing.pipeline.prepare_data`) and the topic-model fits
(:func:`~textlab.analysis.topics._engine.run_fits`) send their tasks to the workers.  Each
task is the same picklable, seeded function a one-process run calls and results come back
in input order, so every table is identical to a one-process run.

Dask is imported only inside :mod:`textlab.compute.dask` (``pip install textlab[dask]``); this
module and :mod:`textlab.compute.spec` import nothing heavy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from textlab.compute.spec import SCHEDULERS, ClusterSpec, cluster_spec

__all__ = ["ClusterSpec", "cluster_spec", "SCHEDULERS", "active_client", "ordered_map", "use_compute",
           "activate"]

_ACTIVE: ContextVar[Any] = ContextVar("textlab_dask_client", default=None)


def active_client() -> Any:
    """The Dask client of the enclosing :func:`use_compute` / :func:`activate` block, or ``None``.

    Examples
    --------
    >>> active_client() is None
    True
    """
    return _ACTIVE.get()


@contextmanager
def activate(client: Any) -> Iterator[Any]:
    """Make ``client`` (a ``distributed.Client``) the active one inside the block.

    textlab's parallel parts (preprocessing tasks, topic-model fits) and joblib's
    ``Parallel`` then run on its workers.  The client is not closed on exit.
    """
    token = _ACTIVE.set(client)
    try:
        if client is None:
            yield client
            return
        import joblib

        with joblib.parallel_config(backend="dask"):
            yield client
    finally:
        _ACTIVE.reset(token)


@contextmanager
def use_compute(spec: ClusterSpec | dict | None) -> Iterator[Any]:
    """Open the cluster a ``[compute]`` spec names and make it active; yield its client (``None``: local).

    Parameters
    ----------
    spec
        A :class:`ClusterSpec`, a dict of its fields, or ``None`` (this machine).

    Examples
    --------
    >>> with use_compute({"scheduler": "local"}) as client:
    ...     client is None
    True
    """
    spec = cluster_spec(spec)
    if spec.scheduler == "local":
        yield None
        return
    from textlab.compute.dask import open_client

    with open_client(spec) as client, activate(client):
        yield client


def ordered_map(fn: Callable[[Any], Any], items: Iterable[tuple[Any, Any]], *,
                n_jobs: int = 1, items_per_task: int | None = None) -> Iterator[tuple[Any, Any]]:
    """``(payload, fn(item))`` in input order: on the active Dask cluster, else on ``n_jobs`` local processes.

    ``items_per_task`` (Dask only): items sent to a worker in one task (default
    :data:`textlab.compute.dask.ITEMS_PER_TASK`; 1 for shard-sized items).

    Examples
    --------
    >>> list(ordered_map(len, [("a", "xy"), ("b", "z")]))
    [('a', 2), ('b', 1)]
    """
    client = active_client()
    if client is None:
        from textlab.preprocessing.stream import map_ordered

        return map_ordered(fn, items, n_jobs=n_jobs)
    from textlab.compute.dask import map_ordered as dask_map

    if items_per_task is None:
        return dask_map(client, fn, items)
    return dask_map(client, fn, items, items_per_task=items_per_task)
