"""Post-training quantization of a MambaNanoNet into the kernel's INT8 model file.

The integer arithmetic is defined by native-interop/src/mn_kernels_ansi.c (see mn_kernels.h); this
module only chooses the parameters it runs with:

- weights: int8, symmetric, per output row (per-output-channel scales);
- activations: symmetric int8 per tensor, scales from calibration statistics (`ActStats`): the
  max |x| by default, or a percentile or the least-MSE range chosen per tensor by its measured
  effect (`search_ranges`);
- biases: optionally corrected for the mean quantization error of each layer's output
  (`correct_biases`, measured through `Int8Twin`);
- hidden state: int16 with a per-channel (per d_inner) scale from the calibrated range of h;
- delta (uint16) and |A|*log2(e) (uint16) with power-of-two scales chosen to use their full range;
- silu / softplus as 256-entry tables over the int8 input grid, exp(delta*A) by a Q10 exp2 table;
- every float multiplier as a fixed-point {mult, shift} pair (`rq_pair`), so no float reaches C.

Symbols: F features, D d_model, E d_inner, N d_state, R dt_rank, K d_conv, L layers, C classes.
"""

import copy
from dataclasses import dataclass, field

import numpy as np
import torch

from . import model_file as mf
from .contract import EXP2_FRAC_BITS

LOG2E = 1.4426950408889634
STATE_MAX = 32767  # int16 hidden state
A2_MAX = 32767  # |A| log2(e) codes < 2^15 (the kernel's rounding add fits uint32)
STATE_HEADROOM = 1.25  # h scale covers 1.25x the calibrated max |h| (slow channels drift)
MIN_RANGE = 1e-6  # smallest calibrated |x| max we turn into a scale
BIAS_LIMIT = 2**30  # the loader rejects |bias| >= 2^30

# Activation names recorded by MambaNanoNet's probe, in mn_act order (MN_T_ACT_SCALES).
ACT_NAMES = (
    "residual_in",
    "xi",
    "z",
    "xc",
    "xs",
    "dt_low",
    "b",
    "c",
    "dt",
    "delta",
    "y",
    "zs",
    "g",
    "residual_out",
)


# --------------------------------------------------------------------------------------------
# fixed-point helpers
# --------------------------------------------------------------------------------------------
def rq_pair(multiplier):
    """Real multiplier -> (mult, shift) with multiplier ~= mult * 2^-shift, |mult| < 2^31,
    shift in [0, 62]: the mn_rq the kernel applies as round_half_up(acc * mult / 2^shift)."""
    m = float(multiplier)
    if m == 0.0 or not np.isfinite(m):
        return 0, 0
    frac, exp = np.frexp(abs(m))  # |m| = frac * 2^exp, frac in [0.5, 1)
    shift = 31 - int(exp)
    mult = int(round(frac * 2**31))
    if mult == 2**31:
        mult //= 2
        shift -= 1
    if shift > 62:  # tiny multiplier: keep what precision 62 allows
        mult = int(round(abs(m) * 2.0**62))
        shift = 62
    if shift < 0:
        raise ValueError(f"multiplier {m} too large for the int32 requantizer")
    return (-mult if m < 0 else mult), shift


def rq_array(multipliers):
    """(rows,) real multipliers -> (rows, 2) int32 {mult, shift} tensor."""
    return np.array([rq_pair(m) for m in np.ravel(multipliers)], dtype=np.int32).reshape(-1, 2)


