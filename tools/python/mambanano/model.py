"""The PyTorch MambaNano model: exactly the architecture native-interop's kernel runs.

    r = input_proj(f)                                        (B, T, D)
    per block:  [xi | z] = in_proj(r)                        (B, T, 2E)
                xc = causal depthwise conv(xi), K taps       (B, T, E)
                xs = silu(xc)
                [dt_low | B | C] = x_proj(xs)                (B, T, R + 2N), no bias
                delta = softplus(dt_proj(dt_low))            (B, T, E), dt_proj carries the dt bias
                h_t = exp(delta_t A) h_{t-1} + delta_t B_t xs_t     A = -exp(A_log) (E, N)
                                                             or, with a_heads = H, (H,): one A
                                                             per head of E/H channels
                y_t = C_t . h_t + D xs_t
                r = r + out_proj(y * silu(z))
    logits = classifier(mean_t r)                            (B, C)

Symbols: B batch, T steps, F features, D d_model, E d_inner, N d_state, R dt_rank, K d_conv.
Scalar-A heads (Mamba2-style, `a_heads=H`, H dividing E): A is one value per head of E/H channels
(A_log (H,)) while delta stays per channel (dt_proj unchanged), so exp(delta[e] A[head(e)]) is one
decay per channel shared by its N states instead of one per (e, n): the kernel computes E
exponentials per step instead of E * N, and A shrinks from E * N values to H. H = E is a scalar A
per channel. Initialized as Mamba2 does, A uniform in [1, 16] per head.
No normalization layers (the kernel has none). `selective_scan_ref` is the readable sequential
scan; `step` advances one frame with explicit conv_state / ssm_state like state-spaces/mamba.
Keep A_log, D and the dt bias in float: the quantizer treats them specially.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as nnf


def _identity(name, layer, tensor):
    """The float model's `quant`: every activation as computed."""
    return tensor


def selective_scan_ref(xs, delta, A, B, C, D, ssm_state=None, probe=None, layer=0):
    """Sequential selective scan.

    xs, delta (B, T, E); A (E, N), or (E, 1) for scalar-A heads (one decay per channel, broadcast
    over the N states); B, C (B, T, N); D (E); ssm_state (B, E, N) or None (zeros).
    Returns y (B, T, E) and the final state (B, E, N). Iterates over tensor.unbind(1): per-step
    indexing (x[:, t]) makes the backward pass quadratic in T.
    """
    batch, _, e = xs.shape
    h = xs.new_zeros(batch, e, B.shape[-1]) if ssm_state is None else ssm_state
    ys, hs = [], []
    for x_t, d_t, b_t, c_t in zip(xs.unbind(1), delta.unbind(1), B.unbind(1), C.unbind(1)):
        dA = torch.exp(d_t.unsqueeze(-1) * A)  # (B, E, N) or (B, E, 1)
        h = dA * h + (d_t * x_t).unsqueeze(-1) * b_t.unsqueeze(1)  # (B, E, N)
        ys.append(torch.einsum("ben,bn->be", h, c_t) + D * x_t)  # (B, E)
        if probe is not None:
            hs.append(h)
    if probe is not None:
        probe("h", layer, torch.stack(hs, dim=1).detach())
    return torch.stack(ys, dim=1), h


