# Mirrors FrozenAttrDict of dask-gateway-server/dask_gateway_server/utils.py (dask-gateway 2026.3):
# the options a handler receives, read by attribute or by key, not writable.
from collections.abc import Mapping


class FrozenAttrDict(Mapping):
    __slots__ = ("_mapping",)

    def __init__(self, mapping):
        self._mapping = mapping

    def __getattr__(self, k):
        try:
            return self._mapping[k]
        except KeyError:
            raise AttributeError(k) from None

    def __getitem__(self, k):
        return self._mapping[k]

    def __iter__(self):
        return iter(self._mapping)

    def __len__(self):
        return len(self._mapping)
