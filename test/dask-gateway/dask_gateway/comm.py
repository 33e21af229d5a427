# Mirrors dask-gateway/dask_gateway/comm.py of dask-gateway 2026.3.0: the gateway:// protocol, whose
# addresses are `gateway://<proxy host>:<port>/<cluster name>`. Upstream opens TLS to the proxy with
# the cluster's name in SNI and the proxy routes by it; the fake routes by the name too, straight to
# the scheduler _backend.py runs for that cluster (plain TCP on 127.0.0.1, no TLS). When
# QHUB_FAKE_DASK_PROXY (host:port) is set, the proxy listens there only: other addresses fail.
import os
from urllib.parse import urlparse

from distributed.comm.core import Connector
from distributed.comm.registry import Backend, backends, get_backend

from . import _backend


def parse_gateway_address(address):
    if not address.startswith("gateway://"):
        address = "gateway://" + address
    parsed = urlparse(address)
    if not parsed.path:
        raise ValueError("Gateway address %r missing path component" % address)
    return parsed.hostname, parsed.port, parsed.path.strip("/")


class GatewayConnector(Connector):
    async def connect(self, address, deserialize=True, **connection_args):
        host, port, name = parse_gateway_address(address)
        proxy = os.environ.get("QHUB_FAKE_DASK_PROXY")
        if proxy and f"{host}:{port}" != proxy:
            raise OSError(f"no Dask Gateway proxy at {host}:{port} (it is at {proxy})")
        scheme, loc = _backend.scheduler_address(name).split("://", 1)
        connector = get_backend(scheme).get_connector()
        args = {k: v for k, v in connection_args.items() if k != "ssl_context"}
        return await connector.connect(loc, deserialize=deserialize, **args)


class GatewayBackend(Backend):
    def get_connector(self):
        return GatewayConnector()

    def get_listener(self, *args, **kwargs):
        raise NotImplementedError("Listening on a gateway connection")

    def get_address_host(self, loc):
        return parse_gateway_address(loc)[0]

    def get_address_host_port(self, loc):
        return parse_gateway_address(loc)[:2]

    def resolve_address(self, loc):
        host, port, path = parse_gateway_address(loc)
        return "%s:%d/%s" % (host, port, path)

    def get_local_address_for(self, loc):
        return "127.0.0.1"


backends["gateway"] = GatewayBackend()
