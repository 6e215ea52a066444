"""Canonical URLs: the key under which ``--same-url`` puts documents in one cluster."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["canonical_url"]


def canonical_url(url: str) -> str | None:
    """``url`` in one spelling per page, or ``None`` when it is not an http(s) URL.

    courlan (which trafilatura brings) lower-cases scheme and host, drops default ports,
    tracking parameters (``utm_*``, ``fbclid``...) and sorts the others; then the
    fragment and a trailing slash of the path go too (``/a/`` is ``/a``; the root stays).
    The scheme is kept: ``http`` and ``https`` may serve different pages.

    >>> canonical_url("HTTPS://WWW.Example.com:443/News/a/?utm_source=x&b=2&a=1#top")
    'https://www.example.com/News/a?a=1&b=2'
    >>> canonical_url("https://example.com"), canonical_url("not a url"), canonical_url("ftp://x.org/f")
    ('https://example.com/', None, None)
    """
    from courlan import normalize_url

    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    try:
        normal = normalize_url(text)
    except (ValueError, AttributeError):
        return None
    scheme, host, path, query, _ = urlsplit(normal)
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return urlunsplit((scheme, host, path or "/", query, ""))
