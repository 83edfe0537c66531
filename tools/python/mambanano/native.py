"""ctypes access to the host build of native-interop (libmambanano.so).

The library is found at $MAMBANANO_LIB, else at build/native/libmambanano.so under the repository
root (where `tools/scripts/build_native.sh` puts it).
"""

import ctypes
import os
from pathlib import Path

from .paths import REPO

DEFAULT_LIB = REPO / "build" / "native" / "libmambanano.so"

_lib = None


def load_library():
    """Return the shared library (loaded once), with a clear error if it was not built."""
    global _lib
    if _lib is None:
        path = Path(os.environ.get("MAMBANANO_LIB", DEFAULT_LIB))
        if not path.exists():
            raise FileNotFoundError(
                f"{path} not found: build it with `bash tools/scripts/build_native.sh` "
                "or point MAMBANANO_LIB at libmambanano.so"
            )
        _lib = ctypes.CDLL(str(path))
    return _lib
