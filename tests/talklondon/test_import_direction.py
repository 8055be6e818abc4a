"""The direction of imports between the apps, as the contracts in pyproject.toml declare it.

talklondon is the foundation: consultation and anpr_info may import it, never the reverse, and
neither feature app imports the other. The apps hold only what production runs: they never
import the demo, the benchmarks or the tests. import-linter checks this statically (no Django).
"""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
DECLARED = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
CONTRACTS = {contract["id"]: contract["name"] for contract in DECLARED}


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """The project's contracts checked against the packages found in `cwd`."""
    return subprocess.run(
        [str(LINT_IMPORTS), str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_apps_import_in_one_direction():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_import_is_exempted_from_a_contract():
    # What two apps both need belongs in talklondon, not in an exception to the rule.
    exempted = {c["id"]: c["ignore_imports"] for c in DECLARED if c.get("ignore_imports")}
    assert exempted == {}


# A miniature of the project: the same top-level packages, each a file or two, importing in the
# allowed direction.
MINIATURE = {
    "talklondon/views.py": "",
    "talklondon/hashchain.py": "GENESIS = '0'\n",
    "consultation/models.py": "",
    "consultation/views.py": "from talklondon import views\n",
    "consultation/releases.py": "from talklondon.hashchain import GENESIS\n",
    "anpr_info/views.py": "from talklondon import views\n",
    "anpr_info/releases.py": "from talklondon.hashchain import GENESIS\n",
    "demo/accounts.py": "from talklondon import views\n",
    "bench/survey_adapter.py": "from demo import accounts\n",
    "tests/test_views.py": "from bench import survey_adapter\n",
}


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("talklondon/views.py", "import consultation.models\n", "foundation"),
        ("anpr_info/views.py", "from consultation import models\n", "features"),
        ("consultation/releases.py", "from anpr_info import releases\n", "features"),
        ("consultation/views.py", "from demo import accounts\n", "production"),
    ],
)
def test_an_import_against_the_direction_breaks_its_contract(tmp_path, module, line, contract):
    for path, source in MINIATURE.items():
        file = tmp_path / path
        file.parent.mkdir(parents=True, exist_ok=True)
        (file.parent / "__init__.py").touch()
        file.write_text(source)
    # As the project stands, the miniature keeps every contract...
    assert _lint_imports(tmp_path).returncode == 0
    # ...and one import against the direction breaks the contract that forbids it, by name.
    with (tmp_path / module).open("a") as file:
        file.write(line)
    result = _lint_imports(tmp_path)
    assert result.returncode == 1
    assert f"{CONTRACTS[contract]} BROKEN" in result.stdout
