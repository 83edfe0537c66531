"""Scalar-A heads (format 1.2) across the toolchain: the quantizer writes A2 (H, 1), the C kernel
runs it bit for bit as the (E, N) file whose rows repeat each head's value, the dequantized PyTorch
twin has the same heads, and the C float reference follows the PyTorch model (debug-state style:
states after every step and the logits) on the committed fixtures."""

from pathlib import Path

import numpy as np
import pytest
import torch

from mambanano import model_file as mf
from mambanano.kernel import FloatReference, Int8Model
from mambanano.model import MambaNanoNet
from mambanano.quantize import calibrate, dequantized_model, quantize_bytes

torch.set_num_threads(1)

FIXTURES = Path(__file__).resolve().parents[3] / "native-interop" / "tests" / "fixtures"
INPUT_SCALE = 1.0 / 32.0  # the fixtures' RAW features: int8 / 32
FLOAT_REL_TOL = 1e-4  # as test_debug_state.py: C fp32 vs PyTorch fp32
T = mf.TensorKind


def frames(n_features, steps, seed):
    """Uniform int8 frames (steps, F): the distribution the fixtures were calibrated on."""
    return np.random.default_rng(seed).integers(-128, 128, (steps, n_features)).astype(np.int8)


def expanded_to_per_state(file_bytes):
    """The same model file with every scalar-A A2 (H,) written as the (E, N) A2 whose row e repeats
    a2[e / (E / H)] (version minor unchanged)."""
    header, tensors = mf.read_model_file(file_bytes)
    e, n = header["d_inner"], header["d_state"]
    out = []
    for (kind, layer), a in tensors.items():
        if kind == T.A2 and a.ndim == 1 and (len(a), n) != (e, 1):
            a = np.repeat(a, e // len(a))[:, None].repeat(n, axis=1)
        out.append((kind, layer, a))
    fields = {f: header[f] for f in mf.HEADER_FIELDS}
    return mf.write_model_file(None, dict(fields, version_minor=header["version_minor"]), out)


def quantized_scalar_a(heads, seed=0):
    dims = dict(
        n_features=6, d_model=8, d_inner=12, d_state=5, dt_rank=2, d_conv=4, n_layers=2, n_classes=4
    )
    torch.manual_seed(seed)
    model = MambaNanoNet(**dims, a_heads=heads).eval()
    x = torch.from_numpy(
        np.stack([frames(6, 64, seed + i) for i in range(4)]).astype(np.float32) * INPUT_SCALE
    )
    return quantize_bytes(
        model,
        calibrate(model, [x]),
        task=mf.Task.KWS,
        frontend=mf.Frontend.RAW,
        input_scale=INPUT_SCALE,
        input_zero_point=0.0,
        class_names=list("abcd"),
    )


@pytest.mark.parametrize("heads", [1, 3, 12])
def test_quantizer_writes_one_a_per_head(heads):
    data = quantized_scalar_a(heads)
    header, tensors = mf.read_model_file(data)
    assert header["version_minor"] >= mf.SCALAR_A_MINOR
    for layer in range(header["n_layers"]):
        assert tensors[(T.A2, layer)].shape == (heads,)
    assert dequantized_model(data).a_heads == heads


@pytest.mark.parametrize("source", ["quantized", "scalar_a.mnm", "har_scalar_a.mnm"])
def test_kernel_equals_the_per_state_file_with_repeated_rows(source):
    data = quantized_scalar_a(3) if source == "quantized" else (FIXTURES / source).read_bytes()
    scalar, per_state = Int8Model(data), Int8Model(expanded_to_per_state(data))
    header, _ = mf.read_model_file(data)
    for t, frame in enumerate(frames(header["n_features"], 600, seed=5)):
        scalar.step(frame)
        per_state.step(frame)
        if t % 50 == 0:
            for layer in range(header["n_layers"]):
                np.testing.assert_array_equal(scalar.ssm_state(layer), per_state.ssm_state(layer))
            np.testing.assert_array_equal(scalar.logits(), per_state.logits())


@pytest.mark.parametrize("fixture", ["scalar_a.mnm", "kws_scalar_a.mnm"])
def test_c_float_reference_follows_the_pytorch_twin(fixture):
    data = (FIXTURES / fixture).read_bytes()
    header, _ = mf.read_model_file(data)
    model = dequantized_model(data)
    ref = FloatReference(data)
    x = torch.from_numpy(frames(header["n_features"], 200, seed=9).astype(np.float32) * INPUT_SCALE)
    cache = model.allocate_inference_cache(1)
    with torch.no_grad():
        for t in range(len(x)):
            logits = model.step(x[t : t + 1], cache)[0].numpy()
            ref.step(x[t].numpy())
            for layer, (_, h) in enumerate(cache["layers"]):
                want = h[0].numpy()
                err = np.abs(ref.ssm_state(layer) - want).max()
                assert err <= FLOAT_REL_TOL * max(np.abs(want).max(), 1e-6), (t, layer, err)
    assert np.abs(ref.logits() - logits).max() <= FLOAT_REL_TOL * max(np.ptp(logits), 1e-6) + 1e-6


def test_lean_scalar_a_file_keeps_its_minor_and_runs_bit_exactly():
    data = (FIXTURES / "scalar_a.mnm").read_bytes()
    lean = mf.lean_model_bytes(data)
    header, tensors = mf.read_model_file(lean)
    assert mf.is_lean(header) and header["version_minor"] == mf.SCALAR_A_MINOR
    assert tensors[(T.A2, 0)].shape == (4,)
    full, device = Int8Model(data), Int8Model(lean)
    for frame in frames(header["n_features"], 300, seed=3):
        full.step(frame)
        device.step(frame)
    np.testing.assert_array_equal(full.logits(), device.logits())
