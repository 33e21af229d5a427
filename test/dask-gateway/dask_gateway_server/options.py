# Mirrors dask-gateway-server/dask_gateway_server/options.py of dask-gateway 2026.3: Options and
# its fields as the gateway uses them (parse, transform, handler with one or two parameters).
import inspect
from collections import OrderedDict
from collections.abc import Sequence

from .utils import FrozenAttrDict


class Options:
    def __init__(self, *fields, handler=None):
        for f in fields:
            if not isinstance(f, Field):
                raise TypeError(f"All fields must by instances of ``Field``, got {type(f).__name__!r}")
        self.fields = fields
        self.handler = handler

    @property
    def handler(self):
        return self._handler

    @handler.setter
    def handler(self, handler):
        if handler is None:
            self._handler = None
            return
        params = inspect.signature(handler).parameters.values()
        one = len(params) == 1 and all(p.kind != inspect.Parameter.VAR_POSITIONAL for p in params)
        self._handler = (lambda options, user: handler(options)) if one else handler

    def get_specification(self):
        return [f.json_spec() for f in self.fields]

    def parse_options(self, request):
        if not isinstance(request, dict):
            raise TypeError(f"options must be a dict, got {type(request).__name__!r}")
        extra = set(request).difference(f.field for f in self.fields)
        if extra:
            raise ValueError(f"Unknown fields {sorted(extra)!r}")
        return {f.field: f.validate(request.get(f.field, f.get_default())) for f in self.fields}

    def transform_options(self, options):
        return {f.target: f.transform(options.get(f.field, f.get_default())) for f in self.fields}

    def get_configuration(self, options, user):
        options = self.transform_options(options)
        if self.handler is None:
            return options
        return self.handler(FrozenAttrDict(options), user)


class Field:
    def __init__(self, field, default=None, target=None, label=None):
        self.field = field
        self.validate(default)
        self.default = default
        self.target = target or field
        self.label = label or field

    def json_spec(self):
        return {"field": self.field, "label": self.label, "default": self.default, "spec": self.json_type_spec()}

    def get_default(self):
        return self.default

    def validate(self, x):
        raise NotImplementedError

    def json_type_spec(self):
        raise NotImplementedError

    def transform(self, x):
        return x


class String(Field):
    def __init__(self, field, default="", label=None, target=None):
        super().__init__(field, default=default, label=label, target=target)

    def validate(self, x):
        if not isinstance(x, str):
            raise TypeError(f"{self.field} must be a string, got {x!r}")
        return x

    def json_type_spec(self):
        return {"type": "string"}


class Bool(Field):
    def __init__(self, field, default=False, label=None, target=None):
        super().__init__(field, default=default, label=label, target=target)

    def validate(self, x):
        if not isinstance(x, bool):
            raise TypeError(f"{self.field} must be a bool, got {x!r}")
        return x

    def json_type_spec(self):
        return {"type": "bool"}


class Number(Field):
    def __init__(self, field, default=0, min=None, max=None, label=None, target=None):
        self.min = self.max = None
        if min is not None:
            self.min = self.validate(min)
        if max is not None:
            self.max = self.validate(max)
        super().__init__(field, default=default, label=label, target=target)

    def validate(self, x):
        if self.min is not None and x < self.min:
            raise ValueError(f"{self.field} must be >= {self.min:f}, got {x}")
        if self.max is not None and x > self.max:
            raise ValueError(f"{self.field} must be <= {self.max:f}, got {x}")
        return x


class Integer(Number):
    def validate(self, x):
        if not isinstance(x, int):
            raise TypeError(f"{self.field} must be an integer, got {x!r}")
        return super().validate(x)

    def json_type_spec(self):
        return {"type": "int", "min": self.min, "max": self.max}


class Float(Number):
    def validate(self, x):
        if isinstance(x, int):
            x = float(x)
        if not isinstance(x, float):
            raise TypeError(f"{self.field} must be a float, got {x!r}")
        return super().validate(x)

    def json_type_spec(self):
        return {"type": "float", "min": self.min, "max": self.max}


class Select(Field):
    """Keys are strings; the default is the first listed unless given."""

    def __init__(self, field, options, default=None, label=None, target=None):
        if not isinstance(options, Sequence):
            raise TypeError("options must be a sequence")
        if not len(options):
            raise ValueError("There must be at least one option")
        choices = OrderedDict()
        for option in options:
            key, value = option if isinstance(option, tuple) else (option, option)
            if not isinstance(key, str):
                raise TypeError(f"Select keys must be strings, got {key!r}")
            choices[key] = value
        self.options = choices
        super().__init__(field, default=list(choices)[0] if default is None else default, label=label, target=target)

    def validate(self, x):
        if not isinstance(x, str):
            raise TypeError(f"{self.field} must be a string, got {x!r}")
        if x not in self.options:
            raise ValueError(f"{x!r} is not a valid option for {self.field}")
        return x

    def transform(self, x):
        self.validate(x)
        return self.options[x]

    def json_type_spec(self):
        return {"type": "select", "options": list(self.options)}


class Mapping(Field):
    def __init__(self, field, default=None, label=None, target=None):
        super().__init__(field, default={} if default is None else default, label=label, target=target)

    def validate(self, x):
        if not isinstance(x, dict):
            raise TypeError(f"{self.field} must be a mapping, got {x!r}")
        return x

    def get_default(self):
        import copy

        return copy.deepcopy(self.default)

    def json_type_spec(self):
        return {"type": "mapping"}
