# Runs a rendered dask-gateway HelmRelease's gateway.extraConfig as the chart's
# dask_gateway_config.py does (each snippet in key order, with `c` the traitlets config), in the
# gateway pod's environment (gateway.env: the chart's templates/gateway/deployment.yaml), then
# drives the cluster options as the gateway's Backend.process_cluster_options does: parse the
# request, get the handler's overrides, build the cluster config from them. Prints JSON.
# Usage: python3 run_options.py < {"extraConfig": {...}, "env": [{"name": ..., "value": ...}]}
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from traitlets.config import Config  # noqa: E402

from dask_gateway_server.backends.kubernetes import (  # noqa: E402
    KubeClusterConfig,
    scheduler_command,
    worker_command,
)
from dask_gateway_server.options import Options  # noqa: E402


def main():
    gateway = json.load(sys.stdin)
    extra_config = gateway["extraConfig"]
    for var in gateway.get("env") or []:
        os.environ[var["name"]] = var["value"]
    c = Config()
    for key in sorted(extra_config):
        exec(compile(extra_config[key], f"gateway.extraConfig.{key}", "exec"), {"c": c})
    options = c.Backend.cluster_options
    assert isinstance(options, Options), f"c.Backend.cluster_options is {type(options).__name__}"

    def launch(request):
        parsed = options.parse_options(request)
        overrides = options.get_configuration(parsed, None)
        config = KubeClusterConfig(config=c, **overrides)
        return {
            "request": request,
            "options": parsed,
            "image": config.image,
            "worker_cores": config.worker_cores,
            "worker_cores_limit": config.worker_cores_limit,
            "worker_memory": config.worker_memory,
            "worker_memory_limit": config.worker_memory_limit,
            "worker_threads": config.worker_threads,
            "cluster_max_workers": config.cluster_max_workers,
            "idle_timeout": config.idle_timeout,
            "worker_extra_pod_config": config.worker_extra_pod_config,
            "worker_extra_container_config": config.worker_extra_container_config,
            "scheduler": scheduler_command(config),
            "worker": worker_command(config),
        }

    spec = options.get_specification()
    launches = [launch({})]
    for field in spec:
        for choice in field["spec"].get("options", []):
            launches.append(launch({field["field"]: choice}))
    print(json.dumps({"spec": spec, "launches": launches}))


main()
