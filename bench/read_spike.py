"""Read spike: anonymous GETs of the busiest pages, beside the two ceilings, in one run.

    python bench/read_spike.py            # 64 connections, 20 s per page and configuration
    python bench/read_spike.py --quick    # 8 connections, 2 s: the CI smoke (under a minute)

For each page it measures four configurations on loopback:

- site: the real site, gunicorn with deploy/gunicorn.conf.py and the production settings;
- bare-django: the same bytes from a Django view with no middleware (bench/bare_app), through
  the same gunicorn configuration: the ceiling for Django on this machine;
- nginx-static: the same bytes as a static file from nginx: the ceiling for the machine;
- nginx-cache: the site behind deploy/nginx/talklondon.conf and its micro-cache.

Pages come from --pages (or BENCH_PAGES) as `name=/path/` pairs separated by commas; `auto`
as a path means "the demo consultation's first proposal page, with 300 published comments". A page that does not answer 200 is reported
as missing and skipped, so pages that do not exist yet cost nothing but a line in the report.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

DEFAULT_PAGES = (
    "proposal=auto,consultation-list=/consultations/,anpr-dashboard=/anpr/,api=/api/v1/releases/"
)
PROPOSAL_COMMENTS = 300
TARGET_RATIO_TO_BARE = 0.5
TARGET_P99_MS = 100.0
CONFIGS = ("bare-django", "site", "nginx-static", "nginx-cache")

# The demo consultation's first proposal page, topped up to its comments (bench/page_data.py).
PROPOSAL_LOOKUP = (
    "from bench.page_data import proposal_page_with_comments\n"
    "print(proposal_page_with_comments({count}))"
)


@dataclass
class Page:
    name: str
    path: str
    status: int | None = None
    content_type: str = ""
    size: int = 0
    missing: str = ""
    file: Path | None = None


def pages_parse(spec: str) -> list[Page]:
    pages = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, path = item.partition("=")
        if not sep or not name or not (path.startswith("/") or path == "auto"):
            raise SystemExit(f"--pages: expected name=/path/, got {item!r}")
        pages.append(Page(name=name.strip(), path=path.strip()))
    return pages


def pages_capture(pages: list[Page], proposal_path: str, port: int, out: Path) -> None:
    """Fetch each page once as an anonymous visitor; keep the bytes for the baselines."""
    out.mkdir(parents=True, exist_ok=True)
    for page in pages:
        if page.path == "auto":
            page.path = proposal_path if proposal_path.startswith("/") else ""
            if not page.path:
                page.missing = "no consultation in the bench database"
                continue
        status, headers, body = common.http_get(f"http://127.0.0.1:{port}{page.path}")
        page.status = status
        if status != 200:
            page.missing = f"HTTP {status} for {page.path}"
            continue
        page.content_type = headers.get("Content-Type", "text/html; charset=utf-8")
        page.size = len(body)
        extension = ".json" if "json" in page.content_type else ".html"
        page.file = out / f"{page.name}{extension}"
        page.file.write_bytes(body)


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(
    pages: list[Page], results: dict, load: common.Load, configs: list[str], cache_status: dict
) -> str:
    lines = [
        f"Load: wrk, {load.threads} threads, {load.connections} connections, "
        f"{load.duration} s per page and configuration"
        + (f" (after a {load.warmup} s warm-up)" if load.warmup else "")
        + ". Latency in ms.",
        "",
        "| page | configuration | req/s | p50 | p99 | non-2xx | socket errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for page in pages:
        if page.missing:
            lines.append(f"| {page.name} | missing: {page.missing} | | | | | |")
            continue
        for config in configs:
            r = results[page.name][config]
            lines.append(
                f"| {page.name} | {config} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} "
                f"| {r.non2xx} | {r.socket_errors_text} |"
            )
    lines += [
        "",
        f"Targets: at least {TARGET_RATIO_TO_BARE}x the bare-Django ceiling, p99 under "
        f"{TARGET_P99_MS:.0f} ms, zero errors (non-2xx or socket errors).",
        "",
        "| page | bytes | served by | / bare-django | / nginx-static | >= 0.5x bare "
        "| p99 < 100 ms | 0 errors |",
        "| --- | ---: | --- | ---: | ---: | --- | --- | --- |",
    ]
    for page in pages:
        if page.missing:
            lines.append(f"| {page.name} | | missing | | | | | |")
            continue
        r = results[page.name]
        bare, static = r["bare-django"], r["nginx-static"]
        for config in [c for c in configs if c not in ("bare-django", "nginx-static")]:
            mine = r[config]
            label = config
            if config == "nginx-cache":
                label += f" ({cache_status.get(page.name, '?')})"
            lines.append(
                f"| {page.name} | {page.size:,} | {label} | {ratio(mine.rps, bare.rps):.2f} "
                f"| {ratio(mine.rps, static.rps):.3f} "
                f"| {verdict(ratio(mine.rps, bare.rps) >= TARGET_RATIO_TO_BARE)} "
                f"| {verdict(mine.p99_ms < TARGET_P99_MS)} | {verdict(mine.errors == 0)} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 connections, 2 s: CI smoke")
    parser.add_argument("--pages", default=os.environ.get("BENCH_PAGES", DEFAULT_PAGES))
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", common.DEFAULT_DATABASE_URL)
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", common.DEFAULT_REDIS_URL)
    )
    parser.add_argument(
        "--seed",
        action="append",
        default=[],
        metavar="COMMAND",
        help="extra manage.py command to seed page data, e.g. --seed 'seed_bench_comments 300'",
    )
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    parser.add_argument("--duration", type=int, help="seconds per page and configuration")
    parser.add_argument("--connections", type=int)
    parser.add_argument(
        "--record",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="append to bench/RESULTS.md (default: yes, except with --quick)",
    )
    args = parser.parse_args(argv)

    load = common.QUICK_LOAD if args.quick else common.FULL_LOAD
    load = dataclasses.replace(
        load,
        duration=args.duration or load.duration,
        connections=args.connections or load.connections,
    )
    record = (not args.quick) if args.record is None else args.record
    pages = pages_parse(args.pages)

    load_at_start = common.load_average()
    common.ensure_tools("nginx", "wrk")
    # Its own work directory (static files, media): the submission spike may be collecting
    # static files into its own at the same moment, and collectstatic rewrites files in place.
    site = common.Site(
        database_url=args.database_url,
        redis_url=args.redis_url,
        work_dir=common.WORK_DIR / "read_spike" / "site",
    )
    # The smoke run skips the demo seed (minutes on a fresh database): page_data makes the
    # proposal page, and the other pages answer 200 with no content.
    proposal_path = site.prepare(
        fresh=args.fresh,
        seed_commands=args.seed,
        then=PROPOSAL_LOOKUP.format(count=PROPOSAL_COMMENTS),
        demo=not args.quick,
    )

    work = common.WORK_DIR / "read_spike"
    captured, static_pages = work / "captured", work / "static"
    for directory in (captured, static_pages):
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.iterdir():
            old.unlink()

    results: dict[str, dict[str, common.WrkResult]] = {}
    cache_status: dict[str, str] = {}
    configs = list(CONFIGS)
    ports = {config: common.free_port() for config in ("site", "bare-django")}
    with contextlib.ExitStack() as stack:
        stack.enter_context(
            common.gunicorn(
                "talklondon.wsgi",
                site.env(),
                port=ports["site"],
                log_path=work / "site.log",
                name="site",
            )
        )
        pages_capture(pages, proposal_path, ports["site"], captured)
        present = [page for page in pages if not page.missing]
        for page in pages:
            if page.missing:
                common.log(f"{page.name}: missing ({page.missing})")
        manifest = work / "bare_pages.json"
        manifest.write_text(
            json.dumps(
                [
                    {"path": p.path, "file": str(p.file), "content_type": p.content_type}
                    for p in present
                ]
            )
        )
        for page in present:
            (static_pages / page.file.name).write_bytes(page.file.read_bytes())

        stack.enter_context(
            common.gunicorn(
                "bench.bare_app.wsgi",
                site.env(
                    DJANGO_SETTINGS_MODULE="bench.bare_app.settings",
                    BENCH_BARE_PAGES=str(manifest),
                ),
                port=ports["bare-django"],
                log_path=work / "bare.log",
                name="bare-django",
            )
        )
        nginx_port, static_port = stack.enter_context(
            common.nginx(
                upstream_port=ports["site"],
                static_root=site.static_root,
                static_pages=static_pages,
            )
        )
        for page in present:
            urls = {
                "bare-django": f"http://127.0.0.1:{ports['bare-django']}{page.path}",
                "site": f"http://127.0.0.1:{ports['site']}{page.path}",
                "nginx-static": f"http://127.0.0.1:{static_port}/{page.file.name}",
                "nginx-cache": f"http://127.0.0.1:{nginx_port}{page.path}",
            }
            _, _, body = common.http_get(urls["nginx-static"])
            if body != page.file.read_bytes():
                raise SystemExit(f"nginx-static does not serve {page.name}'s bytes")
            results[page.name] = {}
            for config in configs:
                for _ in range(3):  # fill caches and load templates before measuring
                    common.http_get(urls[config])
                result = common.wrk(urls[config], load)
                results[page.name][config] = result
                common.log(
                    f"{page.name:18} {config:15} {result.rps:9,.0f} req/s  "
                    f"p50 {result.p50_ms:6.1f} ms  p99 {result.p99_ms:6.1f} ms  "
                    f"non-2xx {result.non2xx}  socket errors {result.socket_errors_text}"
                )
            common.http_get(urls["nginx-cache"])
            _, headers, _ = common.http_get(urls["nginx-cache"])
            cache_status[page.name] = "micro-cache " + headers.get("X-Cache-Status", "none")

    text = report(pages, results, load, configs, cache_status)
    print()
    print(text)
    if record:
        mode = "quick" if args.quick else "full"
        machine = common.machine_description(args.database_url)
        machine["load average (1/5/15 min) at start"] = load_at_start
        machine["load average at end"] = common.load_average()
        common.results_append(f"Read spike ({mode})", text, machine)
    if args.quick and any(r.errors for by_config in results.values() for r in by_config.values()):
        print("Errors under load in the smoke run: see the table above.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
