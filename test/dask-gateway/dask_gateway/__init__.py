# A fake of the dask-gateway client 2026.3.0 (github.com/dask/dask-gateway, dask-gateway/dask_gateway/,
# read at tag 2026.3.0, not copied): the names QHub's smoke test imports, with upstream's shapes.
# Its Gateway talks to an HTTP double of the gateway's REST API; the cluster it connects to is a real
# Dask scheduler with real workers in this process (_backend.py), so computations really run.
from . import comm  # noqa: F401  (registers the gateway:// protocol, as upstream's import does)
from .auth import GatewayAuth, JupyterHubAuth
from .client import (
    ClientResponseError,
    ClusterStatus,
    Gateway,
    GatewayCluster,
    GatewayClusterError,
    GatewayServerError,
    GatewayWarning,
)

__version__ = "2026.3.0"

__all__ = [
    "ClientResponseError",
    "ClusterStatus",
    "Gateway",
    "GatewayAuth",
    "GatewayCluster",
    "GatewayClusterError",
    "GatewayServerError",
    "GatewayWarning",
    "JupyterHubAuth",
]
