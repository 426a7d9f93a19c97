"""A real WordPress for tests, offline: a private MariaDB and PHP's built-in web server.

Nothing here knows Django. It uses the Debian packages (``scripts/install_debian_deps.sh``):
WordPress 6.1 from ``/usr/share/wordpress``, PHP 8.2 CLI, MariaDB 10.11::

    with PrivateMariaDB.start() as db, WordPress.start(db, plugins={"tokengate": PLUGIN_DIR}) as wp:
        post_id = wp.create_post("Members only", "<p>Secret</p>")
        html = requests.get(f"{wp.url}/members-only/").text
        wp.set_option("tokengate_service_url", "http://127.0.0.1:8000")
        print(wp.php("echo get_option('blogname');"))

- :class:`PrivateMariaDB` initialises its own data folder (``mariadb-install-db``) and runs its
  own ``mariadbd --no-defaults`` on a free TCP port and a private socket: it never touches a
  MariaDB/MySQL server the machine already runs. ``root`` has no password. Durability is off
  (``innodb_flush_method=nosync``): it is a throwaway test database.
- :class:`WordPress` copies WordPress into a temporary folder, writes its own ``wp-config.php``
  (external HTTP blocked except 127.0.0.1/localhost, no cron, no updates, ``WP_DEBUG`` to a log
  file), installs it from the PHP CLI (no WP-CLI), sets ``/%postname%/`` permalinks, links and
  activates the given plugins and serves it with ``php -S`` at ``http://127.0.0.1:<port>``.
  Each WordPress gets its own database on the given MariaDB, so several can share one server.
  Mail is never sent: a must-use plugin appends each message to :attr:`WordPress.mail_log`.

Set ``TOKENGATE_KEEP_WORKDIRS=1`` to keep the temporary folders (logs, the WordPress copy) after
stopping, to look at them after a failing test.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

#: Where Debian's ``wordpress`` package puts WordPress (its wp-config.php is replaced by ours).
WORDPRESS_SOURCE = Path(os.environ.get("TOKENGATE_WORDPRESS_SOURCE", "/usr/share/wordpress"))
#: Where Debian's theme packages link themes from (``wordpress-theme-*``), if not in the source.
DEBIAN_THEMES = Path("/var/lib/wordpress/wp-content/themes")
DEFAULT_THEME = "twentytwentythree"
HOST = "127.0.0.1"

_PREFIX = "tokengate-"


class HarnessError(RuntimeError):
    """MariaDB or WordPress did not start, or a PHP snippet failed."""


#: What ``wordpress_factory`` (tests/wordpress_fixtures.py) gives: ``start(plugins=..., **options)``.
WordPressFactory = Callable[..., "WordPress"]


def missing_binaries() -> list[str]:
    """What of PHP, MariaDB and WordPress this machine lacks (empty when all is there)."""
    missing = [name for name in ("php", "mariadbd", "mariadb-install-db", "mariadb") if shutil.which(name) is None]
    if not (WORDPRESS_SOURCE / "wp-settings.php").is_file():
        missing.append(f"WordPress in {WORDPRESS_SOURCE}")
    elif not any(
        (themes / DEFAULT_THEME).is_dir() for themes in (WORDPRESS_SOURCE / "wp-content/themes", DEBIAN_THEMES)
    ):
        missing.append(f"the {DEFAULT_THEME} theme (wordpress-theme-{DEFAULT_THEME})")
    if shutil.which("php") is not None:
        probe = subprocess.run(
            ["php", "-r", "echo extension_loaded('mysqli') ? 1 : 0;"], capture_output=True, text=True, check=False
        )
        if probe.stdout.strip() != "1":
            missing.append("php-mysql (the mysqli extension)")
    return missing


def free_port() -> int:
    """A TCP port that was free a moment ago (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def php_literal(value: Any) -> str:
    """``value`` (str, int, float, bool, None, lists and dicts of those) as a PHP expression."""
    if value is None or isinstance(value, bool | int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    # Anything nested goes through JSON: exact for strings, numbers, arrays, objects.
    return f"json_decode({php_literal(json.dumps(value))}, true)"


def scratch_dir() -> str | None:
    """Where the temporary folders go: $TOKENGATE_HARNESS_TMPDIR, else /dev/shm when writable.

    In memory a WordPress copy takes ~0.3 s instead of 1-2 s on a busy disk.
    """
    chosen = os.environ.get("TOKENGATE_HARNESS_TMPDIR")
    if chosen:
        return chosen
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else None


def _keep_workdirs() -> bool:
    return os.environ.get("TOKENGATE_KEEP_WORKDIRS", "") not in ("", "0")


def _stop_group(process: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """SIGTERM the process group ``process`` leads (``start_new_session``), then SIGKILL it."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; workers of `php -S` may not be: SIGKILL whatever is left in the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        break


def _cleanup(process: subprocess.Popen[bytes] | None, workdir: Path) -> None:
    """Stop ``process`` and its process group; remove ``workdir``. Idempotent."""
    try:
        if process is not None:
            _stop_group(process)
    finally:
        if not _keep_workdirs():
            shutil.rmtree(workdir, ignore_errors=True)


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return f"({path} is missing)"


class PrivateMariaDB:
    """A throwaway MariaDB server of our own. Start it with :meth:`start`; stop with :meth:`stop`."""

    host = HOST
    user = "root"
    password = ""

    def __init__(self, process: subprocess.Popen[bytes], workdir: Path, port: int, start_seconds: float) -> None:
        self.process = process
        self.workdir = workdir
        self.port = port
        self.socket = workdir / "mysqld.sock"
        self.error_log = workdir / "log" / "error.log"
        #: Seconds from nothing to accepting connections (install-db + server start).
        self.start_seconds = start_seconds
        self._names = 0
        self._finalizer = weakref.finalize(self, _cleanup, process, workdir)

    @classmethod
    def start(cls, *, port: int = 0, timeout: float = 30.0) -> PrivateMariaDB:
        """Initialise a data folder in a temporary folder and start ``mariadbd`` on it.

        ``port=0`` picks a free port. Returns once the server answers a query over TCP.
        """
        began = time.monotonic()
        workdir = Path(tempfile.mkdtemp(prefix=_PREFIX + "mariadb-", dir=scratch_dir()))
        datadir, log_dir = workdir / "data", workdir / "log"
        log_dir.mkdir()
        # As root, mariadbd would switch to the `mysql` user, which cannot enter our 0700 temporary
        # folder; run it as root instead. As anyone else it runs as that user.
        user = ["--user=root"] if os.geteuid() == 0 else []
        # A test database needs no durability; without fsyncs install-db takes ~1 s, not ~2.5 s.
        fast = [
            "--innodb-flush-method=nosync",
            "--innodb-flush-log-at-trx-commit=0",
            "--innodb-doublewrite=0",
            "--innodb-log-file-size=16M",
            "--innodb-buffer-pool-size=64M",
        ]
        install = subprocess.run(
            [
                "mariadb-install-db",
                "--no-defaults",
                f"--datadir={datadir}",
                "--auth-root-authentication-method=normal",  # root@localhost without a password
                "--skip-test-db",
                "--skip-name-resolve",
                *user,
                *fast,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if install.returncode != 0:
            shutil.rmtree(workdir, ignore_errors=True)
            raise HarnessError(f"mariadb-install-db failed ({install.returncode}):\n{install.stdout}\n{install.stderr}")
        for attempt in range(3):
            chosen = port or free_port()
            process = subprocess.Popen(
                [
                    "mariadbd",
                    "--no-defaults",
                    f"--datadir={datadir}",
                    f"--socket={workdir / 'mysqld.sock'}",
                    f"--port={chosen}",
                    f"--bind-address={HOST}",
                    f"--pid-file={workdir / 'mysqld.pid'}",
                    f"--log-error={log_dir / 'error.log'}",
                    "--skip-name-resolve",
                    "--skip-log-bin",
                    "--character-set-server=utf8mb4",
                    "--collation-server=utf8mb4_unicode_ci",
                    "--max-connections=200",
                    *user,
                    *fast,
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                cls._wait_ready(process, chosen, log_dir / "error.log", timeout)
            except HarnessError:
                _stop_group(process)
                in_use = "already in use" in _tail(log_dir / "error.log")
                if in_use and not port and attempt < 2:
                    continue  # another process took the free port in between: pick another
                shutil.rmtree(workdir, ignore_errors=True)
                raise
            return cls(process, workdir, chosen, time.monotonic() - began)
        raise AssertionError("unreachable")

    @staticmethod
    def _wait_ready(process: subprocess.Popen[bytes], port: int, log: Path, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise HarnessError(f"mariadbd exited with status {process.returncode}:\n{_tail(log)}")
            try:
                with socket.create_connection((HOST, port), timeout=0.5) as connection:
                    # The server speaks first (its handshake) once it accepts clients.
                    connection.settimeout(2)
                    if connection.recv(1):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise HarnessError(f"mariadbd did not accept connections within {timeout} s:\n{_tail(log)}")
            time.sleep(0.02)

    # -- use ------------------------------------------------------------------------------

    def query(self, sql: str, database: str | None = None) -> str:
        """Run SQL with the ``mariadb`` client; tab-separated rows, no header. Raises on errors."""
        command = ["mariadb", "--no-defaults", "-uroot", f"--socket={self.socket}", "-N", "-B"]
        if database:
            command.append(database)
        result = subprocess.run(command, input=sql, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise HarnessError(f"SQL failed: {result.stderr.strip()}\n{sql}")
        return result.stdout

    def create_database(self, name: str | None = None) -> str:
        """Create a database (by default named ``wp_<n>``) and return its name."""
        if name is None:
            self._names += 1
            name = f"wp_{os.getpid()}_{self._names}"
        self.query(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        return name

    def drop_database(self, name: str) -> None:
        self.query(f"DROP DATABASE IF EXISTS `{name}`")

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Shut the server down (SIGTERM: a clean shutdown; SIGKILL after 5 s); remove its files."""
        self._finalizer()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<PrivateMariaDB {HOST}:{self.port} {'running' if self.running else 'stopped'}>"


# The router for `php -S`: real files as they are (PHP files run), everything else to index.php
# as Apache's rewrite rules for WordPress would (pretty permalinks, /wp-json/, /feed/).
_ROUTER = r"""<?php
$root = %(root)s;
$path = rawurldecode( parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) ?? '/' );
if ( $path !== '/' && strpos( $path, '..' ) === false ) {
    $file = $root . $path;
    if ( is_file( $file ) || ( is_dir( $file ) && is_file( rtrim( $file, '/' ) . '/index.php' ) ) ) {
        return false; // The built-in server serves it (and runs it if it is PHP).
    }
}
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['PHP_SELF'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $root . '/index.php';
unset( $_SERVER['PATH_INFO'], $_SERVER['ORIG_PATH_INFO'] );
chdir( $root );
require $root . '/index.php';
"""

# Loaded on every request and CLI run: no mail leaves; each message is logged as a JSON line.
_MU_PLUGIN = r"""<?php
/* Plugin Name: Test harness (mail to a file) */
add_filter( 'pre_wp_mail', function ( $short, $atts ) {
    $line = wp_json_encode( array(
        'to' => $atts['to'], 'subject' => $atts['subject'], 'message' => $atts['message'],
        'headers' => $atts['headers'],
    ) );
    file_put_contents( %(mail_log)s, $line . "\n", FILE_APPEND | LOCK_EX );
    return true;
}, 10, 2 );
"""

# Before wp-load.php in every CLI run: what a request to the home page would have set.
_CLI_PRELUDE = r"""<?php
$_SERVER['HTTP_HOST'] = %(host)s;
$_SERVER['SERVER_NAME'] = '127.0.0.1';
$_SERVER['SERVER_PORT'] = %(port)s;
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['PHP_SELF'] = '/index.php';
$args = json_decode( (string) getenv( 'WP_HARNESS_ARGS' ), true );
"""

_INSTALL = r"""
define( 'WP_INSTALLING', true );
require %(root)s . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
add_filter( 'pre_wp_mail', '__return_true' );
$result = wp_install( $args['title'], $args['user'], $args['email'], true, '', wp_slash( $args['password'] ) );
update_option( 'siteurl', $args['url'] );
update_option( 'home', $args['url'] );
update_option( 'permalink_structure', '/%%postname%%/' );
switch_theme( $args['theme'] );
flush_rewrite_rules( false );
echo (int) $result['user_id'];
"""

_ACTIVATE = r"""
require_once ABSPATH . 'wp-admin/includes/plugin.php';
$failed = array();
foreach ( $args['plugins'] as $folder ) {
    $files = array_keys( get_plugins( '/' . $folder ) );
    if ( ! $files ) {
        $failed[] = "$folder: no PHP file with a 'Plugin Name:' header";
        continue;
    }
    foreach ( $files as $file ) {
        $result = activate_plugin( "$folder/$file" );
        if ( is_wp_error( $result ) ) {
            $failed[] = "$folder/$file: " . $result->get_error_message();
        }
    }
}
// Rebuilt on the next request, once the new plugins have registered their rewrite rules.
delete_option( 'rewrite_rules' );
if ( $failed ) {
    fwrite( STDERR, implode( "\n", $failed ) . "\n" );
    exit( 1 );
}
echo wp_json_encode( get_option( 'active_plugins' ) );
"""


class WordPress:
    """A running WordPress. Start one with :meth:`start`; use it as a context manager or :meth:`stop`."""

    def __init__(self, db: PrivateMariaDB, database: str, workdir: Path, port: int, admin: tuple[str, str]) -> None:
        self.db = db
        self.database = database
        self.workdir = workdir
        #: The WordPress copy (ABSPATH), served by ``php -S``.
        self.root = workdir / "wordpress"
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self.admin_user, self.admin_password = admin
        #: WordPress's WP_DEBUG_LOG: PHP notices, warnings and errors of requests and CLI runs.
        self.debug_log = workdir / "debug.log"
        #: The web server's own output (one line per request, and PHP errors it saw).
        self.server_log = workdir / "server.log"
        #: Mails WordPress would have sent, one JSON object a line (to, subject, message, headers).
        self.mail_log = workdir / "mail.log"
        self.process: subprocess.Popen[bytes] | None = None
        #: Seconds :meth:`start` took, in all and per step (copy, install, plugins, serve).
        self.start_seconds = 0.0
        self.timings: dict[str, float] = {}
        self._finalizer: weakref.finalize[Any, WordPress] | None = None

    @classmethod
    def start(
        cls,
        db: PrivateMariaDB,
        *,
        plugins: Mapping[str, Path | str] | None = None,
        port: int = 0,
        title: str = "Token Gate Test Site",
        admin_user: str = "admin",
        admin_password: str = "admin-password",  # noqa: S107 - a throwaway test site
        admin_email: str = "admin@example.com",
        theme: str = DEFAULT_THEME,
        config: Mapping[str, Any] | None = None,
        copy_plugins: bool = False,
        workers: int = 4,
        timeout: float = 30.0,
    ) -> WordPress:
        """Copy, configure, install and serve a fresh WordPress on a new database of ``db``.

        ``plugins`` maps a folder name under wp-content/plugins to a plugin's source folder; each
        is symlinked (copied with ``copy_plugins=True``) and activated, in the given order.
        ``config`` adds ``define(NAME, value)`` lines to wp-config.php. ``port=0`` picks a free
        port. ``workers`` is PHP_CLI_SERVER_WORKERS (parallel requests; 1 for a single process).
        """
        began = time.monotonic()
        workdir = Path(tempfile.mkdtemp(prefix=_PREFIX + "wordpress-", dir=scratch_dir()))
        database = db.create_database()
        wp = cls(db, database, workdir, port or free_port(), (admin_user, admin_password))
        try:
            step = time.monotonic()
            wp._build(theme, dict(config or {}))
            wp.timings["copy"], step = time.monotonic() - step, time.monotonic()
            wp.php(
                _INSTALL % {"root": php_literal(str(wp.root))},
                args={
                    "title": title,
                    "user": admin_user,
                    "password": admin_password,
                    "email": admin_email,
                    "url": wp.url,
                    "theme": theme,
                },
                load=False,
            )
            wp.timings["install"], step = time.monotonic() - step, time.monotonic()
            if plugins:
                wp.add_plugins(plugins, copy=copy_plugins)
                wp.timings["plugins"], step = time.monotonic() - step, time.monotonic()
            wp._serve(fixed_port=bool(port), workers=workers, timeout=timeout)
            wp.timings["serve"] = time.monotonic() - step
        except BaseException:
            _cleanup(wp.process, workdir)
            db.drop_database(database)
            raise
        wp.start_seconds = time.monotonic() - began
        return wp

    def _build(self, theme: str, config: dict[str, Any]) -> None:
        # A real copy (symlinks followed), so nothing a test does can reach the system's files.
        shutil.copytree(
            WORDPRESS_SOURCE,
            self.root,
            symlinks=False,
            ignore=shutil.ignore_patterns("wp-config.php", ".htaccess"),
            ignore_dangling_symlinks=True,
        )
        themes = self.root / "wp-content" / "themes"
        if not (themes / theme).is_dir() and (DEBIAN_THEMES / theme).is_dir():
            shutil.copytree(DEBIAN_THEMES / theme, themes / theme, symlinks=False)
        if not (themes / theme).is_dir():
            raise HarnessError(f"theme {theme!r} is neither in {themes} nor in {DEBIAN_THEMES}")
        for folder in ("uploads", "mu-plugins", "upgrade"):
            (self.root / "wp-content" / folder).mkdir(exist_ok=True)
        (self.root / "wp-content" / "mu-plugins" / "harness-mail.php").write_text(
            _MU_PLUGIN % {"mail_log": php_literal(str(self.mail_log))}
        )
        (self.workdir / "router.php").write_text(_ROUTER % {"root": php_literal(str(self.root))})
        (self.root / "wp-config.php").write_text(self._wp_config(config))

    def _wp_config(self, extra: dict[str, Any]) -> str:
        salts = ("AUTH", "SECURE_AUTH", "LOGGED_IN", "NONCE")
        keys = [f"{name}_{kind}" for name in salts for kind in ("KEY", "SALT")]
        defines: dict[str, Any] = {
            "DB_NAME": self.database,
            "DB_USER": self.db.user,
            "DB_PASSWORD": self.db.password,
            "DB_HOST": f"{self.db.host}:{self.db.port}",  # TCP: 127.0.0.1 never means the socket
            "DB_CHARSET": "utf8mb4",
            "DB_COLLATE": "",
            **{name: secrets.token_urlsafe(48) for name in keys},
            "WP_DEBUG": True,
            "WP_DEBUG_LOG": str(self.debug_log),
            "WP_DEBUG_DISPLAY": False,
            "SCRIPT_DEBUG": False,
            # Offline: no HTTP except to this machine (the Token Gate service under test).
            "WP_HTTP_BLOCK_EXTERNAL": True,
            "WP_ACCESSIBLE_HOSTS": "127.0.0.1,localhost",
            "DISABLE_WP_CRON": True,
            "AUTOMATIC_UPDATER_DISABLED": True,
            "WP_AUTO_UPDATE_CORE": False,
            # 'local' also allows application passwords over plain http.
            "WP_ENVIRONMENT_TYPE": "local",
            "FS_METHOD": "direct",
            **extra,
        }
        lines = ["<?php", "// Written by tests/wordpress.py."]
        lines += [f"define( {php_literal(name)}, {php_literal(value)} );" for name, value in defines.items()]
        lines += [
            "$table_prefix = 'wp_';",
            "if ( ! defined( 'ABSPATH' ) ) {",
            "    define( 'ABSPATH', __DIR__ . '/' );",
            "}",
            "require_once ABSPATH . 'wp-settings.php';",
            "",
        ]
        return "\n".join(lines)

    def _serve(self, *, fixed_port: bool, workers: int, timeout: float) -> None:
        env = {key: value for key, value in os.environ.items() if key != "PHP_CLI_SERVER_WORKERS"}
        if workers > 1:
            env["PHP_CLI_SERVER_WORKERS"] = str(workers)
        for attempt in range(3):
            with self.server_log.open("ab") as log:
                # Its own session: PHP_CLI_SERVER_WORKERS workers outlive a killed parent, so the
                # whole process group is signalled on stop.
                self.process = subprocess.Popen(
                    [
                        "php",
                        *self._opcache(),
                        "-S",
                        f"{HOST}:{self.port}",
                        "-t",
                        str(self.root),
                        str(self.workdir / "router.php"),
                    ],
                    cwd=self.root,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self._finalizer = weakref.finalize(
                self, _stop_wordpress, self.process, self.workdir, self.db, self.database
            )
            try:
                self._wait_ready(timeout)
                return
            except HarnessError:
                in_use = "Address already in use" in _tail(self.server_log)
                _stop_group(self.process)
                self._finalizer.detach()
                if in_use and not fixed_port and attempt < 2:
                    self.port = free_port()
                    self.url = f"http://{HOST}:{self.port}"
                    self.php("update_option( 'siteurl', $args ); update_option( 'home', $args );", args=self.url)
                    continue
                raise

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise HarnessError(f"php -S exited with status {self.process.returncode}:\n{_tail(self.server_log)}")
            try:
                # A static file: proves the server listens without waking WordPress.
                with urllib.request.urlopen(f"{self.url}/wp-includes/js/wp-emoji-loader.js", timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise HarnessError(f"php -S did not answer within {timeout} s:\n{_tail(self.server_log)}")
            time.sleep(0.02)

    def _opcache(self) -> list[str]:
        # PHP's CLI (and `php -S`) run without opcache by default: every CLI run would compile
        # WordPress anew (~0.3 s). With a file cache a run takes ~0.1 s. Files are re-checked
        # (validate_timestamps), so edited plugin code takes effect at once.
        cache = self.workdir / "opcache"
        cache.mkdir(exist_ok=True)
        return [
            "-d",
            "opcache.enable_cli=1",
            "-d",
            f"opcache.file_cache={cache}",
            "-d",
            "opcache.validate_timestamps=1",
            "-d",
            "opcache.revalidate_freq=0",
        ]

    # -- use ------------------------------------------------------------------------------

    def php(self, code: str, *, args: Any = None, load: bool = True, timeout: float = 60.0) -> str:
        """Run PHP statements with WordPress loaded (wp-load.php) in the CLI; return their stdout.

        ``args`` (JSON-able) reaches the code as ``$args``: pass data that way, not by pasting it
        into the code. ``code`` may start with ``<?php``. Raises :class:`HarnessError` with the
        output when PHP exits non-zero (a fatal error, an uncaught exception, ``exit(1)``).
        """
        code = code.strip().removeprefix("<?php")
        prelude = _CLI_PRELUDE % {"host": php_literal(f"{HOST}:{self.port}"), "port": php_literal(str(self.port))}
        if load:
            # WordPress's fatal-error handler would print its "critical error" page instead of the
            # error; and WP_DEBUG_DISPLAY=false hides errors: show them on stderr again.
            prelude += "define( 'WP_DISABLE_FATAL_ERROR_HANDLER', true );\n"
            prelude += f"require {php_literal(str(self.root / 'wp-load.php'))};\n"
            prelude += "ini_set( 'display_errors', 'stderr' );\n"
        log_offset = self.debug_log.stat().st_size if self.debug_log.exists() else 0
        fd, script = tempfile.mkstemp(suffix=".php", prefix="snippet-", dir=self.workdir)
        with os.fdopen(fd, "w") as out:
            out.write(prelude + code + "\n")
        try:
            result = subprocess.run(
                ["php", *self._opcache(), "-d", "display_errors=stderr", "-d", "log_errors=0", script],
                cwd=self.root,
                env={**os.environ, "WP_HARNESS_ARGS": json.dumps(args)},
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        finally:
            os.unlink(script)
        if result.returncode != 0:
            logged = ""
            with contextlib.suppress(OSError), self.debug_log.open("rb") as log:
                log.seek(log_offset)
                logged = log.read().decode(errors="replace")[-5000:]
            raise HarnessError(
                f"PHP exited with status {result.returncode}\n--- code ---\n{code}\n"
                f"--- stdout ---\n{result.stdout[-5000:]}\n--- stderr ---\n{result.stderr[-5000:]}"
                + (f"\n--- debug.log (new lines) ---\n{logged}" if logged else "")
            )
        return result.stdout

    def create_post(
        self,
        title: str,
        content: str,
        status: str = "publish",
        meta: Mapping[str, Any] | None = None,
        *,
        post_type: str = "post",
        **fields: Any,
    ) -> int:
        """Insert a post (``wp_insert_post``, as the admin) and return its id.

        ``meta`` is saved as post meta; other ``wp_insert_post`` fields (``post_name``,
        ``post_excerpt``, ``post_date``, ...) can be given as keyword arguments.
        """
        post = {
            "post_title": title,
            "post_content": content,
            "post_status": status,
            "post_type": post_type,
            **fields,
        }
        code = """
        wp_set_current_user( 1 );
        $post = $args['post'];
        $post['meta_input'] = $args['meta'] ?: array();
        $id = wp_insert_post( wp_slash( $post ), true );
        if ( is_wp_error( $id ) ) { fwrite( STDERR, $id->get_error_message() ); exit( 1 ); }
        echo $id;
        """
        return int(self.php(code, args={"post": post, "meta": dict(meta or {})}))

    def set_option(self, name: str, value: Any) -> None:
        """``update_option(name, value)``; lists and dicts are stored as PHP arrays."""
        self.php("update_option( $args[0], $args[1] );", args=[name, value])

    def get_option(self, name: str) -> Any:
        """``get_option(name)`` as JSON-decoded Python (``False`` when the option is missing)."""
        return json.loads(self.php("echo wp_json_encode( get_option( $args ) );", args=name))

    def permalink(self, post_id: int) -> str:
        return self.php("echo get_permalink( $args );", args=post_id)

    def add_plugins(self, plugins: Mapping[str, Path | str], *, copy: bool = False, activate: bool = True) -> None:
        """Link (or copy) plugin folders into wp-content/plugins and activate them."""
        target = self.root / "wp-content" / "plugins"
        for name, source in plugins.items():
            source = Path(source).resolve()
            if not source.is_dir():
                raise HarnessError(f"plugin {name!r}: {source} is not a folder")
            if copy:
                shutil.copytree(source, target / name, symlinks=False)
            else:
                (target / name).symlink_to(source, target_is_directory=True)
        if activate:
            self.php(_ACTIVATE, args={"plugins": list(plugins)})

    def read_debug_log(self) -> str:
        return self.debug_log.read_text(errors="replace") if self.debug_log.exists() else ""

    def php_errors(self, *, levels: tuple[str, ...] = ("Fatal error", "Parse error")) -> list[str]:
        """Lines of the debug and server logs that report PHP errors of the given levels."""
        lines = self.read_debug_log().splitlines()
        lines += _tail(self.server_log, 1_000_000).splitlines() if self.server_log.exists() else []
        return [line for line in lines if any(f"PHP {level}" in line for level in levels)]

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Stop the web server (its whole process group), drop the database, remove the files."""
        if self._finalizer is not None:
            self._finalizer()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<WordPress {self.url} {'running' if self.running else 'stopped'}>"


def _stop_wordpress(process: subprocess.Popen[bytes], workdir: Path, db: PrivateMariaDB, database: str) -> None:
    try:
        _cleanup(process, workdir)
    finally:
        if db.running:
            with contextlib.suppress(HarnessError):
                db.drop_database(database)


# What a site owner does on Settings → Token Gate: service URL, site key, connection test.
CONNECT_TOKENGATE = """
update_option( Tokengate_Options::SERVICE_URL, $args['url'] );
Tokengate_Options::set_site_key( $args['key'] );
$site = Tokengate_Client::sync();
if ( is_wp_error( $site ) ) { fwrite( STDERR, $site->get_error_message() ); exit( 1 ); }
Tokengate_Keys::keys( true );
echo wp_json_encode( Tokengate_Options::site_info() );
"""


def connect_tokengate(wordpress: WordPress, service_url: str, api_key: str) -> dict[str, Any]:
    """Connect the Token Gate plugin of `wordpress` to a service; returns the site info it cached."""
    info = json.loads(wordpress.php(CONNECT_TOKENGATE, args={"url": service_url, "key": api_key}))
    if not str(info.get("site_id", "")).startswith("site_"):
        raise HarnessError(f"the plugin did not connect: {info}")
    return dict(info)
