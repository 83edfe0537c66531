"""The quantizer's choices: MSE range, the range search's passes, the INT8 twin, bias correction,
quantization-aware fine-tuning, the state ranges of a changed model, weight-only INT8 (seeded
random models, INT8 through the C kernel)."""

import numpy as np
import pytest
import torch

from mambanano import frontend
from mambanano import model_file as mf
from mambanano.kernel import Int8Model
from mambanano.model import MambaNanoNet
from mambanano.quantize import (
    ACT_NAMES,
    STATE_HEADROOM,
    ActStats,
    Int8Twin,
    activation_scales,
    calibrate,
    calibrate_state,
    candidate_range,
    correct_biases,
    dequantized_model,
    fake_quant,
    kernel_divergence,
    quantization_aware_finetune,
    quantize_bytes,
    search_ranges,
)

torch.set_num_threads(1)

DIMS = dict(
    n_features=9, d_model=16, d_inner=32, d_state=4, dt_rank=2, d_conv=4, n_layers=2, n_classes=6
)
QUANT_ARGS = dict(
    task=mf.Task.HAR,
    frontend=mf.Frontend.IMU,
    input_scale=frontend.IMU_SCALE,
    input_zero_point=float(frontend.IMU_ZERO_POINT),
    class_names=[f"c{i}" for i in range(6)],
)


def calibrated_model(seed=0, n=48, steps=40):
    """A seeded random model, int8 frames (n, steps, F), their float features, and ActStats."""
    torch.manual_seed(seed)
    model = MambaNanoNet(**DIMS).eval()
    frames = (
        np.random.default_rng(seed)
        .integers(-64, 64, size=(n, steps, DIMS["n_features"]))
        .astype(np.int8)
    )
    features = torch.from_numpy(frames.astype(np.float32) * frontend.IMU_SCALE)
    return model, frames, features, calibrate(model, [features])


def kernel_logits(file_bytes, frames):
    kernel = Int8Model(file_bytes)
    return np.stack([kernel.run_sequence(f) for f in frames])  # (n, C)


def quantization_mse(x, value_range):
    """Mean squared error of symmetric int8 with steps of value_range / 127 on x."""
    step = value_range / 127.0
    return ((np.minimum(np.round(np.abs(x) / step), 127) * step - np.abs(x)) ** 2).mean()


def test_mse_range_minimises_the_quantization_error():
    rng = np.random.default_rng(0)
    stats = ActStats()
    heavy_tailed = rng.standard_t(2, 16384)
    stats.probe("g", 0, torch.from_numpy(heavy_tailed))
    chosen, amax = stats.mse_range("g", 0), stats.act[("g", 0)]
    assert chosen < 0.97 * amax
    for other in (amax, 0.99 * amax, 0.9 * chosen, 0.5 * amax, stats.percentile("g", 0, 99.9)):
        assert quantization_mse(heavy_tailed, chosen) <= quantization_mse(heavy_tailed, other)
    stats.probe("xs", 0, torch.from_numpy(rng.uniform(-1, 1, 16384)))
    assert stats.mse_range("xs", 0) >= 0.98 * stats.act[("xs", 0)]  # no tail to clip


def test_quant_hook_stands_at_every_activation_the_kernel_rounds():
    model, _, features, _ = calibrated_model()
    seen = set()

    def record(name, layer, t):
        seen.add((name, layer))
        return t

    torch.testing.assert_close(model(features, quant=record), model(features))
    expected = {
        (name, l)
        for l in range(DIMS["n_layers"])
        for name in ACT_NAMES
        if name != "delta" and not (name == "residual_in" and l > 0)
    }
    assert seen == expected | {("pooled", -1)}


def test_int8_twin_is_closer_to_the_kernel_than_the_float_model():
    model, frames, features, stats = calibrated_model()
    for name in ("xs", "y", "g"):  # coarse ranges: large, visible errors
        stats.clip[(name, 0)] = stats.percentile(name, 0, 90)
    data = quantize_bytes(model, stats, **QUANT_ARGS)
    kernel = kernel_logits(data, frames)
    with torch.no_grad():
        float_error = np.abs(model(features).numpy() - kernel).mean()
    twin_error = np.abs(Int8Twin(data)(features).numpy() - kernel).mean()
    assert twin_error < 0.5 * float_error


def test_bias_correction_reduces_the_kernels_mean_output_error():
    model, frames, features, stats = calibrated_model()
    for name in ("xs", "y", "g"):  # clipping: a systematic output error
        stats.clip[(name, 0)] = stats.percentile(name, 0, 90)
    with torch.no_grad():
        float_logits = model(features).numpy()
        probs = torch.softmax(model(features), -1).numpy()
    before = kernel_logits(quantize_bytes(model, stats, **QUANT_ARGS), frames) - float_logits
    corrected, report = correct_biases(
        model, stats, features, kernel_divergence(frames, probs), **QUANT_ARGS
    )
    after = kernel_logits(quantize_bytes(corrected, stats, **QUANT_ARGS), frames) - float_logits
    assert report["classifier"]["kept"]
    assert np.abs(after.mean(0)).mean() < 0.5 * np.abs(before.mean(0)).mean()
    assert (after**2).mean() < (before**2).mean()
    with torch.no_grad():  # the float model itself is untouched
        np.testing.assert_array_equal(model(features).numpy(), float_logits)


