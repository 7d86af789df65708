"""The worker process's memory care: what a finished job freed goes back to the system."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import ctypes, json
from liftcheck.workers import release_memory, tune_malloc

def rss_mib():
    with open("/proc/self/status") as status:
        return int(status.read().split("VmRSS:")[1].split()[0]) / 1024

tune_malloc()
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.free(libc.malloc(8 << 20))  # glibc now serves frame-sized blocks from its heap, as in an analysis
kept, blocks = [], []
for _ in range(150):  # a job: frame-sized blocks with small ones that outlive them in between
    blocks.append(ctypes.create_string_buffer(1 << 20))
    kept.append(ctypes.create_string_buffer(64 << 10))
base = rss_mib()
del blocks
freed = rss_mib()
release_memory()
print(json.dumps({"base": base, "freed": freed, "released": rss_mib()}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heaps: Linux only")
def test_a_worker_gives_back_what_a_finished_job_freed() -> None:
    """150 MiB freed among smaller blocks still in use stay with the process until ``release_memory``, which gives
    them back (a worker idled at 330 MiB after a video without it, ~120 MiB with it)."""
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=True)
    seen = __import__("json").loads(done.stdout)
    assert seen["freed"] > seen["base"] - 20  # freed, but still held by the process
    assert seen["released"] < seen["freed"] - 100


def _no_setup(*_: object) -> None:
    return None


def _where_i_run(item: int, progress: object) -> tuple[int, list[int]]:
    import os
    import time

    time.sleep(0.5)  # long enough for every worker to be started and take jobs
    return os.getpid(), sorted(os.sched_getaffinity(0))


@pytest.mark.skipif(not hasattr(__import__("os"), "sched_getaffinity"), reason="core affinity: Linux only")
def test_a_worker_for_every_core_keeps_to_its_own_core() -> None:
    """With as many workers as usable cores, each worker runs on one core and no two share one; with fewer
    workers than cores (one analysis at a time), a worker may use them all."""
    import os

    from liftcheck.workers import Pool

    cores = sorted(os.sched_getaffinity(0))
    with Pool(len(cores), setup=_no_setup) as pool:
        seen = dict(result for _, result in pool.run(_where_i_run, range(4 * len(cores))))
    if len(cores) > 1:
        assert all(len(cpus) == 1 for cpus in seen.values())
        assert len({cpus[0] for cpus in seen.values()}) == len(seen) == len(cores)
        with Pool(1, setup=_no_setup) as pool:
            assert [result[1] for _, result in pool.run(_where_i_run, [0])] == [cores]
    else:
        assert list(seen.values()) == [cores]


CLAIM = """
import os, sys
from liftcheck.workers import claim_core
core = claim_core()
print(core, sorted(os.sched_getaffinity(0)), flush=True)
sys.stdin.read()  # hold the core until told to end
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "sched_getaffinity"), reason="core affinity: Linux only")
def test_workers_the_pool_did_not_start_claim_a_core_each(tmp_path: __import__("pathlib").Path) -> None:
    """Worker processes started by others (Ray's) each keep to a core no other one holds, one more than there are
    cores keeps to none, and a core is free again once its holder has ended."""
    import os

    cores = sorted(os.sched_getaffinity(0))
    env = {**os.environ, "TMPDIR": str(tmp_path)}

    def start() -> tuple[subprocess.Popen[str], str]:
        process = subprocess.Popen(
            [sys.executable, "-c", CLAIM], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        assert process.stdout is not None
        return process, process.stdout.readline().strip()

    held = [start() for _ in range(len(cores) + 1)]
    try:
        if len(cores) < 2:
            assert [line for _, line in held] == [f"None {cores}"] * len(held)
            return
        claimed = [line.split(" ", 1) for _, line in held]
        assert [int(core) for core, _ in claimed[:-1]] == cores
        assert all(affinity == f"[{core}]" for core, affinity in claimed[:-1])
        assert claimed[-1] == ["None", str(cores)]
        first, _ = held.pop(0)
        first.communicate("")
        again, line = start()
        held.append((again, line))
        assert line == f"{cores[0]} [{cores[0]}]"
    finally:
        for process, _ in held:
            process.communicate("")