def quantize_rows(w):
    """Per-output-row symmetric int8: w (rows, cols) float -> (int8 (rows, cols), scale (rows,))."""
    w = np.asarray(w, dtype=np.float64)
    amax = np.abs(w).max(axis=1)
    scale = np.where(amax > 0, amax / 127.0, 1.0)
    q = np.clip(np.round(w / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale


def quantize_bias(b, acc_scale):
    q = np.round(np.asarray(b, dtype=np.float64) / acc_scale)
    return np.clip(q, -(BIAS_LIMIT - 1), BIAS_LIMIT - 1).astype(np.int32)


def int8_lut(fn, in_scale, out_scale):
    """256-entry int8 table: index i+128 -> round(fn(i * in_scale) / out_scale)."""
    grid = np.arange(-128, 128, dtype=np.float64) * in_scale
    return np.clip(np.round(fn(grid) / out_scale), -128, 127).astype(np.int8)


def exp2_lut():
    """Q15 table of 2^(-i/1024), i in [0, 1024): the kernel's exp(delta*A) and softmax."""
    i = np.arange(1 << EXP2_FRAC_BITS, dtype=np.float64)
    return np.round(32768.0 * np.exp2(-i / (1 << EXP2_FRAC_BITS))).astype(np.uint16)


def pow2_frac_bits(max_value, max_code=65535, limit=16):
    """Largest b in [0, limit] with max_value * 2^b <= max_code (unsigned with scale 2^-b)."""
    if max_value <= 0:
        return limit
    return int(np.clip(np.floor(np.log2(max_code / max_value)), 0, limit))


def silu_np(x):
    return x / (1.0 + np.exp(-x))


def softplus_np(x):
    return np.where(x > 20.0, x, np.log1p(np.exp(np.minimum(x, 20.0))))


# --------------------------------------------------------------------------------------------
# calibration
# --------------------------------------------------------------------------------------------
SAMPLES_PER_PROBE = 16384  # |x| values kept per probed tensor and batch, for percentiles
MSE_GRID = np.linspace(0.05, 1.0, 96)  # candidate ranges of ActStats.mse_range, x the max |x|


@dataclass
class ActStats:
    """Calibration statistics of every probed activation.
    act[(name, layer)] -> float max |x|; samples[(name, layer)] -> list of |x| subsamples (for
    percentiles); state[layer] -> (E,) per-channel max |h|; clip[(name, layer)] -> the range chosen
    in place of the max (by `search_ranges`), absent = max; clip[("h", layer)] -> the hidden
    state's headroom over its max, absent = STATE_HEADROOM."""

    act: dict = field(default_factory=dict)
    state: dict = field(default_factory=dict)
    samples: dict = field(default_factory=dict)
    clip: dict = field(default_factory=dict)
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))

    def probe(self, name, layer, tensor):
        t = tensor.detach().abs().double()
        if name == "h":  # (B, T, E, N) -> (E,)
            m = t.amax(dim=(0, 1, 3)).numpy()
            prev = self.state.get(layer)
            self.state[layer] = m if prev is None else np.maximum(prev, m)
            return
        m = float(t.max()) if t.numel() else 0.0
        self.act[(name, layer)] = max(self.act.get((name, layer), 0.0), m)
        flat = t.flatten().numpy()
        if flat.size > SAMPLES_PER_PROBE:
            flat = flat[self.rng.choice(flat.size, SAMPLES_PER_PROBE, replace=False)]
        self.samples.setdefault((name, layer), []).append(flat)

    def percentile(self, name, layer, q):
        """The q-th percentile of |x| over the calibration data (q in [0, 100])."""
        return float(np.percentile(np.concatenate(self.samples[(name, layer)]), q))

    def mse_range(self, name, layer):
        """The range r (among MSE_GRID fractions of the max) whose int8 quantizer, steps of r / 127
        and |x| clipped at r, has the least mean squared error over the calibration |x|."""
        x = np.concatenate(self.samples[(name, layer)])  # (n,) |x|
        ranges = max(self.act[(name, layer)], MIN_RANGE) * MSE_GRID  # (G,)
        step = ranges[:, None] / 127.0
        err = np.minimum(np.round(x[None, :] / step), 127.0) * step - x[None, :]  # (G, n)
        return float(ranges[np.argmin((err**2).mean(axis=1))])


def calibrate(model, batches):
    """Run the float model over an iterable of (B, T, F) feature tensors, recording ranges."""
    stats = ActStats()
    model.eval()
    with torch.no_grad():
        for x in batches:
            model(x, probe=stats.probe)
    return stats


def calibrate_state(model, stats, features, **write_kwargs):
    """Re-measure stats.state, each layer's per-channel max |h|, on features (n, T, F) as the kernel
    computes the state: through the INT8 twin (`Int8Twin`) of the file the model and stats write
    (int8 weights, every int8 activation rounded at its scale). The ranges `calibrate` measured
    belong to the float model before fine-tuning or bias correction: the fine-tuned HAR model's
    slow channels outgrew them (int16 state saturating at 1.3x its range on validation windows)."""
    twin = Int8Twin(quantize_bytes(model, stats, **write_kwargs))
    fresh = ActStats()

    def probe(name, layer, tensor):
        if name == "h":
            fresh.probe(name, layer, tensor)

    for i in range(0, len(features), 64):
        twin(features[i : i + 64], probe=probe)
    stats.state = fresh.state


def act_scale(stats, name, layer):
    """Scale of one int8 unit: the chosen range (default: the calibrated max) over 127."""
    value = stats.clip.get((name, layer), stats.act.get((name, layer), 0.0))
    return max(value, MIN_RANGE) / 127.0


# Range candidates per activation tensor searched by default: the max and three percentiles of |x|.
# Also available: "mse", the range of least quantization MSE (ActStats.mse_range), and any "pQ".
RANGE_CANDIDATES = ("max", "p99.99", "p99.9", "p99.5")


def candidate_range(stats, name, layer, method):
    """The range a candidate ("max", "mse" or "pQ", the Q-th percentile) gives an activation tensor."""
    if method == "max":
        return stats.act.get((name, layer), 0.0)
    if method == "mse":
        return stats.mse_range(name, layer)
    return stats.percentile(name, layer, float(method[1:]))


# Quantization-aware fine-tuning (quantization_aware_finetune): a tenth of the training rate.
QAT_EPOCHS = 3
QAT_LR = 3e-4

