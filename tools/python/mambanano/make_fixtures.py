"""Regenerate the kernel's test fixtures: model files quantized from seeded random weights.

Each fixture is a MambaNanoNet with PyTorch's seeded initialization (plus spread-out A and dt so the
state has fast and slow channels), calibrated on the same input distribution the C tests feed it
(i.i.d. uniform int8 features, scale 1/32), and written through the real quantizer and writer.
Dims are deliberately awkward: all ones, odd sizes, d_state 1, the most layers, the MambaLite-Micro
KWS size and the largest size the kernel supports. Scalar-A heads (format 1.2): awkward dims with
heads of 3 channels over 2 layers, and the shipped HAR and KWS dims and the MambaLite-Micro KWS
size with one A per channel (for the kernel benchmark).

Usage (from the repository root):  tools/mambanano make-fixtures [--out DIR] [--only NAME ...]
"""

import argparse
import base64
import math
from pathlib import Path

import torch

from mambanano import model_file as mf
from mambanano.model import MambaNanoNet
from mambanano.paths import REPO
from mambanano.quantize import calibrate, write_quantized

PROG = "mambanano make-fixtures"

# name: (n_features, d_model, d_inner, d_state, dt_rank, d_conv, n_layers, n_classes)
FIXTURES = {
    "tiny": (3, 4, 8, 2, 1, 2, 1, 3),
    "ones": (1, 1, 1, 1, 1, 1, 1, 1),
    "odd": (5, 7, 13, 3, 3, 3, 2, 5),
    "dstate1": (6, 9, 17, 1, 2, 4, 1, 4),
    "deep": (8, 16, 24, 4, 2, 4, 4, 6),
    "kws_size": (40, 64, 128, 16, 4, 4, 1, 12),
    "largest": (64, 128, 256, 32, 16, 8, 1, 32),
    "imu": (9, 8, 16, 4, 2, 4, 1, 6),
    "logmel": (40, 8, 16, 4, 2, 4, 1, 12),
    "scalar_a": (5, 7, 12, 3, 2, 4, 2, 5),
    "har_scalar_a": (9, 32, 64, 8, 2, 4, 1, 6),
    "kws_scalar_a": (40, 48, 96, 12, 4, 4, 1, 12),
    "kws_size_scalar_a": (40, 64, 128, 16, 4, 4, 1, 12),
}
# name: H of the fixtures with scalar-A heads (MambaNanoNet's a_heads); the others have A (E, N).
A_HEADS = {"scalar_a": 4, "har_scalar_a": 64, "kws_scalar_a": 96, "kws_size_scalar_a": 128}
# name: (task, front-end) where not (KWS, RAW); the engine tests feed these through the front-ends.
CSHARP_MODELS = ("imu", "logmel")  # embedded in MambaNano.Tests/TestModels.cs
FRONTENDS = {
    "imu": (mf.Task.HAR, mf.Frontend.IMU),
    "logmel": (mf.Task.KWS, mf.Frontend.LOGMEL),
}
INPUT_SCALE = 1.0 / 32.0  # features are int8 / 32: the RAW front-end of the tests
CALIB_BATCH, CALIB_STEPS = 4, 2048


def random_model(dims, seed, a_heads=None):
    F, D, E, N, R, K, L, C = dims
    torch.manual_seed(seed)
    model = MambaNanoNet(
        n_features=F,
        d_model=D,
        d_inner=E,
        d_state=N,
        dt_rank=R,
        d_conv=K,
        n_layers=L,
        n_classes=C,
        a_heads=a_heads,
    )
    with torch.no_grad():
        for blk in model.layers:
            # |A| log-uniform in [0.5, 16] and dt bias giving delta in [1e-3, 0.5]: decay rates from
            # a few steps to a few thousand, so slow channels exercise the state's precision.
            blk.A_log.copy_(torch.empty_like(blk.A_log).uniform_(math.log(0.5), math.log(16.0)))
            dt = torch.exp(torch.empty(E).uniform_(math.log(1e-3), math.log(0.5)))
            blk.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))
            blk.D.copy_(1.0 + 0.5 * torch.randn(E))
    return model.double()


def calibration_batches(n_features, seed):
    g = torch.Generator().manual_seed(seed)
    q = torch.randint(-128, 128, (CALIB_BATCH, CALIB_STEPS, n_features), generator=g)
    return [q.double() * INPUT_SCALE]


def main(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "native-interop" / "tests" / "fixtures")
    parser.add_argument("--csharp", type=Path, default=REPO / "MambaNano.Tests" / "TestModels.cs")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=sorted(FIXTURES),
        metavar="NAME",
        help="regenerate only these fixtures (default: all)",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)
    for seed, (name, dims) in enumerate(FIXTURES.items(), start=1):
        if args.only and name not in args.only:
            continue
        model = random_model(dims, seed, A_HEADS.get(name))
        stats = calibrate(model, calibration_batches(dims[0], seed))
        task, frontend = FRONTENDS.get(name, (mf.Task.KWS, mf.Frontend.RAW))
        data, _ = write_quantized(
            args.out / f"{name}.mnm",
            model,
            stats,
            task=task,
            frontend=frontend,
            input_scale=INPUT_SCALE,
            input_zero_point=0.0,
            class_names=[f"class{c}" for c in range(dims[7])],
        )
        print(f"{name}.mnm: {len(data)} bytes, dims {dims}")
    if not args.only or set(args.only) & set(CSHARP_MODELS):
        write_csharp_models(
            args.csharp, {name: (args.out / f"{name}.mnm").read_bytes() for name in CSHARP_MODELS}
        )


def write_csharp_models(path, models):
    """The fixtures the app's tests load, as base64 in a C# file: the tests run on the device too,
    where there is no file system to read fixtures from."""
    lines = [
        "// <auto-generated> by tools/mambanano make-fixtures from native-interop/tests/fixtures: do not edit.",
        "// </auto-generated>",
        "using System;",
        "",
        "namespace MambaNano.Tests",
        "{",
        "    /// <summary>Seeded random-weight models with the IMU and log-mel front-ends, for the app's",
        "    /// tests.</summary>",
        "    internal static class TestModels",
        "    {",
    ]
    for name, data in models.items():
        b64 = base64.b64encode(data).decode("ascii")
        chunks = [b64[i : i + 100] for i in range(0, len(b64), 100)]
        lines.append(
            f"        /// <summary>{name}.mnm: {len(data)} bytes, front-end {name}, task "
            f"{FRONTENDS[name][0].name}.</summary>"
        )
        lines.append(
            f"        internal static byte[] {name.capitalize()}() => Convert.FromBase64String("
        )
        lines += [
            f'            "{c}"' + (" +" if i + 1 < len(chunks) else ");")
            for i, c in enumerate(chunks)
        ]
        lines.append("")
    lines[-1:] = ["    }", "}", ""]
    path.write_text("\n".join(lines))
    print(f"wrote {path}")
