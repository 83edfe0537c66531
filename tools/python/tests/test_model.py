"""MambaNanoNet: stepping frame by frame equals the full-sequence forward; probes and gradients."""

import pytest
import torch

from mambanano.model import MambaNanoNet

torch.set_num_threads(2)

DIMS = [
    # n_features, d_model, d_inner, d_state, dt_rank, d_conv, n_layers, n_classes
    (9, 8, 16, 4, 2, 4, 2, 6),
    (1, 1, 1, 1, 1, 1, 1, 1),  # every dim 1, d_conv 1 (no conv_state)
    (5, 7, 13, 1, 3, 3, 1, 4),  # odd sizes, d_state 1
]


def make(dims, seed=0):
    torch.manual_seed(seed)
    f, d, e, n, r, k, l, c = dims
    return MambaNanoNet(f, d, e, n, r, k, l, c).double()


@pytest.mark.parametrize("dims", DIMS)
def test_step_equals_forward(dims):
    model = make(dims)
    x = torch.randn(3, 40, dims[0], dtype=torch.float64)
    states = {}

    def probe(name, layer, t):
        if name == "h":
            states[layer] = t

    logits = model(x, probe=probe)
    cache = model.allocate_inference_cache(3)
    with torch.no_grad():
        for t, x_t in enumerate(x.unbind(1)):
            step_logits = model.step(x_t, cache)
            for l, (_, ssm_state) in enumerate(cache["layers"]):
                torch.testing.assert_close(ssm_state, states[l][:, t], rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(step_logits, logits.detach(), rtol=1e-10, atol=1e-12)


def test_probe_sees_every_quantized_activation_with_its_shape():
    f, d, e, n, r, k, l, c = DIMS[0]
    model = make(DIMS[0])
    seen = {}
    model(
        torch.randn(2, 11, f, dtype=torch.float64),
        probe=lambda name, layer, t: seen.__setitem__((name, layer), t.shape),
    )
    for layer in range(l):
        assert seen[("residual_in", layer)] == (2, 11, d)
        for name in ("xi", "z", "xc", "xs", "dt", "delta", "y", "zs", "g"):
            assert seen[(name, layer)] == (2, 11, e)
        assert seen[("dt_low", layer)] == (2, 11, r)
        assert seen[("b", layer)] == seen[("c", layer)] == (2, 11, n)
        assert seen[("h", layer)] == (2, 11, e, n)
        assert seen[("residual_out", layer)] == (2, 11, d)
    assert seen[("pooled", -1)] == (2, d) and seen[("logits", -1)] == (2, c)


def test_gradients_reach_every_parameter():
    model = make(DIMS[0]).float()
    loss = model(torch.randn(4, 16, DIMS[0][0])).logsumexp(-1).mean()
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0, name


def test_causal_future_frames_do_not_change_past_states():
    model = make(DIMS[0])
    x = torch.randn(1, 30, DIMS[0][0], dtype=torch.float64)
    y = x.clone()
    y[:, 20:] = torch.randn(1, 10, DIMS[0][0], dtype=torch.float64)
    hx, hy = {}, {}
    model(x, probe=lambda nm, l, t: hx.__setitem__((nm, l), t))
    model(y, probe=lambda nm, l, t: hy.__setitem__((nm, l), t))
    torch.testing.assert_close(hx[("h", 1)][:, :20], hy[("h", 1)][:, :20])
    assert not torch.allclose(hx[("h", 1)][:, 20:], hy[("h", 1)][:, 20:])


# ---- scalar-A heads (a_heads): one A per head of d_inner / H channels ------------------------

SCALAR_A = [
    ((9, 8, 16, 4, 2, 4, 2, 6), 4),
    ((5, 7, 12, 3, 3, 3, 1, 4), 12),
    ((1, 1, 1, 1, 1, 1, 1, 1), 1),
]


@pytest.mark.parametrize("dims,heads", SCALAR_A)
def test_scalar_a_step_equals_forward(dims, heads):
    torch.manual_seed(1)
    model = MambaNanoNet(*dims, a_heads=heads).double()
    x = torch.randn(2, 30, dims[0], dtype=torch.float64)
    logits = model(x)
    cache = model.allocate_inference_cache(2)
    with torch.no_grad():
        for x_t in x.unbind(1):
            step_logits = model.step(x_t, cache)
    torch.testing.assert_close(step_logits, logits.detach(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dims,heads", SCALAR_A)
def test_scalar_a_equals_per_state_a_with_repeated_rows(dims, heads):
    """The definition: scalar-A heads are the (E, N) model whose A[e, n] is A[head(e)] for every n."""
    torch.manual_seed(2)
    scalar = MambaNanoNet(*dims, a_heads=heads).double()
    full = MambaNanoNet(*dims).double()
    state = scalar.state_dict()
    e, n = dims[2], dims[3]
    for l in range(dims[6]):
        a_log = state[f"layers.{l}.A_log"]  # (H,)
        state[f"layers.{l}.A_log"] = (
            a_log.repeat_interleave(e // heads).unsqueeze(1).expand(e, n).clone()
        )
    full.load_state_dict(state)
    x = torch.randn(3, 25, dims[0], dtype=torch.float64)
    torch.testing.assert_close(scalar(x), full(x), rtol=1e-12, atol=1e-12)


def test_scalar_a_parameters_and_gradients():
    model = MambaNanoNet(9, 8, 16, 4, 2, 4, 2, 6, a_heads=4)
    assert all(blk.A_log.shape == (4,) for blk in model.layers)
    assert all(1.0 <= a <= 16.0 for blk in model.layers for a in torch.exp(blk.A_log).tolist())
    model(torch.randn(4, 16, 9)).logsumexp(-1).mean().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0, name
    for heads in (0, 3, 32):
        with pytest.raises(ValueError, match="a_heads"):
            MambaNanoNet(9, 8, 16, 4, 2, 4, 1, 6, a_heads=heads)