# Hidden-state headroom candidates (int16 range = headroom x calibrated per-channel max |h|):
# less headroom is finer resolution, more keeps slow channels that outgrow calibration unclipped.
HEADROOM_CANDIDATES = (1.0, 1.5, 2.0)


def searched_activations(layer):
    """The activations of a layer whose range search_ranges chooses: delta keeps its own fixed-point
    range, residual_in[l > 0] is residual_out[l - 1]."""
    return [
        name for name in ACT_NAMES if name != "delta" and not (name == "residual_in" and layer > 0)
    ]


# Greedy passes of search_ranges over the tensors (it stops early when a pass changes nothing).
# One pass can be too few: a tensor is judged with every later one still at its first candidate,
# so while a wide residual stream dominates the loss, an outlier-set range of y or g (KWS
# speaker fold 2: y at 493 and g at 7,514 where p99.9 is 20 and 110, 85 % and 99 % of their
# values rounding to 0) looks harmless and is kept; the second pass clips them. HAR, whose QAT
# adapts the weights to the ranges afterwards, keeps one pass (train_har.py): chosen per task on
# the cross-validation folds (README).
SEARCH_PASSES = 3


def search_ranges(
    model,
    stats,
    loss_of_file,
    n_layers,
    candidates=RANGE_CANDIDATES,
    passes=SEARCH_PASSES,
    **write_kwargs,
):
    """Choose each activation tensor's range among candidates (candidate_range names) by its
    measured effect (`loss_of_file(file_bytes)`, e.g. the divergence of the INT8 kernel's outputs
    from the float model's on calibration data): from every tensor at the candidate best for all
    of them together (ties: the earlier), a greedy pass over the tensors in network order, keeping
    for each the candidate of lowest loss with the other tensors' current choices in place; then
    the hidden state's headroom per layer, the same way, among STATE_HEADROOM and
    HEADROOM_CANDIDATES. Up to `passes` such passes, until one changes nothing. Returns ({tensor:
    {"method", "range", "loss"}} (the loss after the tensor was last chosen), the number of passes
    run, {"method", "loss"} of the start) and leaves the choices in stats.clip."""
    if passes < 1:
        raise ValueError(f"search_ranges needs at least one pass, not {passes}")
    chosen = {}
    method_of = {("h", layer): STATE_HEADROOM for layer in range(n_layers)}
    searched = [(name, layer) for layer in range(n_layers) for name in searched_activations(layer)]

    def set_all(method):
        for name, layer in searched:
            stats.clip[(name, layer)] = candidate_range(stats, name, layer, method)
            method_of[(name, layer)] = method

    # The start: every tensor at the one candidate that is best for all of them together. One
    # tensor at a time cannot leave a point where two ranges each spoil the output alone (KWS
    # scalar-A speaker fold 2: y and g set by outliers at 5,754 and 109,547; clipping either
    # alone leaves the other rounding nearly everything to 0).
    start_loss = {}
    for method in candidates:
        set_all(method)
        start_loss[method] = loss_of_file(quantize_bytes(model, stats, **write_kwargs))
    start = min(candidates, key=lambda method: start_loss[method])  # ties: the earlier
    set_all(start)
    best_loss = start_loss[start]
    done = 0  # passes run
    while done < passes:
        done += 1
        changed = False
        for key in searched:
            name, layer = key
            for method in candidates:
                if method == method_of[key]:
                    continue
                previous = stats.clip[key]
                stats.clip[key] = candidate_range(stats, name, layer, method)
                loss = loss_of_file(quantize_bytes(model, stats, **write_kwargs))
                if loss < best_loss:
                    best_loss, method_of[key], changed = loss, method, True
                else:
                    stats.clip[key] = previous
            chosen[f"{name}[{layer}]"] = {
                "method": method_of[key],
                "range": stats.clip[key],
                "loss": best_loss,
            }
        for layer in range(n_layers):
            key = ("h", layer)
            for headroom in (STATE_HEADROOM,) + HEADROOM_CANDIDATES:
                if headroom == method_of[key]:
                    continue
                stats.clip[key] = headroom
                loss = loss_of_file(quantize_bytes(model, stats, **write_kwargs))
                if loss < best_loss:
                    best_loss, method_of[key], changed = loss, headroom, True
            stats.clip[key] = method_of[key]
            chosen[f"h[{layer}]"] = {
                "method": f"headroom x{method_of[key]:g}",
                "range": method_of[key],
                "loss": best_loss,
            }
        if not changed:
            break
    return chosen, done, {"method": start, "loss": start_loss[start]}


# --------------------------------------------------------------------------------------------
# the model file
# --------------------------------------------------------------------------------------------
def _np(t):
    return t.detach().double().cpu().numpy()


