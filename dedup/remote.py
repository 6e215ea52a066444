"""Paths on object stores and web servers (``s3://``, ``gs://``, ``hf://``, ``https://``),
reached through fsspec: which paths are remote, their file system, and what went wrong,
in one line.

Credentials and endpoints come from where each store's own tools look (the ``AWS_*``
variables, ``AWS_ENDPOINT_URL`` included; fsspec's ``FSSPEC_<PROTOCOL>_<OPTION>``
variables); dedup adds nothing to configure.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

__all__ = ["EXTRAS", "filesystem", "is_remote", "is_store_error", "join", "parts", "problem", "protocol", "stat"]

_URL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
# Packages whose exceptions say that a store could not be reached or read (they share no
# base class, and few of them are OSError).
_STORE_PACKAGES = frozenset(
    "aiobotocore aiohttp botocore fsspec gcsfs google huggingface_hub requests s3fs urllib3".split()
)
# The package each protocol needs, and the extra of dedup that brings it.
EXTRAS = {
    "s3": ("s3fs", "s3"),
    "s3a": ("s3fs", "s3"),
    "gs": ("gcsfs", "gcs"),
    "gcs": ("gcsfs", "gcs"),
    "hf": ("huggingface_hub", "hf"),
    "http": ("aiohttp", "http"),
    "https": ("aiohttp", "http"),
}


def is_remote(path: str) -> bool:
    """Whether ``path`` is a URL that fsspec reads (``file://`` and plain paths are local).

    >>> [is_remote(p) for p in ("s3://b/k", "HTTPS://x.org/a", "file:///tmp/a", "data/a.txt", "-", "C:/x")]
    [True, True, False, False, False, False]
    """
    found = _URL.match(path)
    return bool(found) and found.group(1).lower() != "file"


def protocol(path: str) -> str:
    """The protocol of a remote path, in lower case (``s3``, ``https``...)."""
    found = _URL.match(path)
    return found.group(1).lower() if found else "file"


def filesystem(url: str) -> tuple[Any, str]:
    """The fsspec file system of ``url`` and the path within it.

    Raises :class:`ImportError` with the install command when the protocol's package is
    missing, and :class:`ValueError` for a protocol fsspec does not know.
    """
    import fsspec

    name = protocol(url)
    try:
        return fsspec.core.url_to_fs(url)
    except ImportError:
        package, extra = EXTRAS.get(name, (None, None))
        if package is None:
            raise
        raise ImportError(f"{name}:// paths need {package}: pip install 'dedup[{extra}]'") from None


def parts(url: str) -> list[str]:
    """The parts of a URL's path, its bucket or host first, for naming inputs; a web
    address's query and fragment are left out (they are not part of the file's name).

    >>> parts("s3://bucket/shards/"), parts("https://example.org/data/a.jsonl?sig=x#top")
    (['bucket', 'shards'], ['example.org', 'data', 'a.jsonl'])
    """
    if protocol(url) in ("http", "https"):
        split = urlsplit(url)
        rest = f"{split.netloc}/{split.path}"
    else:
        rest = url.split("://", 1)[1]
    return [part for part in rest.split("/") if part]


def stat(fs: Any, path: str) -> dict[str, Any]:
    """``fs.info(path)``, raising :class:`FileNotFoundError` only when the store said the
    path does not exist. fsspec's HTTP file system reports every failure (403, a refused
    connection) as "not found", with the real error as its cause: that error is raised
    instead, so a path that cannot be reached is not taken for a missing one.
    """
    try:
        return fs.info(path)  # type: ignore[no-any-return]
    except FileNotFoundError as exc:
        cause = exc.__cause__
        status = getattr(cause, "status", None)
        if cause is not None and (
            (isinstance(status, int) and status not in (404, 410))
            or (isinstance(cause, OSError) and not isinstance(cause, FileNotFoundError))
        ):
            raise cause from None
        raise


def is_store_error(exc: BaseException) -> bool:
    """Whether ``exc`` says a path could not be reached or read (an OSError, a missing
    package, or an error type of a store's client) rather than that the code is wrong.

    >>> is_store_error(ConnectionResetError()), is_store_error(KeyError("x"))
    (True, False)
    """
    return isinstance(exc, (OSError, ImportError, TimeoutError)) or (
        type(exc).__module__.split(".")[0] in _STORE_PACKAGES
    )


def join(base: str, *parts: str) -> str:
    """``base`` and ``parts`` joined with ``/`` (one slash between each).

    >>> join("s3://bucket/out/", "manifest.jsonl"), join("s3://bucket/out", "a/", "b")
    ('s3://bucket/out/manifest.jsonl', 's3://bucket/out/a/b')
    """
    out = base.rstrip("/")
    for part in parts:
        out = f"{out}/{part.strip('/')}"
    return out


def problem(exc: BaseException) -> str:
    """One line saying what a store's error means for the user (no traceback, no XML).

    >>> problem(PermissionError("Access Denied")), problem(FileNotFoundError("b/k"))
    ('permission denied (Access Denied)', 'not found')
    """
    name = type(exc).__name__
    text = " ".join(str(exc).split()) or name
    if isinstance(exc, ImportError):
        return text  # the install command (see filesystem)
    if len(text) > 200:
        text = text[:199] + "…"
    status = getattr(exc, "status", None)  # aiohttp's HTTP errors carry the server's answer
    if isinstance(status, int):
        said = f"HTTP {status} {getattr(exc, 'message', '')}".strip()
        return f"permission denied ({said})" if status in (401, 403) else f"the server answered {said}"
    if isinstance(exc, PermissionError):
        return f"permission denied ({text})"
    if isinstance(exc, FileNotFoundError):
        return "not found"
    if name in ("NoCredentialsError", "PartialCredentialsError", "NoAuthTokenError", "DefaultCredentialsError"):
        return f"no usable credentials ({text}); set them as the store's tools expect (AWS_* variables for S3)"
    if name in ("EndpointConnectionError", "ClientConnectorError", "ConnectTimeoutError", "ConnectionError") or (
        isinstance(exc, ConnectionError)
    ):
        return f"cannot reach the store ({text})"
    if name == "ClientError" and ("InvalidAccessKeyId" in text or "SignatureDoesNotMatch" in text):
        return f"credentials refused ({text})"
    return f"{name}: {text}" if text != name else name
