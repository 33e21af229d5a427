# Mirrors dask-gateway/dask_gateway/client.py of dask-gateway 2026.3.0 (read at that tag, not
# copied): Gateway and GatewayCluster with upstream's arguments, REST calls and their answers'
# handling (a request is resent with the auth's headers after a 401, the gateway's cookie is kept,
# 404/422 raise ValueError, 409 GatewayClusterError, 500 GatewayServerError, others the HTTP
# error), `new_cluster` waiting without end for RUNNING as upstream's _wait_for_start does, and
# `get_client()` returning a real distributed.Client. Differences: synchronous (urllib, no event
# loop), no dask config lookups, no widget, and the cluster's scheduler is _backend.py's.
import atexit
import enum
import json
import logging
import time
import urllib.error
import urllib.request
import warnings
import weakref
from datetime import datetime
from urllib.parse import urlparse

from distributed import Client

from . import _backend
from .auth import get_auth

__all__ = ("Gateway", "GatewayCluster", "GatewayClusterError", "GatewayServerError")

logger = logging.getLogger("distributed.client")


class GatewayClusterError(Exception):
    """A cluster could not be started, stopped or scaled (upstream's class of that name)."""


class GatewayServerError(Exception):
    """The gateway server failed (HTTP 500), as upstream's class of that name says."""


class GatewayWarning(UserWarning):
    """A warning from the client (upstream's class of that name)."""


class ClientResponseError(Exception):
    """What upstream's aiohttp raises for another HTTP error (resp.raise_for_status())."""

    def __init__(self, status, message, url):
        super().__init__(f"{status}, message={message!r}, url={url!r}")
        self.status = status


class ClusterStatus(enum.IntEnum):
    PENDING = 1
    RUNNING = 2
    STOPPING = 3
    STOPPED = 4
    FAILED = 5

    @classmethod
    def _create(cls, x):
        if isinstance(x, cls):
            return x
        try:
            return cls[x.upper()]
        except KeyError:
            raise ValueError(f"{x!r} is not a valid {cls.__name__}") from None


class ClusterReport:
    __slots__ = (
        "name",
        "options",
        "status",
        "scheduler_address",
        "dashboard_link",
        "start_time",
        "stop_time",
        "tls_cert",
        "tls_key",
    )

    def __init__(
        self,
        name,
        options,
        status,
        scheduler_address,
        dashboard_link,
        start_time,
        stop_time,
        tls_cert=None,
        tls_key=None,
    ):
        self.name = name
        self.options = options
        self.status = status
        self.scheduler_address = scheduler_address
        self.dashboard_link = dashboard_link
        self.start_time = start_time
        self.stop_time = stop_time
        self.tls_cert = tls_cert
        self.tls_key = tls_key

    def __repr__(self):
        return f"ClusterReport<name={self.name}, status={self.status.name}>"

    @property
    def security(self):
        # Upstream: a GatewaySecurity of the report's TLS credentials; the fake's scheduler has none.
        return None

    @classmethod
    def _from_json(cls, public_address, proxy_address, msg):
        start_time = datetime.fromtimestamp(msg.pop("start_time") / 1000)
        stop_time = msg.pop("stop_time")
        if stop_time is not None:
            stop_time = datetime.fromtimestamp(stop_time / 1000)
        name = msg.pop("name")
        status = ClusterStatus._create(msg.pop("status"))
        scheduler_address = f"{proxy_address}/{name}" if status == ClusterStatus.RUNNING else None
        dashboard_route = msg.pop("dashboard_route")
        dashboard_link = f"{public_address}{dashboard_route}" if dashboard_route else None
        return cls(
            start_time=start_time,
            stop_time=stop_time,
            name=name,
            status=status,
            scheduler_address=scheduler_address,
            dashboard_link=dashboard_link,
            **msg,
        )


class _Response:
    def __init__(self, status, body):
        self.status = status
        self.body = body

    def json(self):
        return json.loads(self.body)


