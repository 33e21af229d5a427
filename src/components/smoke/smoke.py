# QHub's smoke test: proves the platform works as a user sees it, after every change Flux applies.
# Runs as a Kubernetes Job (the qhub-smoke layer) with the standard library only; its exit status
# is the layer's health, which reaches the commit as a status. Steps:
#   1. the hub's REST API answers;
#   2. a test user is created, its server starts (ready) and stops;
#   3. a Dask cluster starts through the gateway, a worker joins its scheduler, and it shuts down.
# Whatever fails, everything it made is removed (the cluster, the server, the user) before it exits.
# Settings come from the environment (QHUB_SMOKE_*), the hub token from the Secret QHub seals.
import json
import os
import sys
import time
import urllib.error
import urllib.request

HUB = os.environ["QHUB_SMOKE_HUB_API"].rstrip("/")
GATEWAY = os.environ["QHUB_SMOKE_GATEWAY"].rstrip("/")
TOKEN = os.environ["QHUB_SMOKE_TOKEN"]
USER = os.environ.get("QHUB_SMOKE_USER", "qhub-smoke")
TIMEOUT = float(os.environ.get("QHUB_SMOKE_TIMEOUT", "600"))
POLL = float(os.environ.get("QHUB_SMOKE_POLL", "5"))


class SmokeFailure(Exception):
    pass


def log(message):
    print(f"qhub-smoke: {message}", flush=True)


def call(method, url, body=None, auth="token", ok=(200, 201, 202, 204)):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"{auth} {TOKEN}")
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
    return call(method, f"{HUB}{path}", body, "token", ok)


def gateway(method, path, body=None, ok=(200, 201, 202, 204)):
    return call(method, f"{GATEWAY}{path}", body, "jupyterhub", ok)


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


def server_of(user):
    _, model = hub("GET", f"/users/{user}")
    return (model.get("servers") or {}).get("")


def check_hub():
    _, info = call("GET", f"{HUB}/", ok=(200,))
    log(f"hub API answers (JupyterHub {info.get('version', '?')})")


def check_server(made):
    hub("POST", f"/users/{USER}", ok=(201, 409))
    made.append("user")
    hub("POST", f"/users/{USER}/server", ok=(201, 202, 400))
    made.append("server")

    def ready():
        server = server_of(USER)
        if server is not None and not server.get("ready") and not server.get("pending"):
            raise SmokeFailure(f"the server of {USER} stopped before it was ready")
        return server is not None and server.get("ready")

    wait_for(f"the server of {USER} to be ready", ready)
    log(f"the server of {USER} started")
    hub("DELETE", f"/users/{USER}/server", ok=(202, 204))
    wait_for(f"the server of {USER} to stop", lambda: server_of(USER) is None)
    made.remove("server")
    log(f"the server of {USER} stopped")


def check_dask(made):
    _, created = gateway("POST", "/api/v1/clusters/", {"cluster_options": {}})
    name = created["name"]
    made.append(("cluster", name))

    def running():
        _, model = gateway("GET", f"/api/v1/clusters/{name}")
        if model["status"] in ("FAILED", "STOPPED"):
            raise SmokeFailure(f"Dask cluster {name} is {model['status']}")
        return model["status"] == "RUNNING"

    wait_for(f"Dask cluster {name} to run", running)
    gateway("POST", f"/api/v1/clusters/{name}/scale", {"count": 1})

    def worker():
        _, identity = call("GET", f"{GATEWAY}/clusters/{name}/json/identity.json", ok=(200, 404, 502, 503))
        return identity and identity.get("workers")

    workers = wait_for(f"a worker to join Dask cluster {name}", worker)
    log(f"Dask cluster {name} runs with {len(workers)} worker(s)")
    gateway("DELETE", f"/api/v1/clusters/{name}", ok=(204,))
    made.remove(("cluster", name))
    log(f"Dask cluster {name} shut down")


def clean_up(made):
    """Removes what the run made, newest first; a failure here is reported, never hidden."""
    problems = []
    for thing in reversed(made):
        try:
            if isinstance(thing, tuple):
                gateway("DELETE", f"/api/v1/clusters/{thing[1]}", ok=(204, 404))
            elif thing == "server":
                hub("DELETE", f"/users/{USER}/server", ok=(202, 204, 400, 404))
            elif thing == "user":
                hub("DELETE", f"/users/{USER}", ok=(204, 404))
        except SmokeFailure as err:
            problems.append(str(err))
    made.clear()
    return problems


def main():
    made = []
    failure = None
    try:
        check_hub()
        check_server(made)
        check_dask(made)
    except SmokeFailure as err:
        failure = str(err)
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
