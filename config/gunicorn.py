"""Gunicorn's settings for the service: `gunicorn -c config/gunicorn.py config.wsgi --bind HOST:PORT`.

`make bench` serves with this file too (bench/server.py), so the logins per second it reports
are this setup's; change the two together. Environment variables override the defaults:
WEB_CONCURRENCY (worker processes), GUNICORN_WORKER_CLASS and GUNICORN_THREADS.

Why these values (measured with `make bench` on a 2-core machine; docs/architecture.md, "Performance"):

- Sync workers. Every request is CPU work (SIWE signature recovery, Ed25519 signing, Django) with a
  few short database calls in between, so one request at a time per process is the cheapest way
  to serve it: gthread's keep-alive saves the TCP set-up but its thread pool and poller cost more
  CPU per request than that (about 1 ms more per login). Put the service behind a proxy (nginx,
  a load balancer) that keeps the readers' connections alive and buffers slow clients, as
  gunicorn's documentation advises for sync workers.
- Two workers per core. A sync worker does nothing while PostgreSQL runs its queries, and with
  one worker per core the cores sat idle for those moments; more than two per core adds only
  memory and context switches.
- preload_app. Django, web3 and siwe's grammar are imported once, in the master, before the
  workers fork (about 1.5 s of CPU), instead of by each worker on its first request. Nothing
  opens a database connection at import time, so no connection is shared across the fork.
"""

from __future__ import annotations

import os

wsgi_app = "config.wsgi"
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
_cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
workers = int(os.environ.get("WEB_CONCURRENCY", "0")) or 2 * _cores
preload_app = True