def quantize_model(model, stats, *, task, frontend, input_scale, input_zero_point, class_names):
    """Quantize a calibrated MambaNanoNet. Returns (header_fields, tensors, report) where tensors
    are (kind, layer, ndarray) for model_file.write_model_file and report lists per-tensor choices."""
    T = mf.TensorKind
    tensors = []
    report = {"activations": {}, "layers": []}

    def add(kind, layer, arr):
        tensors.append((kind, layer, arr))

    w_in, ws_in = quantize_rows(_np(model.input_proj.weight))  # (D, F)
    F = w_in.shape[1]
    D = w_in.shape[0]
    blocks = list(model.layers)
    L = len(blocks)
    E = blocks[0].in_proj.weight.shape[0] // 2
    N = blocks[0].d_state
    R = blocks[0].dt_proj.weight.shape[1]
    K = blocks[0].conv1d.weight.shape[2]
    C = model.classifier.weight.shape[0]
    if len(class_names) != C:
        raise ValueError(f"{len(class_names)} class names for {C} classes")

    # --- input projection: features (int8, input_scale, zero point) -> residual of layer 0
    s_r = [act_scale(stats, "residual_in", 0)] + [
        act_scale(stats, "residual_out", l) for l in range(L)
    ]
    acc_in = ws_in * input_scale
    b_in = quantize_bias(_np(model.input_proj.bias), acc_in) - int(input_zero_point) * w_in.astype(
        np.int64
    ).sum(axis=1)
    add(T.INPUT_QUANT, 0, np.array([input_scale, input_zero_point], dtype=np.float32))
    add(T.EXP2_LUT, 0, exp2_lut())
    add(T.IN_W, 0, w_in)
    add(T.IN_B, 0, b_in.astype(np.int32))
    add(T.IN_RQ, 0, rq_array(acc_in / s_r[0]))
    add(T.IN_WSCALE, 0, ws_in.astype(np.float32))
    add(T.IN_BF, 0, _np(model.input_proj.bias).astype(np.float32))

    for l, blk in enumerate(blocks):
        s = {name: act_scale(stats, name, l) for name in ACT_NAMES if name not in ("delta",)}
        s["residual_in"], s["residual_out"] = s_r[l], s_r[l + 1]

        # in_proj: rows [0, E) -> xi, [E, 2E) -> z
        w, ws = quantize_rows(_np(blk.in_proj.weight))
        out_scale = np.concatenate([np.full(E, s["xi"]), np.full(E, s["z"])])
        add(T.IN_PROJ_W, l, w)
        add(T.IN_PROJ_B, l, quantize_bias(_np(blk.in_proj.bias), ws * s_r[l]))
        add(T.IN_PROJ_RQ, l, rq_array(ws * s_r[l] / out_scale))
        add(T.IN_PROJ_WSCALE, l, ws.astype(np.float32))
        add(T.IN_PROJ_BF, l, _np(blk.in_proj.bias).astype(np.float32))

        # depthwise conv (E, K) + silu table
        w, ws = quantize_rows(_np(blk.conv1d.weight)[:, 0, :])
        add(T.CONV_W, l, w)
        add(T.CONV_B, l, quantize_bias(_np(blk.conv1d.bias), ws * s["xi"]))
        add(T.CONV_RQ, l, rq_array(ws * s["xi"] / s["xc"]))
        add(T.CONV_WSCALE, l, ws.astype(np.float32))
        add(T.CONV_BF, l, _np(blk.conv1d.bias).astype(np.float32))
        add(T.SILU_X_LUT, l, int8_lut(silu_np, s["xc"], s["xs"]))

        # x_proj: rows dt_low (R), B (N), C (N); no bias
        w, ws = quantize_rows(_np(blk.x_proj.weight))
        out_scale = np.concatenate(
            [np.full(R, s["dt_low"]), np.full(N, s["b"]), np.full(N, s["c"])]
        )
        add(T.X_PROJ_W, l, w)
        add(T.X_PROJ_RQ, l, rq_array(ws * s["xs"] / out_scale))
        add(T.X_PROJ_WSCALE, l, ws.astype(np.float32))

        # dt_proj (+ dt bias) and softplus -> delta (uint16, scale 2^-delta_frac_bits)
        w, ws = quantize_rows(_np(blk.dt_proj.weight))
        add(T.DT_PROJ_W, l, w)
        add(T.DT_PROJ_B, l, quantize_bias(_np(blk.dt_proj.bias), ws * s["dt_low"]))
        add(T.DT_PROJ_RQ, l, rq_array(ws * s["dt_low"] / s["dt"]))
        add(T.DT_PROJ_WSCALE, l, ws.astype(np.float32))
        add(T.DT_PROJ_BF, l, _np(blk.dt_proj.bias).astype(np.float32))
        delta_grid = softplus_np(np.arange(-128, 128, dtype=np.float64) * s["dt"])
        delta_frac_bits = pow2_frac_bits(delta_grid.max())
        add(
            T.SOFTPLUS_LUT,
            l,
            np.clip(np.round(delta_grid * 2.0**delta_frac_bits), 0, 65535).astype(np.uint16),
        )
        s["delta"] = 2.0**-delta_frac_bits

        # A as |A| * log2(e), uint16 with scale 2^-a2_frac_bits; p = delta * a2 in Q10.
        # Scalar-A heads: A_log (H,) is written as A2 (H, 1), which tells the kernel the variant.
        a2 = np.exp(_np(blk.A_log)) * LOG2E  # (E, N) or (H,)
        a2_frac_bits = pow2_frac_bits(a2.max(), max_code=A2_MAX)
        exp_shift = delta_frac_bits + a2_frac_bits - EXP2_FRAC_BITS
        if exp_shift < 0:
            raise ValueError(f"layer {l}: delta and A ranges leave exp_shift {exp_shift} < 0")
        add(T.A2, l, np.clip(np.round(a2 * 2.0**a2_frac_bits), 0, A2_MAX).astype(np.uint16))
        add(T.SSM_PARAMS, l, np.array([delta_frac_bits, a2_frac_bits, exp_shift], dtype=np.int32))

        # hidden state: int16, per-channel scale; u * B[n] is delta*B*xs in h units * 2^15
        h_max = np.maximum(stats.state.get(l, np.zeros(E)), MIN_RANGE)
        s_h = h_max * stats.clip.get(("h", l), STATE_HEADROOM) / STATE_MAX  # (E,)
        d = _np(blk.D)  # (E,) the skip
        add(T.DBX_RQ, l, rq_array(2.0 ** (15 - delta_frac_bits) * s["xs"] * s["b"] / s_h))
        add(T.Y_RQ, l, rq_array(s["c"] * s_h / s["y"]))
        add(T.D_RQ, l, rq_array(d * s["xs"] / s["y"]))
        add(T.D_F, l, d.astype(np.float32))
        add(T.STATE_SCALE, l, s_h.astype(np.float32))

        # gate: g = y * silu(z)
        add(T.SILU_Z_LUT, l, int8_lut(silu_np, s["z"], s["zs"]))
        add(T.GATE_RQ, l, rq_array([s["y"] * s["zs"] / s["g"]]))

        # out_proj into the residual stream of layer l+1
        w, ws = quantize_rows(_np(blk.out_proj.weight))
        add(T.OUT_PROJ_W, l, w)
        add(T.OUT_PROJ_B, l, quantize_bias(_np(blk.out_proj.bias), ws * s["g"]))
        add(T.OUT_PROJ_RQ, l, rq_array(ws * s["g"] / s_r[l + 1]))
        add(T.OUT_PROJ_WSCALE, l, ws.astype(np.float32))
        add(T.OUT_PROJ_BF, l, _np(blk.out_proj.bias).astype(np.float32))
        add(T.RES_RQ, l, rq_array([s_r[l] / s_r[l + 1]]))
        add(T.ACT_SCALES, l, np.array([s[name] for name in ACT_NAMES], dtype=np.float32))
        report["layers"].append(
            {
                "act_scales": {name: s[name] for name in ACT_NAMES},
                "delta_frac_bits": delta_frac_bits,
                "a2_frac_bits": a2_frac_bits,
                "exp_shift": exp_shift,
                "state_scale_min": float(s_h.min()),
                "state_scale_max": float(s_h.max()),
            }
        )

    # classifier on the mean-pooled residual stream (int8 at the last residual scale) -> Q8 logits
    w, ws = quantize_rows(_np(model.classifier.weight))
    add(T.CLS_W, 0, w)
    add(T.CLS_B, 0, quantize_bias(_np(model.classifier.bias), ws * s_r[L]))
    add(T.CLS_RQ, 0, rq_array(ws * s_r[L] * 256.0))
    add(T.CLS_WSCALE, 0, ws.astype(np.float32))
    add(T.CLS_BF, 0, _np(model.classifier.bias).astype(np.float32))
    add(T.POOL_SCALE, 0, np.array([s_r[L]], dtype=np.float32))
    add(T.CLASS_NAMES, 0, mf.class_names_array(class_names))

    header = dict(
        task=task,
        frontend=frontend,
        pooling=mf.Pooling.MEAN,
        n_layers=L,
        n_features=F,
        d_model=D,
        d_inner=E,
        d_state=N,
        dt_rank=R,
        d_conv=K,
        n_classes=C,
    )
    return header, tensors, report


