"""Shared harness for the benchmarks: services, the bench database, gunicorn, nginx and wrk.

Everything runs on this machine, on loopback. The site runs with the production settings
(DEBUG off, manifest static files, PostgreSQL, Redis) under `deploy/gunicorn.conf.py`; nginx
runs `deploy/nginx/talklondon.conf` with its TLS lines dropped and its ports and paths pointed
at a temporary directory. Nothing here needs root except installing nginx/wrk if missing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / "bench"
WORK_DIR = REPO / "var" / "bench"
RESULTS = BENCH_DIR / "RESULTS.md"
VENV_BIN = Path(sys.executable).parent
NGINX_SITE_CONF = REPO / "deploy" / "nginx" / "talklondon.conf"
GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"
WRK_SCRIPT = BENCH_DIR / "wrk_report.lua"

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/talklondon_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(cmd: list[str], *, env: dict | None = None, check: bool = True, quiet: bool = False):
    """Run a command from the repository root; show its output only when it fails."""
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"command failed ({result.returncode}): {' '.join(cmd)}")
    if not quiet and result.stdout.strip():
        print(result.stdout.rstrip())
    return result


# --- Tools and services ------------------------------------------------------------------------


def ensure_tools(*tools: str) -> None:
    """Install Debian's nginx and wrk when missing (the benchmarks use nothing else)."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    log(f"installing {', '.join(missing)} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    packages = sorted({"nginx" if tool == "nginx" else tool for tool in missing})
    attempt = subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env)
    if attempt.returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env, check=True)


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def postgres_ready(url: str) -> bool:
    parts = urlsplit(url)
    result = subprocess.run(
        ["pg_isready", "-q", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    )
    return result.returncode == 0


def redis_ready(url: str) -> bool:
    parts = urlsplit(url)
    result = subprocess.run(
        ["redis-cli", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 6379), "ping"],
        capture_output=True,
        text=True,
    )
    return result.stdout.strip() == "PONG"


def postgres_cluster() -> tuple[str, str]:
    """(version, name) of the local PostgreSQL cluster, for pg_ctlcluster."""
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    return versions[-1], "main"


def ensure_services(database_url: str, redis_url: str) -> None:
    if not postgres_ready(database_url):
        version, name = postgres_cluster()
        log(f"starting PostgreSQL {version}/{name}")
        run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"], quiet=True)
        _wait(lambda: postgres_ready(database_url), 30, "PostgreSQL")
    if not redis_ready(redis_url):
        port = str(urlsplit(redis_url).port or 6379)
        log(f"starting Redis on port {port}")
        run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--port",
                port,
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            quiet=True,
        )
        _wait(lambda: redis_ready(redis_url), 30, "Redis")


def _admin_url(database_url: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path="/postgres"))


