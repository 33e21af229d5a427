# QHub's smoke test: proves the platform works as a user sees it, after every change Flux applies.
# Runs as a Kubernetes Job (the qhub-smoke layer) in the image of the gateway's Dask clusters, which
# has dask-gateway's client and distributed of the gateway's version; its exit status is the layer's
# health, which reaches the commit as a status. Steps:
#   1. the hub's REST API answers;
#   2. a test user is created, its server starts (ready) and stops;
#   3. a Dask cluster starts through the gateway (its client, as a notebook uses it), a worker
#      joins, the cluster computes sum(range(10)) and gets 45, and it shuts down.
# Whatever fails, everything it made is removed (the cluster, the server, the user) before it exits,
# also when the Job's deadline stops it (SIGTERM). Settings come from the environment (QHUB_SMOKE_*),
# the hub token from the Secret QHub seals.
import json
import os
import signal
import sys
import time
import traceback
import urllib.error
import urllib.request
from contextlib import contextmanager

from dask_gateway import Gateway, JupyterHubAuth

HUB = os.environ["QHUB_SMOKE_HUB_API"].rstrip("/")
GATEWAY = os.environ["QHUB_SMOKE_GATEWAY"].rstrip("/")
# Where the scheduler's traffic goes (gateway://host:port); the gateway's address when unset.
PROXY = os.environ.get("QHUB_SMOKE_GATEWAY_PROXY") or None
TOKEN = os.environ["QHUB_SMOKE_TOKEN"]
USER = os.environ.get("QHUB_SMOKE_USER", "qhub-smoke")
TIMEOUT = float(os.environ.get("QHUB_SMOKE_TIMEOUT", "600"))
POLL = float(os.environ.get("QHUB_SMOKE_POLL", "5"))


class SmokeFailure(Exception):
    pass


def log(message):
    print(f"qhub-smoke: {message}", flush=True)


@contextmanager
def doing(what):
    """Reports any error of the block as a failure of `what` (the Dask client raises many kinds)."""
    try:
        yield
    except SmokeFailure:
        raise
    except Exception as err:
        detail = str(err) or f"no answer within {TIMEOUT:g} s"
        raise SmokeFailure(f"{what}: {type(err).__name__}: {detail}") from None


def call(method, url, body=None, ok=(200, 201, 202, 204)):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"token {TOKEN}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        status, text = err.code, err.read().decode(errors="replace")
    except (urllib.error.URLError, OSError) as err:
        raise SmokeFailure(f"{method} {url}: {err}") from None
    if status not in ok:
        raise SmokeFailure(f"{method} {url}: HTTP {status}: {text[:200]}")
    return status, (json.loads(text) if text.strip() else None)


def hub(method, path, body=None, ok=(200, 201, 202, 204)):
    return call(method, f"{HUB}{path}", body, ok)


