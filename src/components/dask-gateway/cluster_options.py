# Dask Gateway cluster options (the chart's gateway.extraConfig): a worker size from
# profiles.dask_worker and a conda environment that can run Dask, each a Select whose default is
# the first listed. Its data is JSON in the gateway's environment (gateway.env QHUB_DASK_OPTIONS,
# in the same HelmRelease), written by qhub render; the chart runs this file with `c` defined.
# test/gateway-options.test.ts runs it against fakes of dask-gateway-server 2026.3.
import json
import os

from dask_gateway_server.options import Options, Select


def _qhub_dask_options(c, data):
    workers = {w["name"]: w for w in data["workers"]}
    environments = data["environments"]

    def handler(options):
        w = workers[options.profile]
        # Built by conda-store onto the shared volume, mounted read-only at /home/conda.
        bindir = f"{data['prefix']}/{options.environment}/bin"
        # A size on another node group (or a GPU group): its pod and container settings replace
        # the chart's worker settings, which hold the same conda volume and mount.
        placement = {}
        if "pod" in w:
            placement["worker_extra_pod_config"] = w["pod"]
        if "container" in w:
            placement["worker_extra_container_config"] = w["container"]
        return {
            **placement,
            "worker_cores": w["cores"],
            "worker_cores_limit": w["cores_limit"],
            # Bytes: the gateway's MemoryLimit trait reads "8G" as GiB and rejects "8Gi".
            "worker_memory": w["memory"],
            "worker_memory_limit": w["memory_limit"],
            "worker_threads": w["threads"],
            "image": w["image"],
            # distributed 2026.6 no longer installs the dask-scheduler and dask-worker scripts:
            # both are subcommands of the `dask` CLI (distributed's dask_cli entry points). The
            # gateway appends its arguments (--preload dask_gateway.scheduler_preload, ...).
            "scheduler_cmd": [f"{bindir}/dask", "scheduler"],
            "worker_cmd": [f"{bindir}/dask", "worker"],
        }

    c.Backend.cluster_options = Options(
        Select("profile", list(workers), default=data["workers"][0]["name"], label="Worker size"),
        Select("environment", environments, default=environments[0], label="Conda environment"),
        handler=handler,
    )
    # Adaptive scaling stays within the worker node pool's size.
    c.ClusterConfig.cluster_max_workers = data["max_workers"]
    c.ClusterConfig.idle_timeout = data["idle_timeout"]


_qhub_dask_options(c, json.loads(os.environ["QHUB_DASK_OPTIONS"]))  # noqa: F821
