"""Pytest fixtures for a real WordPress (tests/wordpress.py): PHP, MariaDB, Debian's WordPress.

Load them from tests/conftest.py with ``pytest_plugins = [..., "tests.wordpress_fixtures"]``.

- ``mariadb`` (session): one private MariaDB server (:class:`tests.wordpress.PrivateMariaDB`);
  every WordPress gets its own database on it.
- ``wordpress_factory``: ``start(plugins={name: folder}, **options) -> WordPress`` starts a fresh,
  installed, served WordPress (~1.5 s); all are stopped when the test ends. Options are those of
  :meth:`tests.wordpress.WordPress.start` (``title``, ``config``, ``admin_user``, ...).
- ``wordpress_module_factory``: the same, stopped at the end of the module, for a module-scoped
  fixture that shares one WordPress between tests.

Without PHP, MariaDB or WordPress they skip with instructions locally and fail under CI=true.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.wordpress import PrivateMariaDB, WordPress, WordPressFactory, missing_binaries

HOW_TO_GET_WORDPRESS = (
    "run `sudo scripts/install_debian_deps.sh`, or `apt-get install php-cli php-mysql php-curl php-xml "
    "php-mbstring wordpress wordpress-theme-twentytwentythree mariadb-server`"
)


def require_wordpress() -> None:
    # Imported here, not at the top: this plugin may be loaded before conftest is importable.
    from tests.conftest import require

    missing = missing_binaries()
    require(not missing, "PHP, MariaDB and WordPress (missing: " + ", ".join(missing) + ")", HOW_TO_GET_WORDPRESS)


@pytest.fixture(scope="session")
def mariadb() -> Iterator[PrivateMariaDB]:
    require_wordpress()
    with PrivateMariaDB.start() as db:
        yield db


def _factory(db: PrivateMariaDB) -> Iterator[WordPressFactory]:
    started: list[WordPress] = []

    def start(plugins: dict[str, Path | str] | None = None, **options: Any) -> WordPress:
        wordpress = WordPress.start(db, plugins=plugins, **options)
        started.append(wordpress)
        return wordpress

    yield start
    for wordpress in started:
        wordpress.stop()


@pytest.fixture
def wordpress_factory(mariadb: PrivateMariaDB) -> Iterator[WordPressFactory]:
    yield from _factory(mariadb)


@pytest.fixture(scope="module")
def wordpress_module_factory(mariadb: PrivateMariaDB) -> Iterator[WordPressFactory]:
    yield from _factory(mariadb)