def test_bias_correction_keeps_a_layer_only_if_the_loss_drops():
    model, _, features, stats = calibrated_model()
    corrected, report = correct_biases(model, stats, features, lambda file_bytes: 0.0, **QUANT_ARGS)
    assert not any(v["kept"] for v in report.values())
    for p, q in zip(model.parameters(), corrected.parameters()):
        assert torch.equal(p, q)


def test_fake_quant_rounds_like_the_kernel_and_passes_gradients_straight_through():
    x = torch.tensor([-300.0, -1.26, -0.74, 0.0, 0.26, 1.24, 300.0], requires_grad=True)
    y = fake_quant(x, 0.5)
    torch.testing.assert_close(y.detach(), torch.tensor([-64.0, -1.5, -0.5, 0.0, 0.5, 1.0, 63.5]))
    y.sum().backward()
    torch.testing.assert_close(x.grad, torch.ones_like(x))


def test_quantization_aware_finetune_lowers_the_int8_loss_and_leaves_plain_weights():
    model, frames, features, stats = calibrated_model(n=64)
    labels = torch.from_numpy(
        np.random.default_rng(1).integers(0, DIMS["n_classes"], len(features))
    )
    before = {k: v.clone() for k, v in model.state_dict().items()}

    def int8_loss(m):
        logits = torch.from_numpy(kernel_logits(quantize_bytes(m, stats, **QUANT_ARGS), frames))
        return float(torch.nn.functional.cross_entropy(logits.float(), labels))

    tuned = quantization_aware_finetune(
        model, stats, features, labels, epochs=20, lr=3e-3, **QUANT_ARGS
    )
    assert int8_loss(tuned) < int8_loss(model) - 0.05
    assert set(tuned.state_dict()) == set(before)  # no parametrization left behind
    for k, v in model.state_dict().items():  # the float model itself is untouched
        assert torch.equal(v, before[k]), k


def test_calibrate_state_measures_the_state_the_kernel_computes_after_the_model_changed():
    model, frames, features, stats = calibrated_model()
    with torch.no_grad():  # as fine-tuning can: B grows, the state outgrows its calibration
        for blk in model.layers:
            blk.x_proj.weight.mul_(3.0)

    def twin_state_max(file_bytes):
        """{layer: (E,) max |h| of the activation-rounded twin on features}."""
        h_max = {}
        Int8Twin(file_bytes)(
            features,
            probe=lambda name, l, t: (
                h_max.update({l: t.abs().amax(dim=(0, 1, 3)).numpy()}) if name == "h" else None
            ),
        )
        return h_max

    def saturated(file_bytes):
        """How many int16 state elements the kernel leaves at its limits after each sequence."""
        kernel = Int8Model(file_bytes)
        count = 0
        for f in frames:
            kernel.run_sequence(f)
            count += sum(
                int((np.abs(kernel.ssm_state(l)) >= 32767).sum()) for l in range(DIMS["n_layers"])
            )
        return count

    stale = quantize_bytes(model, stats, **QUANT_ARGS)
    calibrate_state(model, stats, features, **QUANT_ARGS)
    fresh = quantize_bytes(model, stats, **QUANT_ARGS)
    for layer, h_max in twin_state_max(fresh).items():
        np.testing.assert_allclose(stats.state[layer], h_max, rtol=1e-5)
    assert saturated(stale) > 0
    assert saturated(fresh) == 0


def _scale_dependent_loss(model, stats):
    """A loss_of_file whose tensors interact: residual_out[1] at its max costs 10, y[0] at its max
    costs 1, the loss is the larger of the two; so y[0]'s clipping shows only once residual_out[1]
    is clipped, later in network order. xi[0] clipped costs 100, so the search starts with every
    tensor at its max."""
    full = activation_scales(quantize_bytes(model, stats, **QUANT_ARGS))
    at_max = {key: stats.act[key] / 127.0 for key in (("residual_out", 1), ("y", 0), ("xi", 0))}

    def loss(file_bytes):
        scales = activation_scales(file_bytes)
        clipped = {key: scales[key] != pytest.approx(value) for key, value in at_max.items()}
        cost_res = 0.0 if clipped[("residual_out", 1)] else 10.0
        cost_y = 0.0 if clipped[("y", 0)] else 1.0
        return 100.0 if clipped[("xi", 0)] else max(cost_res, cost_y)

    assert full[("y", 0)] == pytest.approx(
        at_max[("y", 0)]
    )  # stats without choices: every range its max
    return loss