def wait_for(what, probe):
    """Polls probe() until it returns a true value, for at most TIMEOUT seconds."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise SmokeFailure(f"{what}: not after {TIMEOUT:g} s")
        time.sleep(POLL)


def undo_later(made, what, undo):
    """Notes something the run made and how to remove it; the entry, to forget it once removed."""
    entry = (what, undo)
    made.append(entry)
    return entry


def server_of(user):
    _, model = hub("GET", f"/users/{user}")
    return (model.get("servers") or {}).get("")


def check_hub():
    _, info = call("GET", f"{HUB}/", ok=(200,))
    log(f"hub API answers (JupyterHub {info.get('version', '?')})")


def check_server(made):
    hub("POST", f"/users/{USER}", ok=(201, 409))
    undo_later(made, f"the user {USER}", lambda: hub("DELETE", f"/users/{USER}", ok=(204, 404)))
    hub("POST", f"/users/{USER}/server", ok=(201, 202, 400))
    server = undo_later(
        made,
        f"the server of {USER}",
        lambda: hub("DELETE", f"/users/{USER}/server", ok=(202, 204, 400, 404)),
    )

    def ready():
        server = server_of(USER)
        if server is not None and not server.get("ready") and not server.get("pending"):
            raise SmokeFailure(f"the server of {USER} stopped before it was ready")
        return server is not None and server.get("ready")

    wait_for(f"the server of {USER} to be ready", ready)
    log(f"the server of {USER} started")
    hub("DELETE", f"/users/{USER}/server", ok=(202, 204))
    wait_for(f"the server of {USER} to stop", lambda: server_of(USER) is None)
    made.remove(server)
    log(f"the server of {USER} stopped")


def check_dask(made):
    gateway = Gateway(GATEWAY, proxy_address=PROXY, auth=JupyterHubAuth(api_token=TOKEN))
    # Not gateway.new_cluster(): it waits for the cluster without end (client.py's _wait_for_start).
    # Submit, wait here within TIMEOUT, then connect to the running cluster.
    with doing("asking the gateway for a Dask cluster"):
        name = gateway.submit()
    stop = undo_later(made, f"Dask cluster {name}", lambda: gateway.stop_cluster(name))

    def running():
        status = gateway.get_cluster(name).status.name
        if status in ("FAILED", "STOPPED"):
            raise SmokeFailure(f"Dask cluster {name} is {status}")
        return status == "RUNNING"

    with doing(f"waiting for Dask cluster {name} to run"):
        wait_for(f"Dask cluster {name} to run", running)
    with doing(f"connecting to Dask cluster {name}"):
        cluster = gateway.connect(name, shutdown_on_close=True)
        # Closes the client and the connection; stop (above) shuts the cluster down.
        connection = undo_later(
            made, f"the connection to Dask cluster {name}", lambda: cluster.close(shutdown=False)
        )
        client = cluster.get_client(set_as_default=False)
    log(f"Dask cluster {name} runs")
    with doing(f"scaling Dask cluster {name} to 1 worker"):
        cluster.scale(1)
    with doing(f"waiting for a worker to join Dask cluster {name}"):
        client.wait_for_workers(1, timeout=TIMEOUT)
    log(f"a worker joined Dask cluster {name}")
    with doing(f"computing sum(range(10)) on Dask cluster {name}"):
        result = client.submit(sum, range(10), pure=False).result(timeout=TIMEOUT)
    if result != 45:
        raise SmokeFailure(f"Dask cluster {name} computed sum(range(10)) = {result!r}, not 45")
    log(f"Dask cluster {name} computed sum(range(10)) = 45")
    with doing(f"shutting down Dask cluster {name}"):
        # shutdown() logs a failure to stop the cluster and goes on: the gateway's list says.
        cluster.shutdown()
        left = [c.name for c in gateway.list_clusters() if c.name == name]
    if left:
        raise SmokeFailure(f"Dask cluster {name} still runs after its shutdown")
    made.remove(connection)
    made.remove(stop)
    log(f"Dask cluster {name} shut down")


def clean_up(made):
    """Removes what the run made, newest first; a failure here is reported, never hidden."""
    problems = []
    for what, undo in reversed(made):
        try:
            undo()
            log(f"removed {what}")
        except Exception as err:
            problems.append(f"{what}: {type(err).__name__}: {err}")
    made.clear()
    return problems


def stopped(signum, frame):
    # Kubernetes stops the pod with SIGTERM (the Job's activeDeadlineSeconds): clean up first.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SmokeFailure("stopped (SIGTERM: the Job's deadline, or its deletion)")


def main():
    signal.signal(signal.SIGTERM, stopped)
    made = []
    failure = None
    try:
        check_hub()
        check_server(made)
        check_dask(made)
    except SmokeFailure as err:
        failure = str(err)
    except Exception as err:
        # Nothing a step expected: still clean up, and show where it came from.
        traceback.print_exc()
        failure = f"{type(err).__name__}: {err}"
    problems = clean_up(made)
    for p in problems:
        log(f"clean-up failed: {p}")
    if failure:
        log(f"FAILED: {failure}")
        return 1
    if problems:
        return 1
    log("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
