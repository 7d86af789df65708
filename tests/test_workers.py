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
