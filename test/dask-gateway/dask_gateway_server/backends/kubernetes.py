# Mirrors the cluster configuration of dask-gateway 2026.3's Kubernetes backend: the traits of
# ClusterConfig (dask-gateway-server/dask_gateway_server/backends/base.py) and KubeClusterConfig
# (backends/kubernetes/backend.py) that cluster options may set, and the scheduler and worker
# commands the controller builds from them (backends/kubernetes/controller.py,
# get_scheduler_command / get_worker_command).
from traitlets import Dict, Float, Integer, Unicode, default
from traitlets.config import Configurable

from ..traitlets import Command, MemoryLimit


class ClusterConfig(Configurable):
    scheduler_cmd = Command("dask-scheduler", config=True)
    worker_cmd = Command("dask-worker", config=True)
    environment = Dict(config=True)
    worker_memory = MemoryLimit("2 G", config=True)
    worker_cores = Integer(1, min=1, config=True)
    worker_threads = Integer(min=1, allow_none=True, config=True)
    scheduler_memory = MemoryLimit("2 G", config=True)
    scheduler_cores = Integer(1, min=1, config=True)
    adaptive_period = Float(3, min=0, config=True)
    idle_timeout = Float(0, min=0, config=True)
    cluster_max_memory = MemoryLimit(None, min=0, allow_none=True, config=True)
    cluster_max_cores = Float(None, min=0.0, allow_none=True, config=True)
    cluster_max_workers = Integer(allow_none=True, min=0, config=True)

    @default("worker_threads")
    def _default_worker_threads(self):
        return max(int(self.worker_cores), 1)


class KubeClusterConfig(ClusterConfig):
    image = Unicode("daskgateway/dask-gateway:latest", config=True)
    worker_cores = Float(1, min=0, config=True)
    worker_cores_limit = Float(min=0, config=True)
    worker_memory_limit = MemoryLimit(config=True)
    scheduler_cores = Float(1, min=0, config=True)
    # Merged into the worker pod's spec and its container (controller.py make_pod).
    worker_extra_pod_config = Dict(config=True)
    worker_extra_container_config = Dict(config=True)

    @default("worker_cores_limit")
    def _default_worker_cores_limit(self):
        return self.worker_cores

    @default("worker_memory_limit")
    def _default_worker_memory_limit(self):
        return self.worker_memory


def scheduler_command(config):
    return config.scheduler_cmd + [
        "--protocol", "tls", "--host", "", "--port", "8786", "--dashboard-address", ":8787",
        "--dg-api-address", ":8788", "--preload", "dask_gateway.scheduler_preload",
        "--dg-heartbeat-period", "0", "--dg-adaptive-period", str(config.adaptive_period),
        "--dg-idle-timeout", str(config.idle_timeout),
    ]


def worker_command(config, service="dask-abc", namespace="dev"):
    return config.worker_cmd + [
        f"tls://{service}.{namespace}:8786", "--dashboard-address", ":8787",
        "--name", "$(DASK_GATEWAY_WORKER_NAME)", "--nthreads", str(config.worker_threads),
        "--memory-limit", str(config.worker_memory_limit),
    ]
