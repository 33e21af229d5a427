# Fake of Zero to JupyterHub's jupyterhub_config.py, mirroring jupyterhub/zero-to-jupyterhub-k8s 4.4.0
# jupyterhub/files/hub/jupyterhub_config.py (read at that tag, not copied): the parts that shape what
# QHub's hub code meets. Loaded by JupyterHub's own config loader (traitlets' PyFileConfigLoader).
# - JupyterHub.authenticate_prometheus, template_paths, template_vars from hub.authenticatePrometheus,
#   hub.templatePaths, hub.templateVars;
# - JupyterHub.services from hub.services, each named by its key, its api_token from the chart's Secret;
# - KubeSpawner.profile_list from singleuser.profileList;
# - KubeSpawner.volumes and volume_mounts as DICTS keyed by name: the home claim (storage static),
#   singleuser.extraFiles, then extraVolumes / extraVolumeMounts (a list is keyed "<index>-<name>");
# - hub.config sections merged into the traitlets config (c[section].update);
# - hub.extraConfig executed in sorted key order, in this module's namespace (c, get_config).
import os
import re
import sys

c = get_config()  # noqa: F821 (traitlets' loader defines it)

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from z2jh import get_config, get_secret_value, set_config_if_not_none  # noqa: E402


def camelCaseify(s):
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), s)


c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"

for trait in ("authenticate_prometheus", "template_paths", "template_vars"):
    set_config_if_not_none(c.JupyterHub, trait, "hub." + camelCaseify(trait))

# hub.services (a dict, so that values merge) becomes JupyterHub.services, each with its name and
# the token the chart keeps in its Secret (here: the value Flux put at hub.services.<name>.apiToken).
for key, service in get_config("hub.services", {}).items():
    service.setdefault("name", key)
    service.pop("apiToken", None)
    service["api_token"] = get_secret_value(f"hub.services.{key}.apiToken")
    c.JupyterHub.services.append(service)

for trait in ("profile_list", "node_selector"):
    set_config_if_not_none(c.KubeSpawner, trait, "singleuser." + camelCaseify(trait))

volumes = {}
volume_mounts = {}
if get_config("singleuser.storage.type") == "static":
    volumes = {
        "home": {
            "name": "home",
            "persistentVolumeClaim": {"claimName": get_config("singleuser.storage.static.pvcName")},
        }
    }
    volume_mounts = {
        "home": {
            "mountPath": get_config("singleuser.storage.homeMountPath"),
            "name": "home",
            "subPath": get_config("singleuser.storage.static.subPath"),
        }
    }

extra_files = get_config("singleuser.extraFiles", {})
if extra_files:
    volumes["files"] = {
        "name": "files",
        "secret": {
            "secretName": "singleuser",
            "items": [{"key": k, "path": k} for k in extra_files],
        },
    }
    for idx, (file_key, details) in enumerate(extra_files.items()):
        volume_mounts[f"{idx}-files"] = {
            "mountPath": details["mountPath"],
            "subPath": file_key,
            "name": "files",
        }

extra_volumes = get_config("singleuser.storage.extraVolumes", default={})
if isinstance(extra_volumes, dict):
    volumes.update(extra_volumes)
else:
    for volume in extra_volumes:
        volumes[volume["name"]] = volume

extra_volume_mounts = get_config("singleuser.storage.extraVolumeMounts", default={})
if isinstance(extra_volume_mounts, dict):
    volume_mounts.update(extra_volume_mounts)
else:
    for idx, volume_mount in enumerate(extra_volume_mounts):
        volume_mounts[f"{idx}-{volume_mount['name']}"] = volume_mount

c.KubeSpawner.volumes = volumes
c.KubeSpawner.volume_mounts = volume_mounts

for section, cfg in get_config("hub.config", {}).items():
    if not section[:1].isupper():
        print(f"FATAL: Invalid hub.config section name: {section}.", file=sys.stderr)
        sys.exit(1)
    c[section].update(cfg)

for key, config_py in sorted(get_config("hub.extraConfig", {}).items()):
    exec(config_py)
