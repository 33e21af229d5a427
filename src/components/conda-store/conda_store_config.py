# conda-store's configuration, as qhub render mounts it at /etc/conda-store/ (the ConfigMap
# conda-store-config) with its data, qhub.json, beside it. conda-store loads it with traitlets'
# config loader, which defines `c` and this file's `__file__`.
# test/conda-store-config.test.ts loads it with Debian's traitlets the same way.
import json
import os

with open(os.path.join(os.path.dirname(__file__), "qhub.json")) as f:
    _qhub = json.load(f)

# Builds, environments and the SQLite database live on the shared claim (mounted at /home/conda).
c.CondaStore.store_directory = _qhub["store_directory"]  # noqa: F821
c.CondaStore.environment_directory = _qhub["environment_directory"]  # noqa: F821
c.CondaStore.database_url = _qhub["database_url"]  # noqa: F821
# The POSIX owner of the notebooks' files: conda-store chowns its prefixes to it.
c.CondaStore.default_uid = _qhub["uid"]  # noqa: F821
c.CondaStore.default_gid = _qhub["gid"]  # noqa: F821
c.CondaStore.default_permissions = "775"  # noqa: F821
# Every environment can be a Jupyter kernel.
c.CondaStore.conda_included_packages = ["ipykernel"]  # noqa: F821
# Loopback only: nothing in the cluster needs the API (see the NetworkPolicy beside it).
c.CondaStoreServer.address = "127.0.0.1"  # noqa: F821
c.CondaStoreServer.port = _qhub["port"]  # noqa: F821
c.CondaStoreServer.url_prefix = "/conda-store"  # noqa: F821
# The specs (environments/ of the rendered repository), mounted from a ConfigMap.
c.CondaStoreWorker.watch_paths = [_qhub["watch_path"]]  # noqa: F821