def write_quantized(path, model, stats, **kwargs):
    """Quantize and write a model file; returns (file bytes, report)."""
    header, tensors, report = quantize_model(model, stats, **kwargs)
    return mf.write_model_file(path, header, tensors), report


def quantize_bytes(model, stats, **kwargs):
    """The model file bytes, not written anywhere."""
    return write_quantized(None, model, stats, **kwargs)[0]


def dequantized_model(file_bytes):
    """The float model a model file describes, as a MambaNanoNet: every weight dequantized (int8 x
    its row scale), float biases, A = -A2 * 2^-a2_frac_bits * ln 2 (per head with scalar-A heads),
    D; what the C float reference (mnf_*) computes with. For the debug-state check of PyTorch
    against the C references."""
    from .model import MambaNanoNet

    header, t = mf.read_model_file(file_bytes)
    T = mf.TensorKind
    dims = {
        k: header[k]
        for k in (
            "n_features",
            "d_model",
            "d_inner",
            "d_state",
            "dt_rank",
            "d_conv",
            "n_layers",
            "n_classes",
        )
    }
    heads = {
        mf.a2_heads(t[(T.A2, l)].reshape(len(t[(T.A2, l)]), -1).shape, header)
        for l in range(header["n_layers"])
    }
    if len(heads) != 1:
        raise ValueError(f"layers with different A variants {heads}: MambaNanoNet has one a_heads")
    model = MambaNanoNet(**dims, a_heads=heads.pop())

    def rows(kind_w, kind_s, layer=0):
        scale = t[(kind_s, layer)].reshape(-1, 1)  # (rows, 1)
        w = t[(kind_w, layer)].astype(np.float64).reshape(len(scale), -1)  # (rows, inputs)
        return torch.from_numpy((w * scale).astype(np.float32))

    def vec(kind, layer=0):
        return torch.from_numpy(np.asarray(t[(kind, layer)], dtype=np.float32).reshape(-1))

    with torch.no_grad():
        model.input_proj.weight.copy_(rows(T.IN_W, T.IN_WSCALE))
        model.input_proj.bias.copy_(vec(T.IN_BF))
        model.classifier.weight.copy_(rows(T.CLS_W, T.CLS_WSCALE))
        model.classifier.bias.copy_(vec(T.CLS_BF))
        for l, blk in enumerate(model.layers):
            blk.in_proj.weight.copy_(rows(T.IN_PROJ_W, T.IN_PROJ_WSCALE, l))
            blk.in_proj.bias.copy_(vec(T.IN_PROJ_BF, l))
            blk.conv1d.weight.copy_(rows(T.CONV_W, T.CONV_WSCALE, l).unsqueeze(1))
            blk.conv1d.bias.copy_(vec(T.CONV_BF, l))
            blk.x_proj.weight.copy_(rows(T.X_PROJ_W, T.X_PROJ_WSCALE, l))
            blk.dt_proj.weight.copy_(rows(T.DT_PROJ_W, T.DT_PROJ_WSCALE, l))
            blk.dt_proj.bias.copy_(vec(T.DT_PROJ_BF, l))
            a2_frac_bits = int(t[(T.SSM_PARAMS, l)][1])
            a = t[(T.A2, l)].astype(np.float64) * 2.0**-a2_frac_bits * np.log(2.0)
            blk.A_log.copy_(
                torch.from_numpy(np.log(np.maximum(a, 1e-30)).astype(np.float32)).reshape(
                    blk.A_log.shape
                )
            )
            blk.D.copy_(vec(T.D_F, l))
            blk.out_proj.weight.copy_(rows(T.OUT_PROJ_W, T.OUT_PROJ_WSCALE, l))
            blk.out_proj.bias.copy_(vec(T.OUT_PROJ_BF, l))
    return model.eval()