class Gateway:
    """A client for a Dask Gateway Server."""

    def __init__(
        self,
        address=None,
        proxy_address=None,
        public_address=None,
        auth=None,
        asynchronous=False,
        loop=None,
    ):
        if address is None:
            raise ValueError("No dask-gateway address provided or found in configuration")
        if asynchronous:
            raise NotImplementedError("the fake client is synchronous only")
        address = address.rstrip("/")
        public_address = address if public_address is None else public_address.rstrip("/")
        if proxy_address is None:
            parsed = urlparse(address)
            port = parsed.port or {"http": 80, "https": 443}.get(parsed.scheme, 8786)
            proxy_netloc = "%s:%d" % (parsed.hostname, port)
        elif isinstance(proxy_address, int):
            proxy_netloc = "%s:%d" % (urlparse(address).hostname, proxy_address)
        else:
            parsed = urlparse(proxy_address)
            proxy_netloc = parsed.netloc if parsed.netloc else proxy_address
        self.address = address
        self._public_address = public_address
        self.proxy_address = "gateway://%s" % proxy_netloc
        self.auth = get_auth(auth)
        self._cookies = {}

    @property
    def asynchronous(self):
        return False

    def close(self):
        self._cookies.clear()

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()

    def __repr__(self):
        return "Gateway<%s>" % self.address

    def _send(self, method, url, json_body, headers):
        data = None if json_body is None else json.dumps(json_body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self._cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self._cookies.items()))
        for k, v in headers.items():
            request.add_header(k, v)
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                status, body, set_cookies = r.status, r.read().decode(), r.headers.get_all("Set-Cookie")
        except urllib.error.HTTPError as err:
            status, body, set_cookies = err.code, err.read().decode(), err.headers.get_all("Set-Cookie")
        for cookie in set_cookies or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self._cookies[name.strip()] = value.strip()
        return _Response(status, body)

    def _request(self, method, url, json=None):
        resp = self._send(method, url, json, {})
        if resp.status == 401:
            headers, context = self.auth.pre_request(resp)
            resp = self._send(method, url, json, headers)
            self.auth.post_response(resp, context)
        if resp.status >= 400:
            try:
                msg = resp.json()["error"]
            except Exception:
                msg = resp.body
            if resp.status in {404, 422}:
                raise ValueError(msg)
            if resp.status == 409:
                raise GatewayClusterError(msg)
            if resp.status == 500:
                raise GatewayServerError(msg)
            raise ClientResponseError(resp.status, msg, url)
        return resp

    def list_clusters(self, status=None):
        if status is not None:
            if isinstance(status, (str, ClusterStatus)):
                status = [ClusterStatus._create(status)]
            else:
                status = [ClusterStatus._create(s) for s in status]
            query = "?status=" + ",".join(s.name for s in status)
        else:
            query = ""
        data = self._request("GET", f"{self.address}/api/v1/clusters/{query}").json()
        return [ClusterReport._from_json(self._public_address, self.proxy_address, r) for r in data.values()]

    def _cluster_report(self, cluster_name, wait=False):
        params = "?wait" if wait else ""
        data = self._request("GET", f"{self.address}/api/v1/clusters/{cluster_name}{params}").json()
        return ClusterReport._from_json(self._public_address, self.proxy_address, data)

    def get_cluster(self, cluster_name):
        return self._cluster_report(cluster_name)

    def submit(self, cluster_options=None, **kwargs):
        options = dict(cluster_options or {})
        options.update(kwargs)
        resp = self._request("POST", f"{self.address}/api/v1/clusters/", json={"cluster_options": options})
        return resp.json()["name"]

    def _wait_for_start(self, cluster_name):
        while True:
            report = self._cluster_report(cluster_name, wait=True)
            if report.status is ClusterStatus.RUNNING:
                _backend.start(cluster_name)
                return report
            if report.status is ClusterStatus.FAILED:
                raise GatewayClusterError(
                    "Cluster %r failed to start, see logs for more information" % cluster_name
                )
            if report.status is ClusterStatus.STOPPED:
                raise GatewayClusterError("Cluster %r is already stopped" % cluster_name)
            time.sleep(0.5)

    def connect(self, cluster_name, shutdown_on_close=False):
        return GatewayCluster.from_name(
            cluster_name,
            shutdown_on_close=shutdown_on_close,
            address=self.address,
            public_address=self._public_address,
            proxy_address=self.proxy_address,
            auth=self.auth,
        )

    def new_cluster(self, cluster_options=None, shutdown_on_close=True, **kwargs):
        return GatewayCluster(
            address=self.address,
            proxy_address=self.proxy_address,
            public_address=self._public_address,
            auth=self.auth,
            cluster_options=cluster_options,
            shutdown_on_close=shutdown_on_close,
            **kwargs,
        )

    def stop_cluster(self, cluster_name):
        self._request("DELETE", f"{self.address}/api/v1/clusters/{cluster_name}")
        _backend.stop(cluster_name)

    def scale_cluster(self, cluster_name, n):
        url = f"{self.address}/api/v1/clusters/{cluster_name}/scale"
        resp = self._request("POST", url, json={"count": n})
        try:
            msg = resp.json()
        except Exception:
            msg = {}
        if not msg.get("ok", True) and msg.get("msg"):
            warnings.warn(GatewayWarning(msg["msg"]))
        # The gateway forwards the request to the scheduler, which starts the workers.
        _backend.scale(cluster_name, n)


