# Fake of z2jh.py, mirroring jupyterhub/zero-to-jupyterhub-k8s 4.4.0 jupyterhub/files/hub/z2jh.py
# (read at that tag, not copied): get_config("a.b.c", default) walks the chart's values; upstream
# reads them from the hub Secret's values.yaml, this fake from the JSON file QHUB_HUB_VALUES names
# (the HelmRelease's values merged over the chart's defaults, as Helm merges them).
import json
import os
from functools import lru_cache


@lru_cache
def _load_config():
    with open(os.environ["QHUB_HUB_VALUES"]) as f:
        return json.load(f)


def get_config(key, default=None):
    value = _load_config()
    for level in key.split("."):
        if not isinstance(value, dict) or level not in value:
            return default
        value = value[level]
    return value


def get_secret_value(key, default="never-explicitly-set"):
    # Upstream reads the chart's Secret, which holds the values at `key`; here the values themselves
    # (the test puts what Flux's valuesFrom would there), else a stand-in.
    value = get_config(key)
    if value is not None:
        return value
    if default != "never-explicitly-set":
        return default
    return "fake-secret-value"


def get_name(name):
    # Upstream reads resource names from a ConfigMap; the chart's names for release "jupyterhub".
    return {"hub": "hub", "proxy-api": "proxy-api", "singleuser": "singleuser"}.get(name, name)


def get_name_env(name, suffix=""):
    return os.environ.get((get_name(name) + suffix).upper().replace("-", "_"), "8081")


def set_config_if_not_none(cparent, name, key):
    data = get_config(key)
    if data is not None:
        setattr(cparent, name, data)