class MambaBlock(nn.Module):
    def __init__(
        self, d_model, d_inner, d_state, dt_rank, d_conv, a_heads=None, dt_min=1e-3, dt_max=1e-1
    ):
        super().__init__()
        if a_heads is not None and not (1 <= a_heads <= d_inner and d_inner % a_heads == 0):
            raise ValueError(f"a_heads {a_heads} must divide d_inner {d_inner}")
        self.d_inner, self.d_state, self.dt_rank, self.d_conv = d_inner, d_state, dt_rank, d_conv
        self.a_heads = a_heads
        self.in_proj = nn.Linear(d_model, 2 * d_inner, bias=True)
        self.conv1d = nn.Conv1d(
            d_inner, d_inner, d_conv, groups=d_inner, padding=d_conv - 1, bias=True
        )
        self.x_proj = nn.Linear(d_inner, dt_rank + 2 * d_state, bias=False)
        self.dt_proj = nn.Linear(dt_rank, d_inner, bias=True)
        # Mamba's dt init: dt log-uniform in [dt_min, dt_max], bias = softplus^-1(dt).
        nn.init.uniform_(self.dt_proj.weight, -(dt_rank**-0.5), dt_rank**-0.5)
        dt = torch.exp(
            torch.rand(d_inner) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min)
        )
        with torch.no_grad():
            self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))
        if a_heads is None:
            # S4D-real init: A[e, n] = -(n + 1).
            a = torch.arange(1, d_state + 1, dtype=torch.float32).repeat(d_inner, 1)  # (E, N)
        else:
            # Mamba2's init: |A| uniform in [1, 16] per head.
            a = torch.empty(a_heads).uniform_(1.0, 16.0)  # (H,)
        self.A_log = nn.Parameter(torch.log(a))  # (E, N) or (H,), keep in float
        self.D = nn.Parameter(torch.ones(d_inner))  # (E), keep in float
        self.out_proj = nn.Linear(d_inner, d_model, bias=True)

    def A(self):
        """The state matrix A = -exp(A_log): (E, N), or (E, 1) with scalar-A heads (each head's
        value repeated over its E/H channels, broadcast over the N states)."""
        a = -torch.exp(self.A_log)
        if self.a_heads is None:
            return a
        return a.repeat_interleave(self.d_inner // self.a_heads).unsqueeze(-1)

    def _ssm_inputs(self, xs, quant=_identity, layer=0):
        """xs (..., E) -> delta (..., E), B (..., N), C (..., N), plus dt_low and dt for probes."""
        dt_low, b, c = (
            quant(name, layer, t)
            for name, t in zip(
                ("dt_low", "b", "c"),
                torch.split(self.x_proj(xs), [self.dt_rank, self.d_state, self.d_state], dim=-1),
            )
        )
        dt = quant("dt", layer, self.dt_proj(dt_low))
        return dt_low, dt, nnf.softplus(dt), b, c

    def forward(self, r, probe=None, layer=0, quant=_identity):
        """r (B, T, D) residual stream in -> out. quant(name, layer, tensor) -> tensor stands at
        every int8 activation of the kernel (identity: the float model; see MambaNanoNet)."""
        T = r.shape[1]
        xi, z = self.in_proj(r).chunk(2, dim=-1)  # (B, T, E) each
        xi, z = quant("xi", layer, xi), quant("z", layer, z)
        xc = quant("xc", layer, self.conv1d(xi.transpose(1, 2))[..., :T].transpose(1, 2))  # causal
        xs = quant("xs", layer, nnf.silu(xc))
        dt_low, dt, delta, b, c = self._ssm_inputs(xs, quant, layer)
        y, _ = selective_scan_ref(xs, delta, self.A(), b, c, self.D, probe=probe, layer=layer)
        y = quant("y", layer, y)
        zs = quant("zs", layer, nnf.silu(z))
        g = quant("g", layer, y * zs)
        out = quant("residual_out", layer, r + self.out_proj(g))
        if probe is not None:
            for name, t in (
                ("residual_in", r),
                ("xi", xi),
                ("z", z),
                ("xc", xc),
                ("xs", xs),
                ("dt_low", dt_low),
                ("b", b),
                ("c", c),
                ("dt", dt),
                ("delta", delta),
                ("y", y),
                ("zs", zs),
                ("g", g),
                ("residual_out", out),
            ):
                probe(name, layer, t.detach())
        return out

    def step(self, r_t, conv_state, ssm_state):
        """One frame: r_t (B, D); conv_state (B, K-1, E), the last K-1 xi frames oldest first (the
        C kernel's layout per layer), and ssm_state (B, E, N), both updated in place. Returns the
        block output (B, D)."""
        xi, z = self.in_proj(r_t).chunk(2, dim=-1)  # (B, E)
        window = torch.cat([conv_state, xi.unsqueeze(1)], dim=1)  # (B, K, E)
        xc = (window * self.conv1d.weight[:, 0, :].t()).sum(1) + self.conv1d.bias  # (B, E)
        conv_state.copy_(window[:, 1:])
        xs = nnf.silu(xc)
        _, _, delta, b, c = self._ssm_inputs(xs)
        dA = torch.exp(delta.unsqueeze(-1) * self.A())  # (B, E, N) or (B, E, 1)
        ssm_state.copy_(dA * ssm_state + (delta * xs).unsqueeze(-1) * b.unsqueeze(1))
        y = torch.einsum("ben,bn->be", ssm_state, c) + self.D * xs
        return r_t + self.out_proj(y * nnf.silu(z))


class MambaNanoNet(nn.Module):
    """Input projection, n_layers Mamba blocks, mean pooling over time, linear classifier.
    a_heads: None for A per (channel, state) (E, N), or H for scalar-A heads (see the module doc)."""

    def __init__(
        self,
        n_features,
        d_model,
        d_inner,
        d_state,
        dt_rank,
        d_conv,
        n_layers,
        n_classes,
        a_heads=None,
    ):
        super().__init__()
        self.dims = dict(
            n_features=n_features,
            d_model=d_model,
            d_inner=d_inner,
            d_state=d_state,
            dt_rank=dt_rank,
            d_conv=d_conv,
            n_layers=n_layers,
            n_classes=n_classes,
        )
        self.a_heads = a_heads
        self.input_proj = nn.Linear(n_features, d_model)
        self.layers = nn.ModuleList(
            MambaBlock(d_model, d_inner, d_state, dt_rank, d_conv, a_heads) for _ in range(n_layers)
        )
        self.classifier = nn.Linear(d_model, n_classes)

    def forward(self, x, probe=None, quant=_identity):
        """x (B, T, F) -> logits (B, C). probe(name, layer, tensor), if given, sees every activation
        the kernel quantizes (names as in mamba_nano.h's mn_act, plus 'h', 'pooled', 'logits').
        quant(name, layer, tensor) -> tensor is applied where the kernel rounds an activation to
        int8 before using it (the mn_act names but delta, which is uint16 fixed point, and
        residual_in[l > 0], which is residual_out[l - 1]; plus 'pooled'): identity for the float
        model, fake quantization for the INT8 twin (quantize.Int8Twin). The int16 hidden state and
        delta stay float."""
        r = quant("residual_in", 0, self.input_proj(x))
        for l, blk in enumerate(self.layers):
            r = blk(r, probe=probe, layer=l, quant=quant)
        pooled = quant("pooled", -1, r.mean(dim=1))
        logits = self.classifier(pooled)
        if probe is not None:
            probe("pooled", -1, pooled.detach())
            probe("logits", -1, logits.detach())
        return logits

    def allocate_inference_cache(self, batch, dtype=None):
        """Zeroed state of one stream per batch row: per layer (conv_state (B, K-1, E), ssm_state
        (B, E, N)), the layout of mamba_nano.h's state, and the mean-pool accumulator
        {'pool_sum': (B, D), 'steps': 0}."""
        p = self.input_proj.weight
        dtype = dtype or p.dtype
        layers = [
            (
                p.new_zeros(batch, blk.d_conv - 1, blk.d_inner, dtype=dtype),
                p.new_zeros(batch, blk.d_inner, blk.d_state, dtype=dtype),
            )
            for blk in self.layers
        ]
        return {
            "layers": layers,
            "pool_sum": p.new_zeros(batch, p.shape[0], dtype=dtype),
            "steps": 0,
        }

    def step(self, x_t, cache):
        """Advance by one frame x_t (B, F), updating cache in place; returns the logits so far."""
        r = self.input_proj(x_t)
        for blk, (conv_state, ssm_state) in zip(self.layers, cache["layers"]):
            r = blk.step(r, conv_state, ssm_state)
        cache["pool_sum"] += r
        cache["steps"] += 1
        return self.classifier(cache["pool_sum"] / cache["steps"])
