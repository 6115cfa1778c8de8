"""Database URLs: which engine a setting names, and how to show it without its password."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and urlsplit(str(url)).scheme in ("postgresql", "postgres")


def masked(url: str) -> str:
    """The URL with its password replaced by ***, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.netloc.rsplit("@", 1)[0].split(":", 1)[0]
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def password(url: str) -> str | None:
    return urlsplit(url).password if is_postgres_url(url) else None
