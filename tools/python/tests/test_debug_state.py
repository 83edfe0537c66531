"""Debug state, in the style of llm.c: the PyTorch model writes a dump (its inputs, the hidden
state of every layer after every step, the logits), and the C float reference replays the inputs
and is checked against it within a named tolerance. The PyTorch model is the dequantized twin of a
shipped model file (the weights the C code runs), so the float check isolates the float
reference's arithmetic. The INT8 kernel is checked twice over many validation windows (the INT8
ranges were calibrated on real data, not on noise): its hidden state against the twin with every
int8 activation rounded where the kernel rounds it (quantize.Int8Twin), which isolates the state
arithmetic, and its logits against the float twin, which judges the whole quantization."""

from pathlib import Path

import numpy as np
import pytest
import torch

from mambanano import data_har, data_kws
from mambanano import model_file as mf
from mambanano.data import find_dataset
from mambanano.kernel import FloatReference, Int8Model
from mambanano.quantize import Int8Twin, dequantized_model

REPO = Path(__file__).resolve().parents[3]
# C float reference vs PyTorch (both fp32, same weights): states and logits to this fraction of
# their range.
FLOAT_REL_TOL = 1e-4
# The INT8 kernel over WINDOWS validation windows.
WINDOWS = 60
# Its hidden state after each window vs the activation-rounded twin's, as a fraction of each
# channel's int16 range: the 99th percentile over a window's elements within 2 % at the median
# window and 10 % at the worst, every element's median within 0.2 %. What is left is the kernel's
# own state arithmetic (int16 state, delta and exp2 tables, requantization, saturation); measured
# on the shipped models: p99 median 0.9 % (HAR) and 0.1 % (KWS), worst window 3.6 % and 0.4 %,
# element median under 0.02 %; on the 5 HAR fold models worst windows 1.8-5.9 %. The same HAR
# model with its state ranges calibrated before its fine-tuning (int16 state saturating at 1.3x
# its range) measured a worst window of 25 %. Against the float
# twin the state is no measure of the kernel: a channel whose activations span one or two steps of
# its layer's per-tensor xs scale is mostly rounding (HAR: a channel held at 0, another at 3x).
STATE_P99_MEDIAN, STATE_P99_WORST, STATE_MEDIAN = 0.02, 0.10, 0.002
# Its logits vs the float twin (one window's largest logit error is heavy-tailed: a per-window
# bound of 10 % of the logits' spread fails on one window in six or so of every shipped model so
# far): the same class on at least 90 % (measured: HAR 98-100 %, KWS 95-97 %) and a median largest
# error within 12 % of each window's logit spread (measured: HAR 8.4-8.8 %, KWS 5.6 %).
INT8_CLASS_AGREEMENT, INT8_LOGIT_MEDIAN_TOL = 0.90, 0.12


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


def write_dump(path, file_bytes, frames):
    """Run the PyTorch twin step by step on one window, frames (T, F) int8; save inputs, states,
    logits."""
    header, tensors = mf.read_model_file(file_bytes)
    scale, zero = tensors[(mf.TensorKind.INPUT_QUANT, 0)]
    model = dequantized_model(file_bytes)
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
def file_bytes(request):
    """A shipped model file."""
    if find_dataset("hapt") is None or find_dataset("speech_commands") is None:
        pytest.skip("needs the hapt and speech_commands data sets (tools/mambanano data fetch)")
    return (REPO / "weights" / request.param).read_bytes()


@pytest.fixture(scope="module")
def windows(file_bytes):
    """(int8 frames (n, T, F) of WINDOWS validation windows, the same as float input (n, T, F))."""
    header, tensors = mf.read_model_file(file_bytes)
    scale, zero = tensors[(mf.TensorKind.INPUT_QUANT, 0)]
    frames = validation_windows(header["task"], WINDOWS)
    return frames, torch.from_numpy((frames.astype(np.float32) - zero) * scale)


@pytest.fixture(scope="module")
def kernel_run(file_bytes, windows):
    """The INT8 kernel over each window from a reset: (logits (n, C), {layer: final int16 states
    (n, E, N)})."""
    header, _ = mf.read_model_file(file_bytes)
    kernel = Int8Model(file_bytes)
    logits, states = [], {l: [] for l in range(header["n_layers"])}
    for window in windows[0]:
        logits.append(kernel.run_sequence(window))
        for l in states:
            states[l].append(kernel.ssm_state(l))
    return np.stack(logits), {l: np.stack(h) for l, h in states.items()}


@pytest.fixture(scope="module")
def dump(file_bytes, windows, tmp_path_factory):
    """The PyTorch twin's dump of the first validation window."""
    path = tmp_path_factory.mktemp("dump") / "debug_state.npz"
    header = write_dump(path, file_bytes, windows[0][0])
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


def test_int8_state_matches_the_activation_rounded_twin_over_validation_windows(
    file_bytes, windows, kernel_run
):
    header, tensors = mf.read_model_file(file_bytes)
    _, got = kernel_run
    want = {}  # layer -> (n, T, E, N) float

    def probe(name, layer, t):
        if name == "h":
            want[layer] = t.numpy()

    Int8Twin(file_bytes)(windows[1], probe=probe)
    p99, element = [], []
    for w in range(len(windows[0])):
        for l in range(header["n_layers"]):
            scale = tensors[(mf.TensorKind.STATE_SCALE, l)].reshape(-1, 1)  # (E, 1)
            rel = np.abs(got[l][w] * scale - want[l][w, -1]) / (32767 * scale)
            p99.append(np.percentile(rel, 99))
            element.append(rel.ravel())
    assert np.median(p99) <= STATE_P99_MEDIAN, np.median(p99)
    assert max(p99) <= STATE_P99_WORST, max(p99)
    assert np.median(np.concatenate(element)) <= STATE_MEDIAN


def test_int8_logits_match_the_pytorch_twin_over_validation_windows(
    file_bytes, windows, kernel_run
):
    with torch.no_grad():
        want = dequantized_model(file_bytes)(windows[1]).numpy()  # (n, C)
    got, _ = kernel_run
    assert (got.argmax(1) == want.argmax(1)).mean() >= INT8_CLASS_AGREEMENT
    rel = np.abs(got - want).max(1) / np.maximum(np.ptp(want, axis=1), 1e-6)
    assert np.median(rel) <= INT8_LOGIT_MEDIAN_TOL, np.median(rel)
