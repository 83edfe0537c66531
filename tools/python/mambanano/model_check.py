"""A model file a tool is about to use, refused with one clear line when it cannot be used: read
with a size bound, validated by the C loader (the device's own checks: header, length, CRC,
tensors, parameters) before any byte of it is interpreted, then its task checked.

    data, header = model_check.read_checked("weights/har.mnm", mf.Task.HAR)   # ModelError if not usable
"""

from pathlib import Path

from . import model_file as mf
from .kernel import validate

MAX_MODEL_BYTES = (
    64 << 20
)  # far above any model the format allows; /dev/zero cannot fill the memory


class ModelError(ValueError):
    """A model file that cannot be used; the message names the file and the reason."""


def read_checked(path, task=None):
    """(bytes, header) of a usable model file of `task` (an mf.Task, or None for either)."""
    path = Path(path)
    if path.is_dir():
        raise ModelError(f"{path}: is a folder, not a model file")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_MODEL_BYTES + 1)
    except FileNotFoundError:
        raise ModelError(f"{path}: no such file") from None
    except OSError as e:
        raise ModelError(f"{path}: cannot be read: {e.strerror or e}") from None
    if len(data) > MAX_MODEL_BYTES:
        raise ModelError(f"{path}: more than {MAX_MODEL_BYTES >> 20} MiB: not a model file")
    if not data:
        raise ModelError(f"{path}: empty file: not a model file")
    status, message = validate(data)
    if status != 0:
        raise ModelError(f"{path}: refused by the model loader: {message} (status {status})")
    header, _ = mf.read_model_file(data)
    if task is not None and header["task"] != task:
        raise ModelError(
            f"{path}: a {mf.Task(header['task']).name} model; this needs a {mf.Task(task).name} model"
        )
    return data, header