def fake_quant(x, scale):
    """x rounded to int8 steps of scale, clamped to [-128, 127] steps, as the kernel rounds; the
    gradient passes straight through (the straight-through estimator)."""
    q = torch.clamp(torch.round(x / scale), -128, 127) * scale
    return x + (q - x).detach()


def activation_scales(file_bytes):
    """{(name, layer): the int8 scale the model file gives that activation} for every activation
    MambaNanoNet's `quant` rounds (mn_act names and 'pooled')."""
    header, t = mf.read_model_file(file_bytes)
    scales = {
        (name, l): float(scale)
        for l in range(header["n_layers"])
        for name, scale in zip(ACT_NAMES, t[(mf.TensorKind.ACT_SCALES, l)])
    }
    scales[("pooled", -1)] = float(t[(mf.TensorKind.POOL_SCALE, 0)][0])
    return scales


class Int8Twin:
    """The INT8 kernel's arithmetic approximated in PyTorch, to see the quantization error of each
    activation (the kernel reports only logits): the model file's dequantized weights and float
    biases (`dequantized_model`), and each int8 activation rounded to its file scale and clamped
    to [-128, 127] where the kernel rounds it (MambaNanoNet's `quant`). Not bit-exact: the
    kernel's int16 state, uint16 delta, exp2 table and two-term residual sum are not modelled.
    Calling it returns the logits (B, C) and leaves in `seen` every rounded activation as
    computed before rounding, keyed (name, layer); probe(name, layer, tensor), if given, sees
    every activation and the hidden state as MambaNanoNet's probe does."""

    def __init__(self, file_bytes):
        self.model = dequantized_model(file_bytes)
        self.scales = activation_scales(file_bytes)
        self.seen = {}

    def quant(self, name, layer, x):
        self.seen[(name, layer)] = x
        return fake_quant(x, self.scales[(name, layer)])

    def __call__(self, x, probe=None):
        """x (B, T, F) float features -> logits (B, C)."""
        self.seen = {}
        with torch.no_grad():
            return self.model(x, probe=probe, quant=self.quant)


