# hub.extraConfig "qhub-profile-audience" (executed by Zero to JupyterHub's jupyterhub_config.py, where
# `c` and z2jh's `get_config` are defined). Profiles limited to users or groups
# (profiles.jupyterlab[].users / groups) are offered only to them: kubespawner calls a callable
# profile_list with the spawner both to render the form and to check the chosen profile at start,
# so a hidden profile can be neither seen nor started. custom.qhub.profileAudience maps a profile's
# slug to its users (normalized, lowercase) and groups (GitHub teams as `org:team`).
_qhub_audience = get_config("custom.qhub.profileAudience", {})  # noqa: F821 (z2jh's)
_qhub_profiles = get_config("singleuser.profileList", [])  # noqa: F821


def _qhub_visible_profiles(spawner):
    groups = {g.name for g in spawner.user.groups}

    def visible(profile):
        who = _qhub_audience.get(profile.get("slug"))
        return who is None or spawner.user.name in who["users"] or bool(groups & set(who["groups"]))

    return [p for p in _qhub_profiles if visible(p)]


c.KubeSpawner.profile_list = _qhub_visible_profiles  # noqa: F821