def database_create(database_url: str, *, fresh: bool = False) -> None:
    """Create the bench database if it does not exist (drop it first with fresh=True)."""
    name = urlsplit(database_url).path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"unexpected database name {name!r}")
    with psycopg.connect(_admin_url(database_url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            log(f"dropping database {name}")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


# --- The site, in production settings ---------------------------------------------------------


@dataclass
class Site:
    """The environment of a production-like site on loopback, and how to prepare it."""

    database_url: str
    redis_url: str
    work_dir: Path = WORK_DIR
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(50))
    extra_env: dict = field(default_factory=dict)

    @property
    def static_root(self) -> Path:
        # nginx serves /static/ from <public>/static, as in production.
        return self.work_dir / "public" / "static"

    def env(self, **overrides: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"TALKLONDON_TESTING", "DEBUG", "PYTEST_CURRENT_TEST"}
            and not key.startswith("GUNICORN_")
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "talklondon.settings",
                "DEBUG": "0",
                "SECRET_KEY": self.secret_key,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                # Loopback only: there is no TLS in front of the bench.
                "SECURE_SSL_REDIRECT": "0",
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "CACHE_KEY_PREFIX": "bench",
                "STATIC_ROOT": str(self.static_root),
                "MEDIA_ROOT": str(self.work_dir / "media"),
                # One client address sends every request: the per-address API throttle would
                # turn the benchmark into a test of the throttle.
                "API_RATE_LIMIT": "100000000/min",
                "LOG_LEVEL": "WARNING",
                # Production settings, plus the demo app: prepare() seeds with `seed_demo`.
                "DEMO": "1",
                # No access log, for the site and its baseline alike (disk I/O is not measured).
                "GUNICORN_ACCESSLOG": "",
                "GUNICORN_LOGLEVEL": "warning",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        # deploy/gunicorn.conf.py's defaults, unless a run asks for another shape on purpose.
        env.update(gunicorn_shape())
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def manage(self, *args: str, quiet: bool = True):
        return run([sys.executable, "manage.py", *args], env=self.env(), quiet=quiet)

    def prepare(
        self,
        *,
        fresh: bool = False,
        seed_commands: list[str] | None = None,
        then: str = "",
        demo: bool = True,
    ) -> str:
        """Create and migrate the bench database, seed the demo (unless `demo` is False),
        collect static files.

        All in one Python process (Django starts once). `then` is Python run afterwards in the
        same process; what it prints last is returned.
        """
        ensure_services(self.database_url, self.redis_url)
        database_create(self.database_url, fresh=fresh)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        calls = [("migrate", ["--noinput"])] + ([("seed_demo", [])] if demo else [])
        calls += [(c.split()[0], c.split()[1:]) for c in seed_commands or []]
        calls += [("collectstatic", ["--noinput"])]
        code = "from django.core.management import call_command\n"
        code += "".join(f"call_command({name!r}, *{args!r})\n" for name, args in calls)
        output = self.shell(code + then)
        log(f"site prepared in {time.monotonic() - started:.1f}s")
        return output

    def shell(self, code: str) -> str:
        output = self.manage("shell", "--no-imports", "--verbosity", "0", "-c", code).stdout
        return output.strip().splitlines()[-1] if output.strip() else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str, *, timeout: float = 10, headers: dict | None = None):
    """(status, headers, body) of one GET; HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - http only
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_http(url: str, *, timeout: float = 30, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode} before answering {url}")
        try:
            http_get(url, timeout=2)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {url}")


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str], *, port: int, log_path: Path, name: str):
    """gunicorn with deploy/gunicorn.conf.py on 127.0.0.1:port; stopped gracefully on exit."""
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", str(GUNICORN_CONF), app],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/", process=process)
            log(f"{name}: gunicorn {app} on 127.0.0.1:{port} (pid {process.pid})")
            yield process
        finally:
            _stop(process)


def _stop(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- nginx ------------------------------------------------------------------------------------


def nginx_site_conf(*, upstream_port: int, listen_port: int, static_root: Path, tmp: Path) -> str:
    """deploy/nginx/talklondon.conf, for plain HTTP on loopback with the bench's paths."""
    text = NGINX_SITE_CONF.read_text()
    replacements = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream_port};",
        "/var/cache/nginx/talklondon": str(tmp / "cache"),
        "root /srv/talklondon/public;": f"root {static_root.parent};",
    }
    for old, new in replacements.items():
        if text.count(old) != 1:
            raise SystemExit(f"{NGINX_SITE_CONF}: expected exactly one {old!r}; update the bench")
        text = text.replace(old, new)
    lines, listened = [], False
    for line in text.splitlines():
        if line.rstrip().endswith("# tls"):
            continue
        if line.rstrip().endswith("# listen"):
            if not listened:
                lines.append(f"    listen 127.0.0.1:{listen_port};")
                listened = True
            continue
        lines.append(line)
    if not listened:
        raise SystemExit(f"{NGINX_SITE_CONF}: no line tagged '# listen'")
    return "\n".join(lines) + "\n"


