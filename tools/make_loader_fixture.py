"""Write native-interop/tests/fixtures/loader_valid.mnm: a structurally valid model file with seeded
random parameters inside every legal range, for the loader tests (test_loader.cpp) and the fuzz
corpus. It is not a trained model: its outputs mean nothing; tiny.mnm (tools/make_fixtures.py)
is the quantized one, and test_loader.cpp prefers it when present.

Dims: F=3 D=4 E=8 N=2 R=1 K=2 L=1 C=3 (as tiny.mnm).
Usage: /usr/bin/python3 tools/make_loader_fixture.py [out_path] [--layers L]
"""
import argparse
from pathlib import Path
import sys

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mambanano import model_file as mf  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "native-interop" / "tests" / "fixtures" / "loader_valid.mnm"
SEED = 20240611


def random_tensor(rng, kind, shape):
    """Values within the loader's legal range for this kind."""
    K = mf.TensorKind
    dtype = mf.NUMPY_DTYPE[mf.KIND_TABLE[kind][0]]
    if kind == K.CLASS_NAMES:
        return mf.class_names_array(["walk", "sit", "stand", "lie", "up", "down"][:shape[0]])
    if kind == K.INPUT_QUANT:
        return np.array([0.05, 0.0], dtype=np.float32)
    if kind == K.EXP2_LUT:
        i = np.arange(mf.EXP2_LUT_SIZE, dtype=np.float64)
        return np.round(32768.0 * np.exp2(-i / mf.EXP2_LUT_SIZE)).astype(np.uint16)
    if kind == K.SSM_PARAMS:
        delta_frac_bits, a2_frac_bits = 8, 12
        return np.array([delta_frac_bits, a2_frac_bits,
                         delta_frac_bits + a2_frac_bits - mf.EXP2_FRAC_BITS], dtype=np.int32)
    if shape[1] == 2 and dtype == np.int32:  # rq {mult, shift}
        mult = rng.integers(1 << 29, 1 << 31, size=shape[0])
        shift = rng.integers(20, 40, size=shape[0])
        return np.stack([mult, shift], axis=1).astype(np.int32)
    if dtype == np.int32:  # biases
        return rng.integers(-5000, 5000, size=shape).astype(np.int32)
    if dtype == np.float32:
        return rng.uniform(0.01, 1.0, size=shape).astype(np.float32)
    info = np.iinfo(dtype)
    return rng.integers(info.min, int(info.max) + 1, size=shape).astype(dtype)


def make(n_layers=1, seed=SEED):
    header = dict(task=mf.Task.HAR, frontend=mf.Frontend.IMU, pooling=mf.Pooling.MEAN,
                  n_layers=n_layers, n_features=3, d_model=4, d_inner=8, d_state=2, dt_rank=1,
                  d_conv=2, n_classes=3)
    rng = np.random.default_rng(seed)
    tensors = [(kind, layer, random_tensor(rng, kind, mf.tensor_shape(kind, header)))
               for kind, layer in mf.required_tensors(header)]
    return header, tensors


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", default=str(DEFAULT_OUT))
    ap.add_argument("--layers", type=int, default=1)
    args = ap.parse_args()
    header, tensors = make(args.layers)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    data = mf.write_model_file(args.out, header, tensors)
    print(f"wrote {args.out}: {len(data)} bytes, {len(tensors)} tensors")


if __name__ == "__main__":
    main()
