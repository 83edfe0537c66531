"""Where the repository's own files are (weights/, build/, runs/, nf.config, README.md).

The package is used from its checkout: run by tools/mambanano (PYTHONPATH=tools/python) or
installed editable (pip install -e tools/python), so the repository is three folders up.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
