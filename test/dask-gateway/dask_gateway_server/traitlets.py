# Mirrors Command and MemoryLimit of dask-gateway-server/dask_gateway_server/traitlets.py
# (dask-gateway 2026.3): a command is a non-empty list of strings (a string becomes a one-item
# list); a memory limit is bytes, or a string with one binary suffix K, M, G or T ("8Gi" fails).
from traitlets import Integer, List, TraitError, Unicode


class Command(List):
    def __init__(self, default_value=None, **kwargs):
        kwargs.setdefault("minlen", 1)
        if isinstance(default_value, str):
            default_value = [default_value]
        super().__init__(Unicode(), default_value, **kwargs)

    def validate(self, obj, value):
        if isinstance(value, str):
            value = [value]
        return super().validate(obj, value)


class MemoryLimit(Integer):
    UNIT_SUFFIXES = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}

    def validate(self, obj, value):
        if isinstance(value, (int, float)):
            return int(value)
        try:
            number = float(value[:-1])
        except ValueError:
            raise TraitError(f"{value} is not a valid memory specification") from None
        if value[-1] not in self.UNIT_SUFFIXES:
            raise TraitError(f"{value} is not a valid memory specification")
        return int(number * self.UNIT_SUFFIXES[value[-1]])