class GatewayCluster:
    """A dask-gateway cluster."""

    _instances = weakref.WeakSet()

    def __init__(
        self,
        address=None,
        proxy_address=None,
        public_address=None,
        auth=None,
        cluster_options=None,
        shutdown_on_close=True,
        asynchronous=False,
        loop=None,
        **kwargs,
    ):
        self._init_internal(
            address=address,
            proxy_address=proxy_address,
            public_address=public_address,
            auth=auth,
            cluster_options=cluster_options,
            cluster_kwargs=kwargs,
            shutdown_on_close=shutdown_on_close,
        )

    @classmethod
    def from_name(
        cls,
        cluster_name,
        shutdown_on_close=False,
        address=None,
        proxy_address=None,
        public_address=None,
        auth=None,
        asynchronous=False,
        loop=None,
    ):
        self = object.__new__(cls)
        self._init_internal(
            address=address,
            proxy_address=proxy_address,
            public_address=public_address,
            auth=auth,
            shutdown_on_close=shutdown_on_close,
            name=cluster_name,
        )
        return self

    def _init_internal(
        self,
        address=None,
        proxy_address=None,
        public_address=None,
        auth=None,
        cluster_options=None,
        cluster_kwargs=None,
        shutdown_on_close=None,
        name=None,
    ):
        self.status = "created"
        self.shutdown_on_close = shutdown_on_close
        self._instances.add(self)
        self.gateway = Gateway(
            address=address, proxy_address=proxy_address, public_address=public_address, auth=auth
        )
        self._clients = weakref.WeakSet()
        self._cluster_options = cluster_options
        self._cluster_kwargs = cluster_kwargs or {}
        self._stopped = False
        self.name = name
        self.scheduler_address = None
        self.dashboard_link = None
        self.security = None
        if name is not None:
            self.status = "starting"
        try:
            self._start_internal()
        except BaseException:
            # Upstream cleans up (and, with shutdown_on_close, stops the cluster) when start fails.
            self._stop_internal()
            raise

    def _start_internal(self):
        if self.status == "created":
            self.status = "starting"
            self.name = self.gateway.submit(cluster_options=self._cluster_options, **self._cluster_kwargs)
        report = self.gateway._wait_for_start(self.name)
        self.scheduler_address = report.scheduler_address
        self.dashboard_link = report.dashboard_link
        self.security = report.security
        self.status = "running"

    def _stop_internal(self, shutdown=None):
        self._instances.discard(self)
        if self._stopped:
            return
        self._stopped = True
        self.status = "closing"
        for client in list(self._clients):
            client.close()
            self._clients.discard(client)
        self.status = "closed"
        if shutdown is None:
            shutdown = self.shutdown_on_close
        if shutdown and self.name is not None:
            try:
                self.gateway.stop_cluster(self.name)
            except Exception:
                # As upstream: logged, not raised.
                logger.error("Exception raised while shutting down cluster %s", self.name, exc_info=True)
        self.gateway.close()

    def __await__(self):
        async def started():
            return self

        return started().__await__()

    def close(self, shutdown=None):
        if self.status == "closed":
            return
        self._stop_internal(shutdown=shutdown)

    def shutdown(self):
        """Shutdown this cluster. Alias for ``close(shutdown=True)``."""
        return self.close(shutdown=True)

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()

    def __repr__(self):
        return f"GatewayCluster<{self.name}, status={self.status}>"

    def get_client(self, set_as_default=True):
        client = Client(self, security=self.security, set_as_default=set_as_default)
        self._clients.add(client)
        return client

    def scale(self, n):
        return self.gateway.scale_cluster(self.name, n)


@atexit.register
def cleanup_lingering_clusters():
    for o in list(GatewayCluster._instances):
        try:
            o.close()
        except Exception as exc:
            warnings.warn(f"Exception ignored when closing {o!r}: {exc!r}")
