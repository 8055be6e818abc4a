"""The benchmark harness: its pure parts always, the read spike itself only with BENCH_SMOKE=1.

The smoke run starts gunicorn, nginx and wrk against a bench database (BENCH_DATABASE_URL,
default talklondon_bench on the local PostgreSQL; BENCH_REDIS_URL) and takes under a minute.
It checks that the harness works and that no page errors under load; it times nothing.
"""

import os
import shutil
import subprocess

import pytest

from bench import common, read_spike, run_all
from tests.bench.running import output_tail, run_benchmark


def test_pages_are_read_from_name_path_pairs():
    pages = read_spike.pages_parse("proposal=auto, home=/ ,api=/api/v1/figures/")
    assert [(p.name, p.path) for p in pages] == [
        ("proposal", "auto"),
        ("home", "/"),
        ("api", "/api/v1/figures/"),
    ]
    with pytest.raises(SystemExit):
        read_spike.pages_parse("home")
    with pytest.raises(SystemExit):
        read_spike.pages_parse("home=relative/")


def test_the_deploy_nginx_config_becomes_a_plain_http_loopback_config(tmp_path):
    text = common.nginx_site_conf(
        upstream_port=9001,
        listen_port=9002,
        static_root=tmp_path / "public" / "static",
        tmp=tmp_path,
    )
    assert "server 127.0.0.1:9001;" in text
    assert "listen 127.0.0.1:9002;" in text
    assert f"root {tmp_path / 'public'};" in text
    assert str(tmp_path / "cache") in text
    assert "ssl" not in text
    assert "443" not in text
    assert "return 301" not in text
    # What the bench measures is the production micro-cache and limits.
    for directive in ("proxy_cache talklondon_pages;", "proxy_cache_lock on;", "limit_req zone="):
        assert directive in text


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_the_generated_nginx_config_is_valid(tmp_path):
    site_conf = tmp_path / "site.conf"
    site_conf.write_text(
        common.nginx_site_conf(
            upstream_port=9001,
            listen_port=9002,
            static_root=tmp_path / "s" / "static",
            tmp=tmp_path,
        )
    )
    main_conf = tmp_path / "nginx.conf"
    main_conf.write_text(
        common.nginx_main_conf(
            tmp=tmp_path, site_conf=site_conf, static_port=9003, static_dir=tmp_path
        )
    )
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(main_conf)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_run_all_finds_every_benchmark():
    names = [path.stem for path in run_all.benchmarks()]
    assert "read_spike" in names
    assert "submission_spike" in names
    assert "common" not in names and "run_all" not in names


@pytest.mark.skipif(os.environ.get("BENCH_SMOKE") != "1", reason="set BENCH_SMOKE=1 to run")
def test_read_spike_quick_runs_without_errors():
    result = run_benchmark("read_spike.py", "--quick", "--no-record", timeout=180)
    assert result.returncode == 0, output_tail(result)
    assert "consultation-list" in result.stdout
    assert "bare-django" in result.stdout and "nginx-static" in result.stdout
    assert "nginx-cache (micro-cache HIT)" in result.stdout
