"""Every knob is declared once, in talklondon/settings.py, and listed in the README.

Settings read where they are used (`getattr(settings, "X", default)`) cannot be set from the
environment and cannot be found; these tests keep them from coming back.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("talklondon", "consultation", "anpr_info")
# env_str("NAME", ...), env_int(...), env_bool(...), env_list(...), os.environ.get("NAME"),
# os.environ["NAME"], os.getenv("NAME").
ENV_READ = re.compile(
    r"""(?:env_(?:str|int|bool|list)\(|os\.environ\.get\(|os\.environ\[|os\.getenv\()\s*"""
    r"""["']([A-Z][A-Z0-9_]*)["']"""
)


def variables_read_by_settings() -> set[str]:
    return set(ENV_READ.findall((ROOT / "talklondon" / "settings.py").read_text("utf-8")))


def variables_in_readme_table() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^### Configuration\n(.*?)(?=^#)", readme, re.S | re.M)
    assert section, "README.md must have a '### Configuration' section with the table"
    names = set()
    for line in section.group(1).splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell))
    return names


def test_the_parser_sees_the_settings_reads():
    # Guards the test itself: a regex that matched nothing would pass everything below.
    found = variables_read_by_settings()
    assert {"SECRET_KEY", "DATABASE_URL", "COMMENT_MAX_LENGTH", "OUTBOX_MAX_ATTEMPTS"} <= found


def test_every_environment_variable_settings_reads_is_in_the_readme_table():
    missing = variables_read_by_settings() - variables_in_readme_table()
    assert not missing, f"add these to README.md's Configuration table: {sorted(missing)}"


def test_the_readme_table_lists_only_variables_settings_reads():
    stale = variables_in_readme_table() - variables_read_by_settings()
    assert not stale, f"README.md's Configuration table names unread variables: {sorted(stale)}"


def test_app_code_reads_declared_settings_not_getattr_with_a_default():
    offenders = {
        f"{path.relative_to(ROOT)}:{number}"
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "getattr(settings, " in line
    }
    assert not offenders, (
        f"declare the knob in talklondon/settings.py and read settings.X: {sorted(offenders)}"
    )