def test_range_search_needs_a_second_pass_when_a_later_tensor_masks_an_earlier_one():
    model, _, _, stats = calibrated_model()
    loss = _scale_dependent_loss(model, stats)
    chosen, passes, _ = search_ranges(model, stats, loss, DIMS["n_layers"], passes=1, **QUANT_ARGS)
    assert passes == 1
    assert chosen["residual_out[1]"]["method"] != "max" and chosen["y[0]"]["method"] == "max"
    assert chosen["h[1]"]["loss"] == 1.0

    stats.clip.clear()
    chosen, passes, _ = search_ranges(model, stats, loss, DIMS["n_layers"], passes=3, **QUANT_ARGS)
    assert chosen["residual_out[1]"]["method"] != "max" and chosen["y[0]"]["method"] != "max"
    assert chosen["y[0]"]["loss"] == 0.0
    assert passes == 3, "pass 2 changed y[0], pass 3 found nothing to change and stopped the search"
    assert stats.clip[("y", 0)] == pytest.approx(
        candidate_range(stats, "y", 0, chosen["y[0]"]["method"])
    )


def test_range_search_starts_where_clipping_one_tensor_alone_cannot_help():
    """y[0] and g[0] at their max each spoil the output alone (loss 1 unless both are clipped):
    from every tensor at its max no single change lowers the loss; the search starts from the
    candidate best for every tensor together."""
    model, _, _, stats = calibrated_model()
    at_max = {key: stats.act[key] / 127.0 for key in (("y", 0), ("g", 0))}

    def loss(file_bytes):
        scales = activation_scales(file_bytes)
        return float(any(scales[key] == pytest.approx(value) for key, value in at_max.items()))

    chosen, _, start = search_ranges(model, stats, loss, DIMS["n_layers"], passes=3, **QUANT_ARGS)
    assert start == {"method": "p99.99", "loss": 0.0}
    assert chosen["y[0]"]["method"] != "max" and chosen["g[0]"]["method"] != "max"
    assert chosen["h[0]"]["loss"] == 0.0


def test_range_search_stops_after_a_pass_that_changes_nothing():
    model, _, _, stats = calibrated_model()
    chosen, passes, _ = search_ranges(
        model, stats, lambda file_bytes: 1.0, DIMS["n_layers"], passes=3, **QUANT_ARGS
    )
    assert passes == 1
    assert all(v["method"] == "max" for k, v in chosen.items() if not k.startswith("h["))
    assert all(v["range"] == STATE_HEADROOM for k, v in chosen.items() if k.startswith("h["))


def test_weight_only_int8_keeps_float_activations_and_the_kernel_does_not():
    """float_vs_int8's weight-only INT8 (the file's weights in PyTorch) sits next to the float
    model; the C kernel, activations and state rounded too, departs further from it."""
    from mambanano.training import float_vs_int8

    model, frames, features, stats = calibrated_model(n=64)
    file_bytes = quantize_bytes(model, stats, **QUANT_ARGS)
    with torch.no_grad():
        float_logits = model(features)
        weight_only_logits = dequantized_model(file_bytes)(features)
    int8_logits = torch.from_numpy(kernel_logits(file_bytes, frames)).float()
    weight_only_error = (weight_only_logits - float_logits).abs().mean()
    assert 0 < weight_only_error < 0.5 * (int8_logits - float_logits).abs().mean()

    labels = weight_only_logits.argmax(-1).numpy()  # weight-only INT8 is right by definition
    result = float_vs_int8(model, file_bytes, features, frames, labels, QUANT_ARGS["class_names"])
    assert result["weight_only_accuracy"] == 1.0
    assert result["int8_accuracy"] == pytest.approx(
        float((int8_logits.argmax(-1).numpy() == labels).mean())
    )


def test_weight_only_int8_of_a_model_with_one_dt_rank_column():
    """dt_proj of a model with dt_rank 1 has one input column: the weight-only model keeps it
    (E, 1) and its weights within half a quantization step of the float model's."""
    torch.manual_seed(0)
    model = MambaNanoNet(**{**DIMS, "d_model": 8, "d_inner": 16, "dt_rank": 1}).eval()
    frames = np.random.default_rng(0).integers(-64, 64, size=(8, 20, 9)).astype(np.int8)
    stats = calibrate(model, [torch.from_numpy(frames.astype(np.float32) * frontend.IMU_SCALE)])
    restored = dequantized_model(quantize_bytes(model, stats, **QUANT_ARGS))
    for want, got in zip(model.layers, restored.layers):
        w = want.dt_proj.weight.detach()
        assert got.dt_proj.weight.shape == w.shape == (16, 1)
        step = w.abs().amax(dim=1, keepdim=True) / 127
        assert ((got.dt_proj.weight - w).abs() <= 0.51 * step + 1e-7).all()
