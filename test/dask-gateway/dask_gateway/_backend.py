# The fake's stand-in for what the gateway runs for each cluster behind its proxy (the scheduler and
# worker pods dask-gateway-server's Kubernetes backend starts): a real distributed.LocalCluster in
# this process (threads, no subprocesses), started when the gateway first reports the cluster
# RUNNING, scaled when the gateway accepted a scale request, closed when it accepted the stop. Not
# part of the upstream client. QHUB_FAKE_DASK_WORKERS says how its workers behave:
#   healthy (default)  they compute;
#   none               none ever joins (worker pods that cannot be scheduled);
#   erring             every task fails on them (a worker that cannot run what it is sent);
#   wrong              they keep a wrong value for every result (a broken worker).
import atexit
import os
import threading
from collections import UserDict
from concurrent.futures import Executor, Future

from distributed import LocalCluster
from distributed.comm.core import CommClosedError

MODE = os.environ.get("QHUB_FAKE_DASK_WORKERS", "healthy")
if MODE not in ("healthy", "none", "erring", "wrong"):
    raise ValueError(f"QHUB_FAKE_DASK_WORKERS={MODE!r}")

_clusters = {}
_lock = threading.Lock()


class _ErringExecutor(Executor):
    """Fails every task it is given (distributed turns the executor's error into the task's)."""

    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        future.set_exception(RuntimeError("the worker cannot run tasks (fake)"))
        return future

    def shutdown(self, wait=True, **kwargs):
        pass


class _WrongMemory(UserDict):
    """A worker's memory that keeps the wrong value: integers off by one, anything else None."""

    def __setitem__(self, key, value):
        super().__setitem__(key, value + 1 if isinstance(value, int) else None)


def _wrong_memory():
    return _WrongMemory()


def start(name):
    with _lock:
        if name in _clusters:
            return
        workers = {}
        if MODE == "erring":
            workers["executor"] = _ErringExecutor()
        elif MODE == "wrong":
            workers["data"] = _wrong_memory
        _clusters[name] = LocalCluster(
            n_workers=0,
            threads_per_worker=1,
            processes=False,
            protocol="tcp://",
            host="127.0.0.1",
            dashboard_address=None,
            **workers,
        )


def scale(name, n):
    with _lock:
        cluster = _clusters.get(name)
    if cluster is not None and MODE != "none":
        cluster.scale(n)


def stop(name):
    with _lock:
        cluster = _clusters.pop(name, None)
    if cluster is not None:
        cluster.close()


def scheduler_address(name):
    """Where the proxy routes a connection for the cluster; it refuses a cluster it does not run."""
    with _lock:
        cluster = _clusters.get(name)
    if cluster is None:
        raise CommClosedError(f"the gateway's proxy has no cluster {name}")
    return cluster.scheduler_address


@atexit.register
def _stop_all():
    for name in list(_clusters):
        stop(name)
