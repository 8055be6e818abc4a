"""gunicorn configuration for Talk London: `gunicorn -c deploy/gunicorn.conf.py talklondon.wsgi`.

Every value can be overridden from the environment, so one file serves a 2-core VM and a larger
node. Defaults are for 2 cores behind nginx on the same host.
"""

import contextlib
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value else default


_cores = multiprocessing.cpu_count()

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threaded workers: requests mostly wait on PostgreSQL and Redis, so a few threads per process
# keep both cores busy without the memory of many processes. Each thread may hold one database
# connection (DB_CONN_MAX_AGE): workers x threads x nodes must fit PgBouncer's client limit.
workers = _int("GUNICORN_WORKERS", _cores + 1)
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread" if threads > 1 else "sync"
# Load the app once in the master, then fork: faster start and copy-on-write memory.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") not in {"0", "false", "no"}
# Worker recycling is off: a recycled gthread worker drops its idle keep-alive connections, and
# a request racing onto one fails (the read spike measured read errors with it on). Turn it on
# (e.g. 5000, jitter 500) only to contain a memory leak.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 0)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# nginx keeps connections to us open between requests.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
backlog = _int("GUNICORN_BACKLOG", 2048)
# Heartbeat files in memory, not on a possibly slow disk (gunicorn's own advice).
_SHM = "/dev/shm"  # noqa: S108
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or (
    _SHM if os.path.isdir(_SHM) else None
)

# Only trust X-Forwarded-* from the local nginx.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs go to stdout/stderr for journald or the platform. An empty GUNICORN_ACCESSLOG turns the
# access log off (the benchmarks do, for the site and its baseline alike).
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Client address (from nginx), method, path, status, bytes, time in microseconds, and the request
# id nginx adds, so a slow request can be followed from nginx to Django. The path is logged
# without its query string (%(U)s, not %(r)s) and without the referrer: free text must never
# reach a log, and the filter below masks any plate or email address that still would.
access_log_format = (
    '%({x-forwarded-for}i)s %(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(D)sus '
    '"%(a)s" rid=%({x-request-id}i)s'
)
proc_name = "talklondon"


def post_fork(server, worker):
    # The app was loaded before the fork: never share a database or Redis socket between
    # processes. Django opens connections lazily, so closing any that exist is enough.
    from django.db import connections

    connections.close_all()


def when_ready(server):
    """Send each response as soon as it is written (no Nagle delay on the last segment).

    Accepted connections inherit TCP_NODELAY from the listening socket on Linux. Without it,
    a page of more than a few segments waited for the client's delayed ACK (about 40 ms) on
    loopback in the read-spike benchmark.
    """
    import socket

    for listener in server.LISTENERS:
        with contextlib.suppress(OSError):
            listener.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def on_starting(server) -> None:
    """Mask plates and email addresses in gunicorn's own logs (access and error), as the site
    does in Django's; the workers inherit the filters when they fork."""
    import logging

    from talklondon.log_filters import PersonalDataFilter

    for name in ("gunicorn.access", "gunicorn.error"):
        logging.getLogger(name).addFilter(PersonalDataFilter())
