"""Which models exist, and which model answers which SageMaker endpoint name.

The binding of an endpoint name to a local model lives here, beside the
definition and never in it, so the ASL exported to AWS names only the
endpoint. An endpoint resolves, in order, to:

1. a binding made with :func:`bind_endpoint` or the SWITCHYARD_ENDPOINTS setting;
2. a model of the same name or alias (``minilm``, ``all-MiniLM-L6-v2``);
3. the default model (SWITCHYARD_DEFAULT_ENDPOINT_MODEL, ``minilm`` unless set
   empty), so a new workflow runs at once. With the setting empty an unbound
   endpoint fails the way AWS fails for an endpoint that does not exist.
"""
from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from typing import Callable

from . import settings
from .models import InferenceModel, MiniLM

__all__ = ["register_model", "create_model", "model_names", "canonical_name", "bind_endpoint",
           "unbind_endpoint", "resolve_endpoint", "EndpointBinding", "UnknownEndpoint", "UnknownModel"]

ModelFactory = Callable[[], InferenceModel]


class UnknownModel(LookupError):
    """No model is registered under that name."""


class UnknownEndpoint(LookupError):
    """An endpoint name is bound to no model and there is no default model."""


@dataclass(frozen=True)
class EndpointBinding:
    model: str  # the canonical model name
    task: str | None = None  # None: the task follows from the payload, else the model's default


_lock = threading.RLock()
_factories: dict[str, ModelFactory] = {}
_aliases: dict[str, str] = {}
_bindings: dict[str, EndpointBinding] = {}
_extras_loaded = False


def register_model(name: str, factory: ModelFactory | None = None, *, aliases: tuple[str, ...] = ()):
    """Register a model under ``name`` (and ``aliases``); usable as a class decorator.

    ``factory`` is called with no arguments, once per worker process, to make
    the model before it is loaded. Registering a name again replaces it.
    Returns the factory, so the decorated class is unchanged.
    """
    def add(made: ModelFactory) -> ModelFactory:
        with _lock:
            _factories[name] = made
            for alias in (name, *aliases):
                _aliases[alias.lower()] = name
        return made

    return add(factory) if factory is not None else add


def _load_extras() -> None:
    global _extras_loaded
    with _lock:
        if _extras_loaded:
            return
        _extras_loaded = True
        for module in settings.extra_model_modules():
            importlib.import_module(module)  # the module registers its models as it loads


def canonical_name(name: str) -> str:
    """The registered name for ``name`` or one of its aliases (case-insensitive).

    Raises UnknownModel listing the names there are.
    """
    _load_extras()
    with _lock:
        try:
            return _aliases[name.lower()]
        except KeyError:
            raise UnknownModel(f"no model named {name!r}; registered: {', '.join(sorted(_factories))}") from None


def model_names() -> list[str]:
    _load_extras()
    with _lock:
        return sorted(_factories)


def create_model(name: str) -> InferenceModel:
    """A new, not yet loaded, instance of the model ``name``. Raises UnknownModel."""
    canonical = canonical_name(name)
    with _lock:
        model = _factories[canonical]()
    model.name = canonical
    return model


def bind_endpoint(endpoint: str, model: str, task: str | None = None) -> None:
    """Answer ``endpoint`` with ``model`` (and, if given, always with ``task``)."""
    with _lock:
        _bindings[endpoint] = EndpointBinding(canonical_name(model), task)


def unbind_endpoint(endpoint: str) -> None:
    with _lock:
        _bindings.pop(endpoint, None)


def resolve_endpoint(endpoint: str) -> EndpointBinding:
    """The local model that answers ``endpoint``.

    Raises UnknownEndpoint when nothing answers it, UnknownModel when a
    setting names a model that is not registered.
    """
    with _lock:
        if endpoint in _bindings:
            return _bindings[endpoint]
    configured = settings.endpoint_bindings()
    if endpoint in configured:
        model, _, task = configured[endpoint].partition(":")
        return EndpointBinding(canonical_name(model), task or None)
    try:
        return EndpointBinding(canonical_name(endpoint))
    except UnknownModel:
        pass
    default = settings.default_endpoint_model()
    if default:
        return EndpointBinding(canonical_name(default))
    raise UnknownEndpoint(
        f"Endpoint {endpoint} is not bound to a local model. Bind it with SWITCHYARD_ENDPOINTS "
        f"(for example {endpoint}=minilm) or set SWITCHYARD_DEFAULT_ENDPOINT_MODEL."
    )


register_model("minilm", MiniLM, aliases=("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"))