def nginx_main_conf(*, tmp: Path, site_conf: Path, static_port: int, static_dir: Path) -> str:
    user = "user root root;" if os.geteuid() == 0 else ""
    temp_paths = "\n".join(
        f"    {kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""# Generated by bench/common.py for one benchmark run.
{user}
worker_processes auto;
pid {tmp / "nginx.pid"};
error_log {tmp / "error.log"} warn;
events {{
    worker_connections 4096;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    access_log off;
{temp_paths}

    include {site_conf};

    # The machine's ceiling: the same bytes as static files.
    server {{
        listen 127.0.0.1:{static_port};
        root {static_dir};
        open_file_cache max=100;
        location / {{ }}
    }}
}}
"""


@contextlib.contextmanager
def nginx(*, upstream_port: int, static_root: Path, static_pages: Path):
    """nginx running the deploy config (site_port) and a static-file server (static_port)."""
    tmp = Path(tempfile.mkdtemp(prefix="talklondon-nginx-"))
    site_port, static_port = free_port(), free_port()
    site_conf = tmp / "talklondon.conf"
    site_conf.write_text(
        nginx_site_conf(
            upstream_port=upstream_port, listen_port=site_port, static_root=static_root, tmp=tmp
        )
    )
    main_conf = tmp / "nginx.conf"
    main_conf.write_text(
        nginx_main_conf(
            tmp=tmp, site_conf=site_conf, static_port=static_port, static_dir=static_pages
        )
    )
    command = ["nginx", "-p", str(tmp), "-c", str(main_conf)]
    run([*command, "-t", "-q"], quiet=True)
    run(command, quiet=True)
    try:
        wait_http(f"http://127.0.0.1:{static_port}/")
        log(f"nginx: site + micro-cache on :{site_port}, static ceiling on :{static_port}")
        yield site_port, static_port
    finally:
        subprocess.run([*command, "-s", "quit"], capture_output=True)
        pid_file = tmp / "nginx.pid"
        deadline = time.monotonic() + 10
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        shutil.rmtree(tmp, ignore_errors=True)


# --- wrk --------------------------------------------------------------------------------------


@dataclass
class Load:
    connections: int
    duration: int
    threads: int = 2
    warmup: int = 0


FULL_LOAD = Load(connections=64, duration=20, warmup=2)
QUICK_LOAD = Load(connections=8, duration=2)


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non2xx: int
    socket_errors: int
    error_kinds: dict = field(default_factory=dict)

    @property
    def socket_errors_text(self) -> str:
        kinds = ", ".join(f"{kind} {n}" for kind, n in self.error_kinds.items() if n)
        return f"{self.socket_errors} ({kinds})" if kinds else str(self.socket_errors)

    @property
    def errors(self) -> int:
        return self.non2xx + self.socket_errors


def wrk(url: str, load: Load, *, headers: dict | None = None) -> WrkResult:
    """Run wrk with --latency and the Lua script that counts non-2xx answers."""
    base = ["wrk", f"-t{load.threads}", f"-c{load.connections}", "--latency"]
    base += ["-s", str(WRK_SCRIPT)]
    for name, value in (headers or {}).items():
        base += ["-H", f"{name}: {value}"]
    if load.warmup:
        subprocess.run([*base, f"-d{load.warmup}s", url], capture_output=True, check=False)
    result = subprocess.run(
        [*base, f"-d{load.duration}s", "--timeout", "5s", url], capture_output=True, text=True
    )
    match = re.search(r"^BENCH_JSON (\{.*\})$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or not match:
        raise SystemExit(f"wrk failed on {url}:\n{result.stdout}\n{result.stderr}")
    data = json.loads(match.group(1))
    seconds = data["duration_us"] / 1e6
    return WrkResult(
        requests=data["requests"],
        seconds=seconds,
        rps=data["requests"] / seconds if seconds else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        non2xx=data["non2xx"],
        socket_errors=sum(data["errors"].values()),
        error_kinds=data["errors"],
    )


# --- Machine description and results ----------------------------------------------------------


def _version(cmd: list[str]) -> str:
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    text = (result.stdout + result.stderr).strip().splitlines()
    return text[0] if text else "unknown"


def load_average() -> str:
    """Other work on the machine skews every figure: record how busy it was."""
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def machine_description(database_url: str | None = None) -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    import django
    import gunicorn as gunicorn_package

    postgres = "unknown"
    if database_url:
        with contextlib.suppress(Exception), psycopg.connect(database_url) as conn:
            postgres = conn.execute("SHOW server_version").fetchone()[0]
    commit = _version(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    return {
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn_package.__version__
        + (
            " ("
            + ", ".join(f"{k.lower().replace('_', ' ')} {v}" for k, v in gunicorn_shape().items())
            + ")"
            if gunicorn_shape()
            else " (deploy/gunicorn.conf.py defaults)"
        ),
        "postgresql": postgres,
        "redis": _version(["redis-server", "--version"]),
        "nginx": _version(["nginx", "-v"]),
        "wrk": _version(["wrk", "-v"]),
        "commit": commit,
    }


def gunicorn_shape() -> dict[str, str]:
    """GUNICORN_WORKERS and GUNICORN_THREADS from BENCH_GUNICORN_WORKERS and
    BENCH_GUNICORN_THREADS, where given: the bench drops the caller's GUNICORN_* variables so
    that a run measures deploy/gunicorn.conf.py unless it says otherwise."""
    return {
        name: os.environ[f"BENCH_{name}"]
        for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS")
        if os.environ.get(f"BENCH_{name}")
    }


def results_append(title: str, body: str, machine: dict[str, str]) -> None:
    """Append a dated section to bench/RESULTS.md."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine_lines = "\n".join(f"- {key}: {value}" for key, value in machine.items())
    results_append_text(
        f"\n## {title} — {stamp}\n\nMachine:\n\n{machine_lines}\n\n{body.rstrip()}\n"
    )


def results_append_text(text: str) -> None:
    """Append text as it is to bench/RESULTS.md (created with its heading if missing)."""
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\nEach section is one run, appended by the benchmark itself.\n"
        )
    with open(RESULTS, "a", encoding="utf-8") as handle:
        handle.write(text)
    log(f"appended to {RESULTS.relative_to(REPO)}")


# --- In-process benchmarks (exports, transparency): Django here, one measurement per process ----


def django_setup() -> None:
    """Start Django in this process, with the database DATABASE_URL selects."""
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talklondon.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()


def peak_rss_mb() -> float:
    """This process's peak resident memory so far."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def worker_run(script: str | Path, *args: str) -> dict:
    """Run `script --worker ...` in a fresh process (so that its peak memory is its own) and
    return the JSON it prints last."""
    output = subprocess.run(
        [sys.executable, str(script), "--worker", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=os.environ.copy(),
    ).stdout
    return json.loads(output.strip().splitlines()[-1])
