"""SECRET_KEY: a published development key on loopback only, a real one anywhere else.

Switchyard is "public" when it may be reached from beyond this machine: SWITCHYARD_PUBLIC
is set (the Dockerfile and docker-compose.yml set it), ``HOST`` (what ``make run`` binds
daphne to; the Makefile exports it) is not a loopback address, or ALLOWED_HOSTS names
anything beyond loopback. A public server uses SECRET_KEY when it is set to a real key,
refuses to start when it is one of the published placeholders, and otherwise generates one
on first start and keeps it in ``var/secret_key`` (readable by its owner only).
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

__all__ = ["DEVELOPMENT_KEY", "is_public", "secret_key"]

DEVELOPMENT_KEY = "switchyard-insecure-local-development-key"
# Keys printed in this repository's files: never good enough for a public server.
PUBLISHED_KEYS = frozenset({DEVELOPMENT_KEY, "change-me", "change-me-to-a-long-random-string"})
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]", ""})
_TRUE = ("1", "true", "yes", "on")


def _is_loopback_name(name: str) -> bool:
    name = name.strip().lower()
    return name in _LOOPBACK_NAMES or name.startswith("127.") or name.endswith(".localhost")


def is_public(environ: Mapping[str, str]) -> bool:
    """Return True when the server may be reached from beyond this machine (see the module doc)."""
    if environ.get("SWITCHYARD_PUBLIC", "").strip().lower() in _TRUE:
        return True
    if not _is_loopback_name(environ.get("HOST", "")):
        return True
    hosts = [h for h in environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    return any(not _is_loopback_name(host) for host in hosts)


def secret_key(environ: Mapping[str, str], var_dir: Path) -> str:
    """Return the SECRET_KEY to use; raises ImproperlyConfigured naming SECRET_KEY when none is safe."""
    key = (environ.get("SECRET_KEY") or "").strip()
    if not is_public(environ):
        return key or DEVELOPMENT_KEY
    if key in PUBLISHED_KEYS:
        raise ImproperlyConfigured(
            f"SECRET_KEY is set to a published placeholder ({key!r}) and this server may be reached from "
            "beyond this machine (HOST, ALLOWED_HOSTS or SWITCHYARD_PUBLIC): set SECRET_KEY to a long random "
            "string, or unset it to have one generated and kept in var/secret_key")
    return key or _kept_key(var_dir / "secret_key")


def _kept_key(path: Path) -> str:
    """Return the key kept at ``path``, creating it (owner-only) on first use; safe when processes race."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(50))
        key = path.read_text().strip()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"SECRET_KEY is not set and {path} cannot be kept ({exc}); this server may be reached from beyond "
            "this machine, so set SECRET_KEY to a long random string") from None
    if len(key) < 50:
        raise ImproperlyConfigured(f"{path} holds no usable key: delete it, or set SECRET_KEY")
    return key
