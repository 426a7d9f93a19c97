"""Deployment: production settings pass Django's deploy checks, docker-compose.yml parses with a
.env made from .env.example, and the Dockerfile serves with config/gunicorn.py as a non-root user."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import require

REPO_ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO_ROOT / "Dockerfile"
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
ENV_EXAMPLE = REPO_ROOT / ".env.example"

CORE_SERVICES = {"postgres", "redis", "migrate", "web", "worker", "beat"}
DEV_SERVICES = {"anvil", "mariadb", "wordpress"}
APP_SERVICES = {"migrate", "web", "worker", "beat"}  # the ones that run the Token Gate image
# Left empty in .env.example on purpose: compose refuses to start until they are set.
SECRETS = {"DJANGO_SECRET_KEY", "TOKENGATE_KEY_ENCRYPTION_KEY", "POSTGRES_PASSWORD"}


def clean_env(data_dir: Path, **values: str) -> dict[str, str]:
    """This process's environment without any setting the service reads, plus `values`."""
    prefixes = ("DJANGO_", "TOKENGATE_", "DATABASE_", "REDIS_", "CELERY_", "WEB_CONCURRENCY", "LOG_LEVEL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(TOKENGATE_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="config.settings", **values)
    return env


def production_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    values = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "TOKENGATE_KEY_ENCRYPTION_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "tokengate.example.com",
        "DJANGO_DEBUG": "false",
        "TOKENGATE_ISSUER": "https://tokengate.example.com",
        "TOKENGATE_SECURE": "true",
        "TOKENGATE_BEHIND_PROXY": "true",
        "TOKENGATE_HSTS_PRELOAD": "true",
        "DATABASE_URL": f"sqlite:///{data_dir / 'deploy.sqlite3'}",
    }
    values.update(overrides)
    return clean_env(data_dir, **values)


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


# --- (a) production settings -------------------------------------------------------------


