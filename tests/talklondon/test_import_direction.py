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
CONTRACTS = {
    contract["id"]: contract["name"]
    for contract in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
}


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


# A miniature of the project: the same top-level packages, each a file or two, and the two
# imports the contracts allow (they must exist, or import-linter reports them as unmatched).
MINIATURE = {
    "talklondon/views.py": "",
    "consultation/models.py": "",
    "consultation/views.py": "from talklondon import views\n",
    "consultation/analysis/__init__.py": "",
    "consultation/analysis/services/__init__.py": "",
    "consultation/analysis/services/releases.py": "from anpr_info.hashchain import GENESIS\n",
    "consultation/statements/__init__.py": "",
    "consultation/statements/charts.py": "from anpr_info.charts import FONT\n",
    "anpr_info/views.py": "from talklondon import views\n",
    "anpr_info/hashchain.py": "GENESIS = '0'\n",
    "anpr_info/charts.py": "FONT = 'Arial'\n",
    "demo/accounts.py": "from talklondon import views\n",
    "bench/survey_adapter.py": "from demo import accounts\n",
    "tests/test_views.py": "from bench import survey_adapter\n",
}


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("talklondon/views.py", "import consultation.models\n", "foundation"),
        ("anpr_info/views.py", "from consultation import models\n", "features"),
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
