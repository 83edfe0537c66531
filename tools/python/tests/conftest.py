"""The tests import mambanano from tools/python (pyproject.toml's pytest `pythonpath`); the tools
they start as subprocesses (`python -m mambanano ...`) get the same folder on their PYTHONPATH."""

import os
from pathlib import Path

import mambanano

PACKAGE_ROOT = str(Path(mambanano.__file__).resolve().parents[1])
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (PACKAGE_ROOT, os.environ.get("PYTHONPATH")) if p
)