def test_deploy_check_passes_with_production_settings(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_deploy_check_warns_on_the_embedded_defaults(tmp_path):
    """The defaults (plain HTTP for `make demo`) are not a production setup, and Django says so."""
    result = manage(clean_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for check in ("security.W004", "security.W008", "security.W010", "security.W016"):  # HSTS, redirect, cookies
        assert check in output, f"{check} missing from:\n{output}"


def test_deploy_check_asks_for_preload_until_it_is_chosen(tmp_path):
    """.env.example leaves preload off (hard to undo); the check names exactly that."""
    result = manage(production_env(tmp_path, TOKENGATE_HSTS_PRELOAD="false"), "check", "--deploy")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "security.W021" in output, output
    assert "1 issue" in output, output


PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client

host = settings.ALLOWED_HOSTS[0]
plain = Client(HTTP_HOST=host)
secure = Client(HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
out = {name: getattr(settings, name, None) for name in [
    "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER", "CSRF_TRUSTED_ORIGINS",
    "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY",
]}
for path in ["/healthz", "/readyz", "/api/schema/"]:
    answer = plain.get(path)
    out["plain " + path] = [answer.status_code, answer.headers.get("Location")]
answer = secure.get("/healthz")
out["secure /healthz"] = [answer.status_code, answer.headers.get("Strict-Transport-Security")]
print(json.dumps(out))
"""


def probe(env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def test_production_settings_and_what_they_do(tmp_path):
    env = production_env(tmp_path, DJANGO_CSRF_TRUSTED_ORIGINS="https://admin.example, https://tokengate.example.com")
    seen = probe(env)
    assert seen["DEBUG"] is False
    assert seen["SESSION_COOKIE_SECURE"] is seen["CSRF_COOKIE_SECURE"] is seen["SECURE_SSL_REDIRECT"] is True
    assert seen["SECURE_HSTS_SECONDS"] == 31536000
    assert seen["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is seen["SECURE_HSTS_PRELOAD"] is True
    assert seen["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert seen["CSRF_TRUSTED_ORIGINS"] == ["https://admin.example", "https://tokengate.example.com"]
    assert seen["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert seen["X_FRAME_OPTIONS"] == "DENY"
    assert seen["SECURE_REFERRER_POLICY"] == "same-origin"
    # The probes answer over plain HTTP (container healthchecks); everything else is redirected.
    assert seen["plain /healthz"] == [200, None]
    assert seen["plain /readyz"][0] != 301
    assert seen["plain /api/schema/"] == [301, "https://tokengate.example.com/api/schema/"]
    assert seen["secure /healthz"] == [200, "max-age=31536000; includeSubDomains; preload"]


def test_defaults_stay_plain_http_for_the_demo(tmp_path):
    seen = probe(clean_env(tmp_path))
    assert seen["SESSION_COOKIE_SECURE"] is seen["CSRF_COOKIE_SECURE"] is seen["SECURE_SSL_REDIRECT"] is False
    assert seen["SECURE_HSTS_SECONDS"] == 0
    assert seen["SECURE_PROXY_SSL_HEADER"] is None
    assert seen["CSRF_TRUSTED_ORIGINS"] == []
    assert seen["plain /api/schema/"][0] == 200
    assert seen["secure /healthz"] == [200, None], "no proxy trusted: X-Forwarded-Proto is ignored"


# --- (b) docker-compose.yml --------------------------------------------------------------


def env_from_example(folder: Path) -> Path:
    """.env as an operator makes it: .env.example with the empty secrets filled in."""
    lines = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#") and name in SECRETS:
            assert value == "", f"{name} must be left empty in .env.example"
            value = secrets.token_hex(24)
        lines.append(f"{name}{sep}{value}")
    env_file = folder / ".env"
    env_file.write_text("\n".join(lines) + "\n")
    return env_file


def compose(folder: Path, env_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    require(
        binary is not None,
        "docker-compose",
        "install it with `sudo apt-get install --no-install-recommends docker-compose` "
        "(scripts/install_debian_deps.sh does); only `docker-compose config` is used, no Docker engine",
    )
    assert binary is not None
    # Relative paths (env_file, build context, bind mounts) resolve against the project folder.
    command = [binary, "-f", str(COMPOSE_FILE), "--project-directory", str(folder), "--env-file", str(env_file)]
    env = {k: v for k, v in os.environ.items() if k not in SECRETS and not k.startswith("COMPOSE_")}
    return subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=60)


def compose_config(folder: Path, *profile: str) -> dict[str, Any]:
    env_file = env_from_example(folder)
    result = compose(folder, env_file, *profile, "config")
    assert result.returncode == 0, result.stdout + result.stderr
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


def test_compose_services_and_their_wiring(tmp_path):
    services = compose_config(tmp_path)["services"]
    assert set(services) >= CORE_SERVICES
    for name in CORE_SERVICES:
        assert not services[name].get("profiles"), f"{name} must start without a profile"
    for name in DEV_SERVICES & set(services):  # docker-compose 1.29 lists them, with their profile
        assert services[name]["profiles"] == ["dev"]

    assert services["postgres"]["image"].startswith("postgres:16")
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["redis"]["image"].startswith("redis:7")
    assert "ping" in services["redis"]["healthcheck"]["test"]

    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://tokengate:")
        assert environment["DATABASE_URL"].endswith("@postgres:5432/tokengate")
        assert environment["REDIS_URL"].startswith("redis://redis:6379/")
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
        assert environment["TOKENGATE_SECURE"] == "true", "the values of .env reach every container"
        assert len(environment["DJANGO_SECRET_KEY"]) >= 48
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"

    web = services["web"]
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert web["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "/healthz" in " ".join(web["healthcheck"]["test"])
    assert any(str(port).endswith("8000:8000/tcp") or str(port).endswith(":8000") for port in web["ports"])
    assert "config/gunicorn.py" in web["command"]

    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    beat = services["beat"]
    assert beat["command"][:4] == ["celery", "-A", "config", "beat"]
    schedule = next(arg.split("=", 1)[1] for arg in beat["command"] if arg.startswith("--schedule="))
    assert any(volume.split(":")[1] == str(Path(schedule).parent) for volume in beat["volumes"])
    for name in ("worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_dev_profile(tmp_path):
    services = compose_config(tmp_path, "--profile", "dev")["services"]
    assert set(services) >= CORE_SERVICES | DEV_SERVICES
    assert "@foundry-rs/anvil" in " ".join(services["anvil"]["command"])
    assert services["mariadb"]["image"].startswith("mariadb:10.11")
    wordpress = services["wordpress"]
    assert wordpress["image"].startswith("wordpress")
    assert wordpress["environment"]["WORDPRESS_DB_HOST"].startswith("mariadb")
    assert {"WORDPRESS_DB_USER", "WORDPRESS_DB_PASSWORD", "WORDPRESS_DB_NAME"} <= set(wordpress["environment"])
    plugin_mount = f"{tmp_path / 'wp-plugin' / 'tokengate'}:/var/www/html/wp-content/plugins/tokengate:ro"
    assert plugin_mount in wordpress["volumes"]


def test_compose_refuses_to_start_without_the_secrets(tmp_path):
    env_file = tmp_path / ".env"
    shutil.copy(ENV_EXAMPLE, env_file)
    result = compose(tmp_path, env_file, "config")
    assert result.returncode != 0, result.stdout
    assert "in .env" in result.stderr, result.stderr


# --- (c) Dockerfile, .dockerignore, .env.example --------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n(\s*#[^\n]*\n)*", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_dockerfile_serves_with_gunicorn_config_as_non_root():
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    assert instructions[0] == ("FROM", "python:3.11-slim")
    cmd = json.loads(next(rest for keyword, rest in instructions if keyword == "CMD"))
    assert cmd[:3] == ["gunicorn", "-c", "config/gunicorn.py"]
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users, "the image must switch to a non-root user"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert keywords.index("USER") < keywords.index("CMD")
    runs = [rest for keyword, rest in instructions if keyword == "RUN"]
    assert any("pip install -r requirements.txt" in run for run in runs)
    assert not any("requirements-dev" in rest for _, rest in instructions), "runtime dependencies only"
    assert any("collectstatic" in run for run in runs)
    healthcheck = next(rest for keyword, rest in instructions if keyword == "HEALTHCHECK")
    assert "/healthz" in healthcheck
    assert "curl" not in healthcheck
    copied = " ".join(rest for keyword, rest in instructions if keyword == "COPY")
    for needed in ("requirements.txt", "manage.py", "config/", "tokengate/"):
        assert needed in copied


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = {line.strip() for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()}
    assert {".env", ".git", ".venv", "var", "node_modules"} <= ignored
    assert not ignored & {"config", "tokengate", "manage.py", "requirements.txt"}


def _healthcheck_code() -> str:
    healthcheck = next(rest for keyword, rest in dockerfile_instructions() if keyword == "HEALTHCHECK")
    exec_form = json.loads(healthcheck[healthcheck.index("CMD") + 3 :])
    assert exec_form[:2] == ["python", "-c"]
    code: str = exec_form[2]
    return code


def test_compose_web_healthcheck_is_the_image_healthcheck():
    web = yaml.safe_load(COMPOSE_FILE.read_text())["services"]["web"]
    test = web["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    assert re.sub(r"\s", "", test[3]) == re.sub(r"\s", "", _healthcheck_code())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_healthcheck_passes_against_gunicorn_with_production_settings(tmp_path):
    """The image's HEALTHCHECK, run against gunicorn with config/gunicorn.py on HTTPS-only settings:
    it gets in past the host check and the HTTPS redirect."""
    port = _free_port()
    env = production_env(tmp_path, WEB_CONCURRENCY="1")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [str(gunicorn), "-c", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    code = _healthcheck_code().replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while True:
            result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=10)
            if result.returncode == 0 or time.monotonic() > deadline or server.poll() is not None:
                break
            time.sleep(0.3)
        assert result.returncode == 0, result.stderr + (tmp_path / "gunicorn.log").read_text()
        # Without the Host header the host check would refuse the probe: the header is needed.
        bare = f"import urllib.request as u; u.urlopen('http://127.0.0.1:{port}/healthz', timeout=4)"
        assert subprocess.run([sys.executable, "-c", bare], env=env, capture_output=True).returncode != 0
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()
        log.close()


def settings_variables() -> set[str]:
    source = (REPO_ROOT / "config" / "settings.py").read_text()
    return set(re.findall(r"(?:env_(?:str|int|bool|list)|parse_rate)\(\s*\"([A-Z0-9_]+)\"", source))


@pytest.mark.parametrize("where", [".env.example", "README.md"])
def test_every_setting_is_documented(where):
    text = (REPO_ROOT / where).read_text()
    variables = settings_variables() | {"WEB_CONCURRENCY"}
    assert {"TOKENGATE_SECURE", "TOKENGATE_BEHIND_PROXY", "DJANGO_CSRF_TRUSTED_ORIGINS"} <= variables
    if where == ".env.example":
        # Set by the image (the data folder, static files) or by docker-compose.yml (its services).
        variables -= {"TOKENGATE_DATA_DIR", "DJANGO_STATIC_ROOT", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
        documented = set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", text, flags=re.M))
    else:
        documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", text, flags=re.M))
    assert variables - documented == set()
