"""`make demo`: the service on embedded defaults (SQLite and an in-process cache in ./var),
with a demo site whose API key it prints. Stays in the foreground; Ctrl-C stops it.

A second run reuses the database, the demo site and its key (kept in var/demo-site.json,
readable only by you: the service itself stores keys hashed and cannot show them again)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_NAME = "Demo WordPress"
DEMO_DOMAINS = ["localhost:8080", "127.0.0.1:8080"]


def port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((host, port)) != 0


def demo_site(data_dir: Path) -> dict[str, str]:
    """The demo site's id and key: created on the first run, reused afterwards."""
    import django

    django.setup()
    from tokengate.models import Site
    from tokengate.services.sites import site_create, site_rotate_key

    record = data_dir / "demo-site.json"
    saved = json.loads(record.read_text()) if record.exists() else {}
    site = Site.objects.filter(public_id=saved.get("site_id", "")).first()
    if site is None:
        site, api_key = site_create(name=DEMO_NAME, domains=DEMO_DOMAINS)
    elif not saved.get("api_key"):
        api_key = site_rotate_key(site=site)
    else:
        api_key = saved["api_key"]
    record.touch(mode=0o600)
    record.write_text(json.dumps({"site_id": site.public_id, "api_key": api_key}))
    return {"site_id": site.public_id, "api_key": api_key, "domains": ", ".join(site.domains)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("TOKENGATE_DEMO_PORT", "8000")))
    args = parser.parse_args()
    base_url = f"http://{args.host}:{args.port}"

    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TOKENGATE_ISSUER", base_url)
    os.environ.setdefault("TOKENGATE_LOG_FORMAT", "text")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    data_dir = Path(os.environ.setdefault("TOKENGATE_DATA_DIR", str(ROOT / "var")))
    data_dir.mkdir(parents=True, exist_ok=True)

    if not port_free(args.host, args.port):
        print(f"Port {args.port} on {args.host} is in use. Stop what runs there or pick another port:", file=sys.stderr)
        print("  make demo DEMO_ARGS='--port 8001'", file=sys.stderr)
        return 1

    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], check=True)
    site = demo_site(data_dir)

    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen(
        [
            gunicorn,
            "config.wsgi",
            "--bind",
            f"{args.host}:{args.port}",
            "--workers",
            "2",
            "--preload",
            "--log-level",
            "warning",
        ],
        start_new_session=True,
    )
    print(
        f"""
Token Gate is running at {base_url}  (embedded defaults: SQLite in {data_dir})

  API docs        {base_url}/api/docs/
  JWKS            {base_url}/.well-known/jwks.json
  Django admin    {base_url}/admin/  (create a login: .venv/bin/python manage.py createsuperuser)

Demo site "{DEMO_NAME}"
  Site id         {site["site_id"]}
  Domains         {site["domains"]}
  Site API key    {site["api_key"]}

Try it:
  curl -s -X POST -H "Authorization: Bearer {site["api_key"]}" {base_url}/api/v1/siwe/nonce

Press Ctrl-C to stop.
""",
        flush=True,
    )
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
