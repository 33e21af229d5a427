# hub.extraConfig "qhub-shared-folders" (executed by Zero to JupyterHub's jupyterhub_config.py, where
# `c` is defined). Each of the user's groups has a shared folder, /home/shared/<group>, on the shared
# claim (volume qhub-shared). Zero to JupyterHub 4.4 sets KubeSpawner.volume_mounts to a dict keyed
# by name (kubespawner 7 takes a dict or a list; a list is keyed here as z2jh keys one). The spawner
# object lives on between starts: the hook replaces the folders it added last time, so a second start
# adds nothing twice and a group the user left loses its folder.
#
# A GitHub team's group is `org:team`; its folder is /home/shared/org@team, because a container's
# mount path must not hold `:` (the Kubernetes API says so, and runtimes split on it). Groups whose
# names are not one plain path segment (a provider's can be anything) get no folder.
import re

_QHUB_SHARED_KEY = "qhub-shared-group-"
# Letters, digits, `.`, `_`, `-` (as security.groups allows) and one `:` of a GitHub team; `@` is out
# so that `org@team` names one group only, and kubespawner expands `{...}`, so braces are out too.
_QHUB_SAFE_GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(:[A-Za-z0-9][A-Za-z0-9._-]*)?$")


def _qhub_shared_folders(spawner):
    mounts = spawner.volume_mounts
    if isinstance(mounts, list):
        mounts = {f"{i}-{m['name']}": m for i, m in enumerate(mounts)}
    mounts = {k: v for k, v in mounts.items() if not k.startswith(_QHUB_SHARED_KEY)}
    for group in sorted(g.name for g in spawner.user.groups):
        if not _QHUB_SAFE_GROUP.match(group):
            spawner.log.warning("No shared folder for group %r: not a safe folder name", group)
            continue
        folder = group.replace(":", "@")
        mounts[_QHUB_SHARED_KEY + folder] = {
            "name": "qhub-shared",
            "mountPath": f"/home/shared/{folder}",
            "subPath": f"shared/{folder}",
        }
    spawner.volume_mounts = mounts


c.KubeSpawner.pre_spawn_hook = _qhub_shared_folders  # noqa: F821
