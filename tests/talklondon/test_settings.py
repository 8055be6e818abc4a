"""Settings come from the environment: the embedded default, PostgreSQL + Redis, and production.

Each case imports the settings in a fresh Python process with exactly the environment given, as
a server would.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
import django
django.setup()
from django.conf import settings
from talklondon.celery import app
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"],
    "db_name": str(db["NAME"]),
    "conn_max_age": db.get("CONN_MAX_AGE"),
    "conn_health_checks": db.get("CONN_HEALTH_CHECKS"),
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION"),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "result_backend": settings.CELERY_RESULT_BACKEND,
    "app_eager": app.conf.task_always_eager,
    "app_broker": app.conf.broker_url,
    "email_backend": settings.EMAIL_BACKEND,
    "delivery_backend": settings.EMAIL_DELIVERY_BACKEND,
    "debug": settings.DEBUG,
    "secure_cookies": settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE,
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "static_storage": settings.STORAGES["staticfiles"]["BACKEND"],
    "retention_months": settings.PERSONAL_DATA_RETENTION_MONTHS,
    "demo": "demo" in settings.INSTALLED_APPS,
}))
"""


def run_python(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run Python in the project with ONLY `env` (plus PATH), never this test process's env."""
    clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "talklondon.settings"}
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def probe(env: dict[str, str]) -> dict:
    result = run_python(env, "-c", PROBE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def production_env_from_readme() -> dict[str, str]:
    """The example production environment documented in README.md."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```env\n(.*?)```", readme, re.S)
    assert block, "README.md must document a production environment in an ```env block"
    env = {}
    for line in block.group(1).splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value.strip()
    # The README shows a placeholder; production uses a long random key, as it says.
    env["SECRET_KEY"] = secrets.token_urlsafe(64)
    return env


def test_embedded_default_needs_nothing_but_debug():
    settings = probe({"DEBUG": "1"})
    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["db_name"].endswith("var/db.sqlite3")
    assert settings["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert settings["eager"] is True and settings["app_eager"] is True
    assert settings["broker"] == "memory://"
    assert settings["email_backend"] == "talklondon.mail.OutboxEmailBackend"
    assert settings["delivery_backend"] == "django.core.mail.backends.console.EmailBackend"
    assert settings["debug"] is True
    assert settings["secure_cookies"] is False
    assert settings["retention_months"] == 12
    assert settings["demo"] is True  # make run seeds the demo


def test_database_url_and_redis_url_select_postgresql_and_redis():
    settings = probe(
        {
            "DEBUG": "1",
            "DATABASE_URL": "postgres://talk:pw@db.example:5432/talklondon",
            "REDIS_URL": "redis://cache.example:6379/3",
            "EMAIL_HOST": "smtp.example",
            "PERSONAL_DATA_RETENTION_MONTHS": "18",
        }
    )
    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["db_name"] == "talklondon"
    assert settings["conn_max_age"] == 600 and settings["conn_health_checks"] is True
    assert settings["cache"] == "talklondon.cache.ResilientRedisCache"
    assert settings["cache_location"] == "redis://cache.example:6379/3"
    assert settings["eager"] is False and settings["app_eager"] is False
    assert settings["broker"] == settings["app_broker"] == "redis://cache.example:6379/3"
    assert settings["result_backend"] == "redis://cache.example:6379/3"
    assert settings["delivery_backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert settings["retention_months"] == 18


def test_secret_key_is_required_when_debug_is_off():
    result = run_python({}, "-c", PROBE)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_environment_from_readme_is_secure():
    settings = probe(production_env_from_readme())
    assert settings["debug"] is False
    assert settings["secure_cookies"] is True
    assert settings["allowed_hosts"] == ["talk.london.gov.uk"]
    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["static_storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    # No seed_demo in production: it makes a superuser whose password is in the README.
    assert settings["demo"] is False
    assert probe({**production_env_from_readme(), "DEMO": "1"})["demo"] is True  # the benchmarks


def test_check_deploy_gives_zero_warnings_with_the_documented_production_environment():
    result = run_python(
        production_env_from_readme(), "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output


@pytest.mark.django_db
def test_responses_carry_the_security_headers(client, settings):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "img-src 'self' data:" in csp
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_the_deploy_files_bound_redis_memory_with_an_eviction_policy():
    from pathlib import Path

    conf = (
        Path(__file__).resolve().parents[2] / "deploy" / "redis" / "talklondon.conf"
    ).read_text()
    settings_lines = dict(
        line.split(None, 1) for line in conf.splitlines() if line and not line.startswith("#")
    )
    assert settings_lines["maxmemory"].strip().endswith(("mb", "gb"))
    # Evicts only keys with an expiry: cache entries, never Celery's queues.
    assert settings_lines["maxmemory-policy"].strip() == "volatile-lru"
