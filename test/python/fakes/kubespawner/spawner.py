# Fake of KubeSpawner, mirroring jupyterhub/kubespawner 7.0.0 kubespawner/spawner.py (read at that tag,
# not copied): the traits QHub's hub code reads and writes, with their upstream types, and the
# profile_list semantics of load_user_options. It starts no pod: `pod_volume_mounts()` and
# `pod_volumes()` return what get_pod_manifest would put in the pod.
import copy
import re

from jupyterhub.spawner import Spawner
from jupyterhub.utils import maybe_future
from traitlets import Callable, Dict, List, Unicode, Union


def _slugify(text):
    # kubespawner.utils' slugify: lowercase, non-alphanumerics to "-".
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _recursive_update(target, new):
    # kubespawner.utils.recursive_update: dicts merge, None removes a key.
    for k, v in new.items():
        if isinstance(v, dict):
            target.setdefault(k, {})
            _recursive_update(target[k], v)
        elif v is None:
            target.pop(k, None)
        else:
            target[k] = v


class KubeSpawner(Spawner):
    # Upstream: Union([List(), Dict()]); a dict's values are used sorted by key (z2jh sets dicts).
    volumes = Union(trait_types=[List(), Dict()], config=True)
    volume_mounts = Union(trait_types=[List(), Dict()], config=True)
    # Upstream: Union([List(trait=Dict()), Callable()]); a callable gets the spawner.
    profile_list = Union(trait_types=[List(trait=Dict()), Callable()], config=True)
    image = Unicode(config=True)
    node_selector = Dict(config=True)
    extra_resource_limits = Dict(config=True)
    extra_resource_guarantees = Dict(config=True)
    tolerations = List(config=True)
    common_labels = Dict(config=True)
    namespace = Unicode(config=True)

    # Upstream starts, stops and polls a pod; the tests call load_user_options and the pod_* views.
    async def start(self):
        await self.load_user_options()
        return ("127.0.0.1", 8888)

    async def stop(self, now=False):
        return None

    async def poll(self):
        return None

    def _sorted_dict_values(self, src):
        # Upstream: a dict's values sorted by key, a list as is.
        if isinstance(src, dict):
            return [src[k] for k in sorted(src)]
        return src

    def _expand_user_properties(self, template):
        # Upstream expands {username}, {servername}, ... in strings of volumes and mounts.
        return template.replace("{username}", self.user.name).replace("{servername}", "")

    def _expand_all(self, src):
        if isinstance(src, list):
            return [self._expand_all(i) for i in src]
        if isinstance(src, dict):
            return {k: self._expand_all(v) for k, v in src.items()}
        if isinstance(src, str):
            return self._expand_user_properties(src)
        return src

    def pod_volume_mounts(self):
        """The notebook container's volumeMounts, as get_pod_manifest builds them."""
        return self._expand_all(self._sorted_dict_values(self.volume_mounts))

    def pod_volumes(self):
        """The pod's volumes, as get_pod_manifest builds them."""
        return self._expand_all(self._sorted_dict_values(self.volumes))

    def _get_initialized_profile_list(self, profile_list):
        # Upstream: a deep copy; missing slugs from display_name; the first is the default if none is.
        profile_list = copy.deepcopy(profile_list)
        if not profile_list:
            return profile_list
        for profile in profile_list:
            profile.setdefault("slug", _slugify(profile["display_name"]))
        if not any(p.get("default") for p in profile_list):
            profile_list[0]["default"] = True
        return profile_list

    def _get_profile(self, slug, profile_list):
        # Upstream: the default profile for no slug; a ValueError for a slug that is not offered.
        if not slug:
            return next(p for p in profile_list if p.get("default"))
        for profile in profile_list:
            if profile["slug"] == slug:
                return profile
        raise ValueError(
            "No such profile: %s. Options include: %s"
            % (slug, ", ".join(p["slug"] for p in profile_list))
        )

    def _apply_overrides(self, spawner_override):
        # Upstream: callables get the spawner; a dict merges into a dict trait; others replace.
        for k, v in spawner_override.items():
            if callable(v):
                v = v(self)
            if isinstance(v, dict) and isinstance(getattr(self, k), dict):
                _recursive_update(getattr(self, k), v)
            else:
                setattr(self, k, v)

    async def get_profile_list(self):
        """What the options form offers: profile_list, called when callable, initialized."""
        profile_list = self.profile_list
        if callable(profile_list):
            profile_list = await maybe_future(profile_list(self))
        return self._get_initialized_profile_list(profile_list)

    async def load_user_options(self):
        # Upstream: called by start(); validates user_options["profile"] against the (callable's)
        # profile list and applies the profile's kubespawner_override.
        profile_list = await self.get_profile_list()
        selected = (self.user_options or {}).get("profile")
        if selected:
            self._get_profile(selected, profile_list)
        if profile_list:
            profile = self._get_profile(selected, profile_list)
            self._apply_overrides(profile.get("kubespawner_override", {}))
