"""Real-browser harness: Debian's Chromium driven by Playwright against pytest-django's live server.

Fixtures
  browser          session-wide headless Chromium (/usr/bin/chromium, never `playwright install`)
  new_page(**ctx)  a page in a fresh context with any Playwright context options; traced
  page             desktop, 1280×900
  mobile_page      390×844, is_mobile, has_touch
  nojs_page        1280×900 with JavaScript disabled
  page_titles      session-wide register of page titles (see accessibility.TitleRegister)

Every context gets `base_url=live_server.url`, so tests write `page.goto("/accounts/login/")`.
A failing test leaves its URL, a screenshot and a Playwright trace (open it with
`playwright show-trace <file>`) under test-results/browser/<test-name>/, and prints that folder.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.browser.accessibility import TitleRegister, mark_javascript_disabled
from tests.browser.helpers import forget_console, watch_console

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse ORM
# calls made from the test body (creating users, reading the outbox).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTEFACTS_ROOT = Path(__file__).resolve().parents[2] / "test-results" / "browser"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
MOBILE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
# Slow enough for a busy CI machine, quick enough that a wrong selector fails fast.
DEFAULT_TIMEOUT_MS = 10_000

_failed_folders: list[Path] = []


def pytest_configure(config):
    # pytest-playwright empties its --output folder (default test-results/) at the start of
    # every pytest session, even one without browser tests; point it at a folder of its own so
    # that a later run of the normal suite does not delete our failure artefacts.
    if config.getoption("--output", default=None) == "test-results":
        config.option.output = str(ARTEFACTS_ROOT.parent / "playwright")


@pytest.fixture(scope="session", autouse=True)
def _celery_tasks_registered():
    """Register every app's tasks, as a Celery worker does when it starts.

    In eager mode nothing else imports `<app>/tasks.py`, so the outbox's relay finds no task
    and the email stays unsent (reported to the lead: the dev server has the same gap).
    """
    from talklondon.celery import app

    app.loader.import_default_modules()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.exit(f"{CHROMIUM} is missing: apt-get install -y chromium", returncode=1)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(request, browser, live_server):
    """new_page(**context_options) -> a Page in its own traced context on the live server."""
    opened = []
    request.node._browser_contexts = opened

    def _new_page(**options):
        options = {**DESKTOP, "base_url": live_server.url, "locale": "en-GB", **options}
        context = browser.new_context(**options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        # DOM snapshots before and after each action are what the trace viewer shows; a
        # screencast (screenshots=True) costs JPEG encoding for the whole test on every run
        # and adds little to that (a failure also leaves a full-page PNG).
        context.tracing.start(screenshots=False, snapshots=True, sources=False)
        page = context.new_page()
        watch_console(page)
        if options.get("java_script_enabled") is False:
            mark_javascript_disabled(page)
        opened.append({"context": context, "page": page, "traced": True})
        return page

    yield _new_page
    for entry in opened:
        if entry["traced"]:
            entry["context"].tracing.stop()
        entry["context"].close()
        forget_console(entry["page"])


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def mobile_page(new_page):
    return new_page(**MOBILE)


@pytest.fixture
def nojs_page(new_page):
    return new_page(java_script_enabled=False)


@pytest.fixture(scope="session")
def page_titles():
    return TitleRegister()


def _artefact_folder(item) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", item.name).strip("-")
    return ARTEFACTS_ROOT / f"{Path(item.fspath).stem}-{name}"


def _save_artefacts(item, when: str) -> list[str]:
    """Screenshot and trace of every page the test opened, while they are still open."""
    folder = _artefact_folder(item)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"Browser artefacts ({when} failed): {folder}"]
    for index, entry in enumerate(getattr(item, "_browser_contexts", []), start=1):
        page, context = entry["page"], entry["context"]
        try:
            lines.append(f"  page {index} URL: {page.url}")
            page.screenshot(path=str(folder / f"page{index}.png"), full_page=True)
        except Exception as exc:  # a crashed page must not hide the real failure
            lines.append(f"  page {index}: no screenshot ({exc.__class__.__name__}: {exc})")
        if entry["traced"]:
            try:
                context.tracing.stop(path=str(folder / f"trace{index}.zip"))
                entry["traced"] = False
                lines.append(f"  trace: playwright show-trace {folder / f'trace{index}.zip'}")
            except Exception as exc:
                lines.append(f"  page {index}: no trace ({exc.__class__.__name__}: {exc})")
    _failed_folders.append(folder)
    return lines


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if (
        report.when in ("setup", "call")
        and report.failed
        and getattr(item, "_browser_contexts", None)
    ):
        lines = _save_artefacts(item, report.when)
        report.sections.append(("browser artefacts", "\n".join(lines)))
        # Print at once too, so a CI log shows the folder even if the run is cut short.
        reporter = item.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("")
            for line in lines:
                reporter.write_line(line)


def pytest_terminal_summary(terminalreporter):
    if _failed_folders:
        terminalreporter.section("browser failure artefacts")
        for folder in _failed_folders:
            terminalreporter.write_line(str(folder))
