"""python -m mambanano: the same command as tools/mambanano."""

import sys

from mambanano.cli import main

sys.exit(main())
