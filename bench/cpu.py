"""Where the machine's CPU goes during one load run: each server's process tree, the load
generator, the rest, per request answered.

Throughput on a saturated machine is its CPU divided by what one request costs all the
processes it touches, so this split is what a play/healthz ratio is made of: the web workers'
share is the app, the counters Redis and the worker (ledger writer, notice jobs) are what a play
sets off behind its response, and wrk is the load generator's own cost on the same cores.

Each tree's time is user + system of its live processes plus their reaped children's (a work
horse forked for one job and gone by the end is counted in its parent). A process that was alive
at the start and was reaped during the run (a gunicorn worker recycled by max_requests) would be
counted from its birth: rare in a run of seconds, and only ever an overcount of its group.
"""

from __future__ import annotations

import resource

import psutil


def _tree_seconds(pid: int) -> float:
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            total += process_seconds(process)
        except psutil.NoSuchProcess:
            continue
    return total


def process_seconds(process: psutil.Process) -> float:
    """One process's CPU time: its own, user and system, and that of its reaped children."""
    times = process.cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def _machine_seconds() -> float:
    times = psutil.cpu_times()
    return times.user + times.nice + times.system + times.irq + times.softirq


def _waited_children_seconds() -> float:
    """This process's reaped children (wrk, run to its end by subprocess.run)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuSplit:
    """``with CpuSplit({"web": pid, ...}) as split: run_load()``, then ``split.per_request(n)``:
    microseconds of CPU per request for each named process tree, for wrk (``load``), for the
    rest of the machine (``rest``) and in all (``machine``)."""

    def __init__(self, roots: dict[str, int]):
        self.roots = roots
        self.seconds: dict[str, float] = {}

    def _read(self) -> dict[str, float]:
        read = {name: _tree_seconds(pid) for name, pid in self.roots.items()}
        read["load"] = _waited_children_seconds()
        read["machine"] = _machine_seconds()
        return read

    def __enter__(self) -> CpuSplit:
        self._start = self._read()
        return self

    def __exit__(self, *_exc) -> None:
        end = self._read()
        self.seconds = {name: end[name] - self._start[name] for name in end}
        named = sum(seconds for name, seconds in self.seconds.items() if name != "machine")
        self.seconds["rest"] = max(0.0, self.seconds["machine"] - named)

    def per_request(self, requests: int) -> dict[str, float]:
        return {name: seconds / max(requests, 1) * 1e6 for name, seconds in self.seconds.items()}


def ratio_ceiling(healthz: dict[str, float], play: dict[str, float], web: str = "web") -> float:
    """play/healthz were a play to cost the web processes no more than a /healthz does: what
    the rest of a play (Redis, the writer, the notices, the load generator) leaves at most.
    From the named processes only: "rest" is whatever else the machine ran meanwhile."""

    def named(split: dict[str, float]) -> float:
        return sum(us for name, us in split.items() if name not in ("rest", "machine"))

    return named(healthz) / (healthz[web] + named(play) - play[web])
