"""What a web worker loads: the solvers and the workbook writer only load in the tasks that use
them. scikit-learn, scipy, HiGHS and openpyxl together added about 95 MB to every gunicorn worker's memory
before they were imported where they are used."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ONLY_IN_TASKS = ("scipy", "sklearn", "highspy", "openpyxl")

PROBE = """
import json, sys
ONLY_IN_TASKS = sys.argv[1].split(",")
import django
django.setup()
from django.urls import get_resolver
from talklondon.wsgi import application  # noqa: F401  (what gunicorn loads)
get_resolver().url_patterns  # every view module
import talklondon.celery  # noqa: F401  (the tasks are registered on the web side too)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ONLY_IN_TASKS)))
"""


def test_a_web_worker_does_not_load_the_solvers_or_the_workbook_writer():
    # As production starts it: no DEBUG, no demo app, a secret key of its own.
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DEMO")}
    env |= {"DJANGO_SETTINGS_MODULE": "talklondon.settings", "SECRET_KEY": "footprint-probe"}
    output = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(ONLY_IN_TASKS)],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    loaded = json.loads(output.strip().splitlines()[-1])
    assert loaded == [], f"loaded at start-up: {sorted({m.split('.')[0] for m in loaded})}"
