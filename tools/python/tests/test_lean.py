"""The lean device model file (format 1.1, FLAG_LEAN): model_file.lean_model_bytes() and its CLI,
the committed weights/device/*.mnm being the lean files of weights/*.mnm, bit-exact INT8 logits of
lean == full through the C kernel over many frames (shipped models and every fixture), and the
float reference refusing a lean file."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mambanano import model_file as mf
from mambanano.kernel import FloatReference, Int8Model, KernelError, validate

REPO = Path(__file__).resolve().parents[3]
WEIGHTS = REPO / "weights"
FIXTURES = REPO / "native-interop" / "tests" / "fixtures"
SHIPPED = ["har", "kws"]


@pytest.mark.parametrize("name", SHIPPED)
def test_committed_device_file_is_the_lean_file(name):
    full = (WEIGHTS / f"{name}.mnm").read_bytes()
    lean = (WEIGHTS / "device" / f"{name}.mnm").read_bytes()
    assert lean == mf.lean_model_bytes(full), (
        f"weights/device/{name}.mnm is stale: run tools/mambanano gen-resources"
    )


@pytest.mark.parametrize(
    "path",
    [WEIGHTS / f"{n}.mnm" for n in SHIPPED] + sorted(FIXTURES.glob("*.mnm")),
    ids=lambda p: p.name,
)
def test_lean_file_loads_and_drops_only_pc_only_tensors(path):
    full = path.read_bytes()
    lean = mf.lean_model_bytes(full)
    assert validate(lean)[0] == mf.Status.OK
    h_full, t_full = mf.read_model_file(full)
    h_lean, t_lean = mf.read_model_file(lean)
    assert h_lean["flags"] == mf.FLAG_LEAN and h_lean["version_minor"] >= 1
    assert {k for k in t_full if not mf.pc_only(k[0])} == set(t_lean)
    assert all(np.array_equal(t_full[k], t_lean[k]) for k in t_lean)
    f32 = sum(a.nbytes for (k, _), a in t_full.items() if mf.pc_only(k))
    assert len(full) - len(lean) >= f32
    assert mf.lean_model_bytes(lean) == lean  # idempotent


@pytest.mark.parametrize(
    "path",
    [WEIGHTS / f"{n}.mnm" for n in SHIPPED] + sorted(FIXTURES.glob("*.mnm")),
    ids=lambda p: p.name,
)
def test_int8_logits_lean_equal_full(path):
    full = Int8Model(path.read_bytes())
    lean = Int8Model(mf.lean_model_bytes(path.read_bytes()))
    rng = np.random.default_rng(7)
    n_features = full.file[24] | (full.file[25] << 8)
    full.reset()
    lean.reset()
    for t in range(600):
        x = rng.integers(-128, 128, size=n_features, dtype=np.int8)
        full.step(x)
        lean.step(x)
        if t % 7 == 0:
            assert np.array_equal(full.logits(), lean.logits()), f"step {t}"
    assert np.array_equal(full.logits(), lean.logits())


def test_float_reference_refuses_lean_file():
    lean = mf.lean_model_bytes((WEIGHTS / "har.mnm").read_bytes())
    with pytest.raises(KernelError, match="lean"):
        FloatReference(lean)
    FloatReference((WEIGHTS / "har.mnm").read_bytes())  # the full file still runs


def test_writer_refuses_pc_only_tensor_in_lean_file_and_flags_in_1_0():
    h, t = mf.read_model_file(WEIGHTS / "har.mnm")
    header = {f: h[f] for f in mf.HEADER_FIELDS}
    items = [(k, l, a) for (k, l), a in t.items()]
    with pytest.raises(ValueError, match="PC-only"):
        mf.write_model_file(None, dict(header, flags=mf.FLAG_LEAN), items)
    kept = [(k, l, a) for k, l, a in items if not mf.pc_only(k)]
    with pytest.raises(ValueError, match="flags"):
        mf.write_model_file(None, dict(header, flags=mf.FLAG_LEAN, version_minor=0), kept)
    with pytest.raises(ValueError, match="missing"):
        mf.write_model_file(None, header, kept)


def test_cli_writes_lean_file(tmp_path):
    out = tmp_path / "har.mnm"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mambanano",
            "model-file",
            "--lean",
            str(WEIGHTS / "har.mnm"),
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    assert out.read_bytes() == (WEIGHTS / "device" / "har.mnm").read_bytes()
