"""The ``[compute]`` keys that choose a scheduler, checked without importing Dask."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from textlab._errors import ConfigError

__all__ = ["ClusterSpec", "cluster_spec", "SCHEDULERS", "JOBQUEUE_KINDS"]

#: Values of ``[compute] scheduler``.
SCHEDULERS = ("local", "dask")
#: ``jobqueue.kind`` -> the ``dask_jobqueue`` class that submits the workers as batch jobs.
JOBQUEUE_KINDS = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "sge": "SGECluster", "lsf": "LSFCluster",
                  "htcondor": "HTCondorCluster", "moab": "MoabCluster", "oar": "OARCluster"}
_ADDRESS_SCHEMES = ("tcp://", "tls://", "ucx://", "inproc://")


@dataclass(frozen=True)
class ClusterSpec:
    """Where the work runs.

    Attributes
    ----------
    scheduler
        ``"local"`` (processes on this machine, ``[compute] n_jobs``) or ``"dask"``.
    address
        ``tcp://host:port`` of a running Dask scheduler.
    n_workers
        Worker processes of a ``distributed.LocalCluster`` started for the run (one thread each).
    jobqueue
        A ``dask-jobqueue`` cluster: ``kind`` (``"slurm"``, ``"pbs"`` ...), ``jobs`` (batch jobs
        submitted, default 1) and the keywords of its class (``cores``, ``memory``,
        ``processes``, ``walltime``, ``queue``, ``account``, ``job_extra_directives`` ...).

    With ``scheduler = "dask"`` exactly one of ``address``, ``n_workers`` and ``jobqueue`` is set.

    Examples
    --------
    >>> ClusterSpec("dask", n_workers=2).describe()
    'dask LocalCluster, 2 worker processes'
    """

    scheduler: str = "local"
    address: str | None = None
    n_workers: int | None = None
    jobqueue: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.scheduler not in SCHEDULERS:
            raise ConfigError(f"[compute] scheduler = {self.scheduler!r} is not allowed: expected one of "
                              f"{list(SCHEDULERS)}")
        given = [k for k, v in (("address", self.address), ("n_workers", self.n_workers),
                                ("jobqueue", self.jobqueue or None)) if v is not None]
        if self.scheduler == "local":
            if given:
                raise ConfigError(f"[compute] {given[0]} is set but scheduler = \"local\": add scheduler = \"dask\" "
                                  "to run on a Dask cluster, or remove it")
            return
        if len(given) != 1:
            raise ConfigError(f"[compute] scheduler = \"dask\" needs exactly one of address, n_workers, jobqueue "
                              f"(given: {given or 'none'}); e.g. n_workers = 2 for a cluster on this machine")
        self._check_values()

    def _check_values(self) -> None:
        if self.address is not None and (not isinstance(self.address, str)
                                         or not self.address.startswith(_ADDRESS_SCHEMES)):
            raise ConfigError(f"[compute] address = {self.address!r} is not allowed: expected a scheduler address "
                              "such as \"tcp://127.0.0.1:8786\"")
        workers = self.n_workers
        if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
            raise ConfigError(f"[compute] n_workers = {workers!r} is not allowed: expected a positive integer")
        if self.jobqueue:
            kind = self.jobqueue.get("kind") if isinstance(self.jobqueue, dict) else None
            if kind not in JOBQUEUE_KINDS:
                raise ConfigError(f"[compute] jobqueue = {self.jobqueue!r} is not allowed: expected a table with "
                                  f"kind one of {sorted(JOBQUEUE_KINDS)}, e.g. {{ kind = \"slurm\", cores = 8, "
                                  "memory = \"16GB\" }")
            jobs = self.jobqueue.get("jobs", 1)
            if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
                raise ConfigError(f"[compute] jobqueue.jobs = {jobs!r} is not allowed: expected a positive integer")

    def describe(self) -> str:
        """One line for provenance and the report (no credentials: an address is host:port only)."""
        if self.scheduler == "local":
            return "local processes"
        if self.address is not None:
            return f"dask scheduler at {self.address}"
        if self.n_workers is not None:
            return f"dask LocalCluster, {self.n_workers} worker processes"
        spec = {k: v for k, v in self.jobqueue.items() if k != "kind"}
        return f"dask-jobqueue {self.jobqueue['kind']} cluster {spec}"

    def to_dict(self) -> dict[str, Any]:
        """Plain values (for provenance)."""
        return asdict(self)


def cluster_spec(value: ClusterSpec | dict | None) -> ClusterSpec:
    """A :class:`ClusterSpec` from one, from a dict of its fields, or ``None`` (local).

    Examples
    --------
    >>> cluster_spec({"scheduler": "dask", "address": "tcp://127.0.0.1:8786"}).describe()
    'dask scheduler at tcp://127.0.0.1:8786'
    """
    if value is None:
        return ClusterSpec()
    if isinstance(value, ClusterSpec):
        return value
    if not isinstance(value, dict):
        raise ConfigError(f"compute={value!r} is not allowed: expected a dict with keys scheduler, address, "
                          "n_workers, jobqueue")
    unknown = sorted(set(value) - {"scheduler", "address", "n_workers", "jobqueue"})
    if unknown:
        raise ConfigError(f"[compute] unknown option(s) {unknown}: expected scheduler, address, n_workers, jobqueue")
    return ClusterSpec(**{**value, "jobqueue": dict(value.get("jobqueue") or {})})
