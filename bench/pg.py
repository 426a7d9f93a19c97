"""A throwaway PostgreSQL database for one benchmark run."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tokengate"


def admin_url() -> str:
    """The URL of the `postgres` database on the server of DATABASE_URL."""
    return _with_database(os.environ.get("DATABASE_URL") or DEFAULT_URL, "postgres")


def backend_pids(database_url: str) -> list[int]:
    """Process ids of the PostgreSQL backends connected to the database of `database_url`."""
    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(admin_url()) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,)).fetchall()
    return [int(row[0]) for row in rows]


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@contextmanager
def temporary_database(prefix: str = "tokengate_bench") -> Iterator[str]:
    """Create a database with a unique name on the server of DATABASE_URL; yield its URL; drop it after.

    The server's `postgres` database is used to create and drop it, so DATABASE_URL's own database
    is never touched. The drop also runs when the benchmark fails.
    """
    server_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _with_database(server_url, name)
    finally:
        with psycopg.connect(admin_url(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
