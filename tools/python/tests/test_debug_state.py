"""Debug state, in the style of llm.c: the PyTorch model writes a dump (its inputs, the hidden
state of every layer after every step, the logits), and the C float reference and the INT8 kernel
replay the inputs and are checked against it within named tolerances. The PyTorch model is the
dequantized twin of a shipped model file (the weights the C code runs), so the float check isolates
the float reference's arithmetic and the INT8 check the quantization. Inputs: real windows of the
validation split (the INT8 ranges were calibrated on real data, not on noise): one for the dump,
LOGIT_WINDOWS for the INT8 logits."""

from pathlib import Path

import numpy as np
import pytest
import torch

from mambanano import data_har, data_kws
from mambanano import model_file as mf
from mambanano.data import find_dataset
from mambanano.kernel import FloatReference, Int8Model
from mambanano.quantize import dequantized_model

REPO = Path(__file__).resolve().parents[3]
# C float reference vs PyTorch (both fp32, same weights): states and logits to this fraction of
# their range.
FLOAT_REL_TOL = 1e-4
# INT8 kernel vs PyTorch. Logits, over LOGIT_WINDOWS validation windows (one window's largest
# logit error is heavy-tailed: a per-window bound of 10 % of the logits' spread fails on one window
# in six or so of every shipped model so far): the same class on at least 90 % (measured: HAR
# 98-100 %, KWS 95-97 %) and a median largest error within 12 % of each window's logit spread
# (measured: HAR 8.4-8.8 %, KWS 5.6 %). The hidden state of the dumped window within 1 % of each
# channel's int16 range at the median (test_step.cpp's figure) and 12 % at the 99th percentile
# (test_step.cpp allows 8 % with max-range activations; the shipped models clip some activations at
# percentiles chosen for their outputs, which moves a few state values further: measured 9.9 % for
# HAR, under 8 % for KWS).
LOGIT_WINDOWS = 60
INT8_CLASS_AGREEMENT, INT8_LOGIT_MEDIAN_TOL = 0.90, 0.12
INT8_STATE_P99, INT8_STATE_MEDIAN = 0.12, 0.01


def validation_windows(task, n):
    """int8 features (n, T, F): HAR windows spread over the subjects of data_har.VAL_SUBJECTS, or
    the first n keyword clips of validation speakers."""
    if task == mf.Task.HAR:
        x, _ = data_har.windows(
            data_har.load_recordings(find_dataset("hapt")), set(data_har.VAL_SUBJECTS)
        )
        return x[:: max(1, len(x) // n)][:n]
    _, val = data_kws.split(data_kws.list_clips(find_dataset("speech_commands")))
    clips = [c for c in val if c.label < len(data_kws.KEYWORDS)][:n]
    return data_kws.features(data_kws.load_pcm(clips))


def write_dump(path, file_bytes):
    """Run the PyTorch twin step by step on a validation window; save inputs, states, logits."""
    header, tensors = mf.read_model_file(file_bytes)
    scale, zero = tensors[(mf.TensorKind.INPUT_QUANT, 0)]
    model = dequantized_model(file_bytes)
    frames = validation_windows(header["task"], 1)[0]
    steps = len(frames)
    x = torch.from_numpy((frames.astype(np.float32) - zero) * scale)
    cache = model.allocate_inference_cache(1)
    states = np.zeros((steps, header["n_layers"], header["d_inner"], header["d_state"]), np.float32)
    with torch.no_grad():
        for t in range(steps):
            logits = model.step(x[t : t + 1], cache)
            for l, (_, h) in enumerate(cache["layers"]):
                states[t, l] = h[0].numpy()
    np.savez(path, frames=frames, inputs=x.numpy(), states=states, logits=logits[0].numpy())
    return header


@pytest.fixture(scope="module", params=["har.mnm", "kws.mnm"])
def dump(request, tmp_path_factory):
    if find_dataset("hapt") is None or find_dataset("speech_commands") is None:
        pytest.skip("needs the hapt and speech_commands data sets (tools/mambanano data fetch)")
    file_bytes = (REPO / "weights" / request.param).read_bytes()
    path = tmp_path_factory.mktemp("dump") / "debug_state.npz"
    header = write_dump(path, file_bytes)
    return file_bytes, header, np.load(path)


def test_c_float_reference_matches_the_pytorch_dump(dump):
    file_bytes, header, d = dump
    ref = FloatReference(file_bytes)
    for t in range(len(d["frames"])):
        ref.step(d["inputs"][t])
        for l in range(header["n_layers"]):
            want = d["states"][t, l]
            err = np.abs(ref.ssm_state(l) - want).max()
            assert err <= FLOAT_REL_TOL * max(np.abs(want).max(), 1e-6), (t, l, err)
    want = d["logits"]
    assert np.abs(ref.logits() - want).max() <= FLOAT_REL_TOL * max(np.ptp(want), 1e-6) + 1e-6


def test_int8_kernel_matches_the_pytorch_dump_within_named_tolerances(dump):
    file_bytes, header, d = dump
    _, tensors = mf.read_model_file(file_bytes)
    kernel = Int8Model(file_bytes)
    for t in range(len(d["frames"])):
        kernel.step(d["frames"][t])
    for l in range(header["n_layers"]):
        scale = tensors[(mf.TensorKind.STATE_SCALE, l)].reshape(-1, 1)  # (E, 1)
        got = kernel.ssm_state(l) * scale
        want = d["states"][-1, l]
        rel = np.abs(got - want) / (32767 * scale)  # of the int16 range
        assert np.percentile(rel, 99) <= INT8_STATE_P99, np.percentile(rel, 99)
        assert np.median(rel) <= INT8_STATE_MEDIAN, np.median(rel)
    assert np.argmax(kernel.logits()) == np.argmax(d["logits"])


def test_int8_logits_match_the_pytorch_twin_over_validation_windows(dump):
    file_bytes, header, _ = dump
    _, tensors = mf.read_model_file(file_bytes)
    scale, zero = tensors[(mf.TensorKind.INPUT_QUANT, 0)]
    frames = validation_windows(header["task"], LOGIT_WINDOWS)  # (n, T, F) int8
    with torch.no_grad():
        want = dequantized_model(file_bytes)(
            torch.from_numpy((frames.astype(np.float32) - zero) * scale)
        ).numpy()  # (n, C)
    kernel = Int8Model(file_bytes)
    got = np.stack([kernel.run_sequence(x) for x in frames])
    assert (got.argmax(1) == want.argmax(1)).mean() >= INT8_CLASS_AGREEMENT
    rel = np.abs(got - want).max(1) / np.maximum(np.ptp(want, axis=1), 1e-6)
    assert np.median(rel) <= INT8_LOGIT_MEDIAN_TOL, np.median(rel)