def _biased_layers(model):
    """(name, module, the activations its output is before rounding) for every layer with a bias,
    in network order; the logits are the classifier's output."""
    yield "input_proj", model.input_proj, [("residual_in", 0)]
    for l, blk in enumerate(model.layers):
        yield f"in_proj[{l}]", blk.in_proj, [("xi", l), ("z", l)]
        yield f"conv1d[{l}]", blk.conv1d, [("xc", l)]
        yield f"dt_proj[{l}]", blk.dt_proj, [("dt", l)]
        yield f"out_proj[{l}]", blk.out_proj, [("residual_out", l)]  # its output + the residual
    yield "classifier", model.classifier, [("logits", -1)]


def correct_biases(model, stats, x, loss_of_file, **write_kwargs):
    """Bias correction, the empirical variant (with calibration data) of Nagel et al. 2019,
    "Data-free quantization through weight equalization and bias correction": for each biased
    layer in network order, the mean per output channel of (INT8 twin - float model) over the
    calibration features x (B, T, F) is subtracted from its bias, with the earlier corrections in
    place, so that the quantized layer's output is unbiased on average. The twin (`Int8Twin`)
    shows each layer's output before rounding; the correction of a layer is kept only if it
    lowers `loss_of_file` of the model file (the C kernel's divergence on calibration data, as in
    search_ranges). The float model is left as it is. Returns (the model to quantize,
    {layer: {"kept", "mean_abs_shift", "loss"}})."""
    float_seen = {}

    def record(name, layer, t):
        float_seen[(name, layer)] = t
        return t

    with torch.no_grad():
        float_seen[("logits", -1)] = model(x, quant=record)
    corrected = copy.deepcopy(model)
    best_loss = loss_of_file(quantize_bytes(corrected, stats, **write_kwargs))
    report = {}
    for name, module, outputs in _biased_layers(corrected):
        twin = Int8Twin(quantize_bytes(corrected, stats, **write_kwargs))
        twin.seen[("logits", -1)] = twin(x)
        shift = torch.cat(
            [(twin.seen[key] - float_seen[key]).flatten(0, -2).mean(0) for key in outputs]
        )  # (out channels,)
        bias = module.bias.detach().clone()
        with torch.no_grad():
            module.bias -= shift.to(bias.dtype)
        loss = loss_of_file(quantize_bytes(corrected, stats, **write_kwargs))
        kept = loss < best_loss
        if kept:
            best_loss = loss
        else:
            with torch.no_grad():
                module.bias.copy_(bias)
        report[name] = {
            "kept": kept,
            "mean_abs_shift": float(shift.abs().mean()),
            "loss": best_loss,
        }
    return corrected, report


def kernel_divergence(frames, float_probs):
    """A `loss_of_file` for search_ranges: the mean KL(float || INT8) over calibration inputs,
    the INT8 side through the C kernel. frames (n, T, F) int8; float_probs (n, C) the float
    model's softmax on the same inputs."""
    from .kernel import Int8Model

    def loss(file_bytes):
        kernel = Int8Model(file_bytes)
        return mean_kl(float_probs, np.stack([kernel.run_sequence(x) for x in frames]))

    return loss


def mean_kl(float_probs, int8_logits):
    """Mean KL(float || INT8) over examples: float_probs (n, C) softmax, int8_logits (n, C)."""
    log_q = int8_logits - int8_logits.max(-1, keepdims=True)
    log_q -= np.log(np.exp(log_q).sum(-1, keepdims=True))
    return float((float_probs * (np.log(np.maximum(float_probs, 1e-12)) - log_q)).sum(-1).mean())


class _RowFakeQuant(torch.nn.Module):
    """A weight parametrization: each output row rounded to int8 with its own scale, max |row| / 127
    (quantize_rows), the gradient straight through."""

    def forward(self, w):  # (rows, ...)
        amax = w.detach().abs().flatten(1).amax(1).clamp_min(MIN_RANGE)
        return fake_quant(w, (amax / 127.0).view(-1, *[1] * (w.dim() - 1)))


def quantization_aware_finetune(
    model,
    stats,
    features,
    labels,
    *,
    epochs=QAT_EPOCHS,
    lr=QAT_LR,
    batch=64,
    label_smoothing=0.05,
    seed=0,
    **write_kwargs,
):
    """A short quantization-aware fine-tuning of a copy of the model: every weight matrix rounded per
    output row and every int8 activation rounded at the scale the ranges in stats give it (fake
    quantization with straight-through gradients, at the tensors search_ranges handles; A, D and
    the hidden state stay float), trained with cross-entropy on (features (n, T, F), labels (n,)),
    training data only, AdamW with a cosine schedule from lr. Returns the fine-tuned float model,
    to be quantized with the same stats."""
    from torch.nn.utils import parametrize

    tuned = copy.deepcopy(model).train()
    scales = activation_scales(quantize_bytes(model, stats, **write_kwargs))
    weighted = [tuned.input_proj, tuned.classifier] + [
        m
        for blk in tuned.layers
        for m in (blk.in_proj, blk.conv1d, blk.x_proj, blk.dt_proj, blk.out_proj)
    ]
    for module in weighted:
        parametrize.register_parametrization(module, "weight", _RowFakeQuant())
    opt = torch.optim.AdamW(tuned.parameters(), lr=lr, weight_decay=1e-2)
    steps = epochs * -(-len(labels) // batch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    rng = np.random.default_rng(seed)

    def quant(name, layer, x):
        return fake_quant(x, scales[(name, layer)])

    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(len(labels)))
        for i in range(0, len(order), batch):
            idx = order[i : i + batch]
            loss = torch.nn.functional.cross_entropy(
                tuned(features[idx], quant=quant), labels[idx], label_smoothing=label_smoothing
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    for module in weighted:
        parametrize.remove_parametrizations(module, "weight", leave_parametrized=False)
    return tuned.eval()


def post_training_quantize(
    model,
    features,
    frames,
    *,
    range_candidates=RANGE_CANDIDATES,
    search_passes=SEARCH_PASSES,
    bias_correction=False,
    finetune=None,
    qat_epochs=QAT_EPOCHS,
    state_features=None,
    **write_kwargs,
):
    """The quantization both training commands run: features (n, T, F) float, the model's input,
    and frames (n, T, F) int8, the same as the kernel's, are calibration inputs (training data).
    Calibrates (`calibrate`), chooses each activation's range among range_candidates by the C
    kernel's divergence from the float model on these inputs (`search_ranges`, at most
    search_passes greedy passes); then, if finetune = (training features, labels) is given,
    fine-tunes a copy of the model for qat_epochs with those ranges
    (`quantization_aware_finetune`); then, if asked, corrects the biases (`correct_biases`); if
    either changed the model, measures its hidden-state ranges again (`calibrate_state`) on
    state_features (n, T, F) float, or on features if None.
    Returns (the model to write: a fine-tuned or corrected copy, or the model itself; its
    ActStats; {"range_candidates", "search_passes": passes run, "search_start",
    "activations": ranges, "finetune": {"epochs", "lr", "examples"} or None, "bias_correction":
    report or None, "state_examples": how many examples calibrate_state ran on, or None}) for
    write_quantized."""
    stats = calibrate(model, [features[i : i + 64] for i in range(0, len(features), 64)])
    with torch.no_grad():
        probs = torch.softmax(model(features), -1).numpy()
    loss = kernel_divergence(frames, probs)
    ranges, passes, start = search_ranges(
        model, stats, loss, len(model.layers), range_candidates, search_passes, **write_kwargs
    )
    tuning = None
    if finetune is not None and qat_epochs > 0:
        model = quantization_aware_finetune(
            model, stats, *finetune, epochs=qat_epochs, **write_kwargs
        )
        tuning = {"epochs": qat_epochs, "lr": QAT_LR, "examples": len(finetune[1])}
    corrections = None
    if bias_correction:
        model, corrections = correct_biases(model, stats, features, loss, **write_kwargs)
    state_examples = None
    if tuning is not None or corrections is not None:
        state_features = features if state_features is None else state_features
        calibrate_state(model, stats, state_features, **write_kwargs)
        state_examples = len(state_features)
    return (
        model,
        stats,
        {
            "range_candidates": list(range_candidates),
            "search_passes": passes,
            "search_start": start,
            "activations": ranges,
            "finetune": tuning,
            "bias_correction": corrections,
            "state_examples": state_examples,
        },
    )


def add_quantization_arguments(parser, qat_epochs, search_passes=SEARCH_PASSES):
    """The training commands' quantization options (post_training_quantize's choices), with a
    task's default numbers of quantization-aware fine-tuning epochs and range search passes."""
    parser.add_argument(
        "--range-candidates",
        type=lambda s: tuple(s.split(",")),
        default=RANGE_CANDIDATES,
        help="activation range candidates of the search: max, mse, pQ (default: %(default)s)",
    )
    parser.add_argument(
        "--search-passes",
        type=int,
        default=search_passes,
        help="greedy passes of the range search at most; it stops after a pass "
        "that changes nothing (default: %(default)s)",
    )
    parser.add_argument(
        "--bias-correction",
        action="store_true",
        help="correct the biases for the mean quantization error of each layer",
    )
    parser.add_argument(
        "--qat-epochs",
        type=int,
        default=qat_epochs,
        help="quantization-aware fine-tuning epochs on the training data, 0 for none "
        "(default: %(default)s)",
    )
