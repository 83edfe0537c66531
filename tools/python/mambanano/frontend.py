"""Sensor front-ends: ctypes binding to the C code in native-interop (mn_frontend.h) and the numpy
float reference the tests compare it with.

What this is: the only way the tools compute model features. `imu_features()` and
`logmel_features()` call the same C functions the device runs, once per recording (not once per
hop), so training features are bit-identical to the device's. The `*_ref()` functions are float
references of the same definitions, for tests only: never train on them.

Also the generator of the C front-end's constant tables (`cd tools && python3 -m
mambanano.frontend --write-tables` rewrites native-interop/src/mn_frontend_tables.h; a test checks
that the committed file is current).

Symbols: T = IMU samples, S = PCM samples, H = hops (frames) = S / AUDIO_HOP_SAMPLES,
F = IMU_FEATURES, M = LOGMEL_FEATURES.
"""

import argparse
import ctypes
import math

import numpy as np

# The front-ends' numbers, generated with mn_contract.h from native-interop/contract/contract.json;
# the tools use them as frontend.X.
from mambanano.contract import (  # noqa: F401
    AUDIO_HOP_SAMPLES,
    AUDIO_SAMPLE_RATE_HZ,
    AUDIO_WINDOW_SAMPLES,
    IMU_ACC_LIMIT_MG,
    IMU_FEATURES,
    IMU_GRAVITY_SHIFT,
    IMU_GYRO_LIMIT_MRAD_S,
    IMU_SAMPLE_RATE_HZ,
    IMU_UNITS_PER_G,
    IMU_ZERO_POINT,
    LOGMEL_FEATURES,
    LOGMEL_HIGH_HZ,
    LOGMEL_LOG2_REF,
    LOGMEL_LOW_HZ,
    LOGMEL_UNITS_PER_LOG2,
    LOGMEL_ZERO_POINT,
    FeStatus,
)
from mambanano.native import load_library
from mambanano.paths import REPO

IMU_SCALE = 1.0 / IMU_UNITS_PER_G  # real value of one int8 unit: g (features 0-5), rad/s (6-8)
LOGMEL_SCALE = 1.0 / LOGMEL_UNITS_PER_LOG2

_FFT_HALF = AUDIO_WINDOW_SAMPLES // 2
_LOG2_LUT_BITS = 6
_TWIDDLES = 384
TABLES_PATH = REPO / "native-interop" / "src" / "mn_frontend_tables.h"


class FrontendError(RuntimeError):
    """A front-end call returned a status other than FeStatus.OK."""


# ---------------------------------------------------------------------------------------------
# ctypes binding
# ---------------------------------------------------------------------------------------------
_bound = None


def _lib():
    global _bound
    if _bound is None:
        lib = load_library()
        c_i8p, c_i16p, c_i32p = (
            ctypes.POINTER(t) for t in (ctypes.c_int8, ctypes.c_int16, ctypes.c_int32)
        )
        sig = {
            "mn_fe_status_message": (ctypes.c_char_p, [ctypes.c_int]),
            "mn_imu_state_size": (ctypes.c_size_t, []),
            "mn_imu_reset": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int32]),
            "mn_imu_counts_to_physical": (
                ctypes.c_int,
                [ctypes.c_int32, ctypes.c_int32, c_i16p, c_i16p, c_i32p, c_i32p],
            ),
            "mn_imu_run_s8": (
                ctypes.c_int,
                [ctypes.c_void_p, ctypes.c_size_t, c_i32p, c_i32p, ctypes.c_int32, c_i8p],
            ),
            "mn_imu_run_counts_s8": (
                ctypes.c_int,
                [
                    ctypes.c_void_p,
                    ctypes.c_size_t,
                    ctypes.c_int32,
                    ctypes.c_int32,
                    c_i16p,
                    c_i16p,
                    ctypes.c_int32,
                    c_i8p,
                ],
            ),
            "mn_logmel_state_size": (ctypes.c_size_t, []),
            "mn_logmel_scratch_size": (ctypes.c_size_t, []),
            "mn_logmel_reset": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int32]),
            "mn_logmel_run_s8": (
                ctypes.c_int,
                [
                    ctypes.c_void_p,
                    ctypes.c_size_t,
                    ctypes.c_void_p,
                    ctypes.c_size_t,
                    c_i16p,
                    ctypes.c_int32,
                    c_i8p,
                ],
            ),
        }
        for name, (res, args) in sig.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args
        _bound = lib
    return _bound


def status_message(status):
    return _lib().mn_fe_status_message(status).decode()


def _check(status, what):
    if status != FeStatus.OK:
        raise FrontendError(f"{what}: {status_message(status)} (status {status})")


def _ptr(a, ctype):
    return a.ctypes.data_as(ctypes.POINTER(ctype))


def imu_state_size():
    return _lib().mn_imu_state_size()


def logmel_state_size():
    return _lib().mn_logmel_state_size()


def logmel_scratch_size():
    return _lib().mn_logmel_scratch_size()


def g_to_mg(x_g):
    """Physical units -> the front-end's integer input: milli-g (or milli-rad/s from rad/s),
    round half to even (numpy rint; C# Math.Round's default), as int32."""
    return np.ascontiguousarray(np.rint(np.asarray(x_g, dtype=np.float64) * 1000.0), dtype=np.int32)


def _imu_run(name, acc, gyro, dtype, ctype, sample_rate_hz, *full_scale):
    """One recording from reset through the C function `name` (mn_imu_run_s8 or
    mn_imu_run_counts_s8): acc, gyro (T, 3) of dtype (ctype in C), full_scale the arguments the
    function takes before them -> int8 (T, F)."""
    acc = np.ascontiguousarray(acc, dtype=dtype)
    gyro = np.ascontiguousarray(gyro, dtype=dtype)
    if acc.ndim != 2 or acc.shape[1] != 3 or gyro.shape != acc.shape:
        raise ValueError(f"expected acc and gyro of shape (T, 3), got {acc.shape}, {gyro.shape}")
    lib = _lib()
    state = ctypes.create_string_buffer(lib.mn_imu_state_size())
    _check(lib.mn_imu_reset(state, len(state), sample_rate_hz), "mn_imu_reset")
    out = np.empty((acc.shape[0], IMU_FEATURES), dtype=np.int8)
    _check(
        getattr(lib, name)(
            state,
            len(state),
            *full_scale,
            _ptr(acc, ctype),
            _ptr(gyro, ctype),
            acc.shape[0],
            _ptr(out, ctypes.c_int8),
        ),
        name,
    )
    return out


def imu_features_mg(acc_mg, gyro_mrad_s, sample_rate_hz=IMU_SAMPLE_RATE_HZ):
    """acc_mg (T, 3) int32 milli-g, gyro_mrad_s (T, 3) int32 milli-rad/s -> int8 (T, F).
    One recording from reset, through the C front-end."""
    return _imu_run("mn_imu_run_s8", acc_mg, gyro_mrad_s, np.int32, ctypes.c_int32, sample_rate_hz)


def imu_features(acc_g, gyro_rad_s, sample_rate_hz=IMU_SAMPLE_RATE_HZ):
    """acc_g (T, 3) in g, gyro_rad_s (T, 3) in rad/s (HAPT recordings) -> int8 (T, F)."""
    return imu_features_mg(g_to_mg(acc_g), g_to_mg(gyro_rad_s), sample_rate_hz)


def imu_features_counts(
    acc_counts,
    gyro_counts,
    accel_full_scale_g,
    gyro_full_scale_dps,
    sample_rate_hz=IMU_SAMPLE_RATE_HZ,
):
    """MPU6050 raw int16 counts (T, 3) with full-scale ranges (2/4/8/16 g, 250/500/1000/2000 dps)
    -> int8 (T, F): the device's path."""
    return _imu_run(
        "mn_imu_run_counts_s8",
        acc_counts,
        gyro_counts,
        np.int16,
        ctypes.c_int16,
        sample_rate_hz,
        accel_full_scale_g,
        gyro_full_scale_dps,
    )


def imu_counts_to_physical(acc_counts, gyro_counts, accel_full_scale_g, gyro_full_scale_dps):
    """One MPU6050 sample: counts (3,) -> (acc_mg (3,), gyro_mrad_s (3,)) int32, as the C does."""
    acc = np.ascontiguousarray(acc_counts, dtype=np.int16)
    gyro = np.ascontiguousarray(gyro_counts, dtype=np.int16)
    acc_mg = np.zeros(3, dtype=np.int32)
    gyro_mrad_s = np.zeros(3, dtype=np.int32)
    _check(
        _lib().mn_imu_counts_to_physical(
            accel_full_scale_g,
            gyro_full_scale_dps,
            _ptr(acc, ctypes.c_int16),
            _ptr(gyro, ctypes.c_int16),
            _ptr(acc_mg, ctypes.c_int32),
            _ptr(gyro_mrad_s, ctypes.c_int32),
        ),
        "mn_imu_counts_to_physical",
    )
    return acc_mg, gyro_mrad_s


def logmel_features(pcm_int16, sample_rate_hz=AUDIO_SAMPLE_RATE_HZ):
    """pcm_int16 (S,) 16 kHz mono -> int8 (H, M), one frame per 20 ms hop from reset (the first
    frame's window holds 192 zero samples before the audio). A trailing partial hop is dropped."""
    pcm = np.asarray(pcm_int16)
    if pcm.ndim != 1 or pcm.dtype != np.int16:
        raise ValueError(f"expected int16 PCM of shape (S,), got {pcm.dtype} {pcm.shape}")
    hops = pcm.shape[0] // AUDIO_HOP_SAMPLES
    pcm = np.ascontiguousarray(pcm[: hops * AUDIO_HOP_SAMPLES])
    lib = _lib()
    state = ctypes.create_string_buffer(lib.mn_logmel_state_size())
    scratch = ctypes.create_string_buffer(lib.mn_logmel_scratch_size())
    _check(lib.mn_logmel_reset(state, len(state), sample_rate_hz), "mn_logmel_reset")
    out = np.empty((hops, LOGMEL_FEATURES), dtype=np.int8)
    _check(
        lib.mn_logmel_run_s8(
            state,
            len(state),
            scratch,
            len(scratch),
            _ptr(pcm, ctypes.c_int16),
            pcm.shape[0],
            _ptr(out, ctypes.c_int8),
        ),
        "mn_logmel_run_s8",
    )
    return out


# ---------------------------------------------------------------------------------------------
# Float references (tests only)
# ---------------------------------------------------------------------------------------------
def imu_features_ref(acc_g, gyro_rad_s):
    """Float reference of the IMU front-end: (T, 3), (T, 3) -> float (T, F) in int8 units,
    unrounded and unclamped. gravity: y += (a - y) / 32 from y = a at the first sample."""
    acc = np.asarray(acc_g, dtype=np.float64)
    gyro = np.asarray(gyro_rad_s, dtype=np.float64)
    gravity = np.empty_like(acc)
    g = acc[0].copy() if len(acc) else np.zeros(3)
    alpha = 1.0 / (1 << IMU_GRAVITY_SHIFT)
    for t in range(acc.shape[0]):
        if t > 0:
            g = g + alpha * (acc[t] - g)
        gravity[t] = g
    return np.concatenate([acc - gravity, gravity, gyro], axis=1) / IMU_SCALE


def hann_periodic(n=AUDIO_WINDOW_SAMPLES):
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)


def _hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def mel_bins():
    """Per FFT bin k (0..256): the mel interval j it falls in (edges c_0..c_{M+1}) and the weight
    of the rising filter j (filter j has its peak at c_{j+1}); the falling filter j-1 gets 1 - w.
    Bins outside [c_0, c_{M+1}) get j = -1. HTK mel scale, triangles of unit peak."""
    edges = np.linspace(_hz_to_mel(LOGMEL_LOW_HZ), _hz_to_mel(LOGMEL_HIGH_HZ), LOGMEL_FEATURES + 2)
    mel = _hz_to_mel(np.arange(_FFT_HALF + 1) * AUDIO_SAMPLE_RATE_HZ / AUDIO_WINDOW_SAMPLES)
    j = np.searchsorted(edges, mel, side="right") - 1
    j[(mel < edges[0]) | (mel >= edges[-1])] = -1
    jc = np.clip(j, 0, LOGMEL_FEATURES)
    w = (mel - edges[jc]) / (edges[jc + 1] - edges[jc])
    return j, np.where(j >= 0, w, 0.0)


def mel_matrix():
    """Float filterbank (M, 257): filter m rises on interval m and falls on interval m + 1."""
    j, w = mel_bins()
    fb = np.zeros((LOGMEL_FEATURES, _FFT_HALF + 1))
    for k in np.nonzero(j >= 0)[0]:
        if j[k] < LOGMEL_FEATURES:
            fb[j[k], k] += w[k]
        if j[k] >= 1:
            fb[j[k] - 1, k] += 1.0 - w[k]
    return fb


def logmel_power_ref(pcm_int16):
    """Float mel power (H, M): PCM in int16 counts, periodic Hann, unnormalized 512-point DFT,
    |X|^2, triangular filters. Frames end at each hop; 192 zeros precede the audio."""
    x = np.asarray(pcm_int16, dtype=np.float64)
    hops = x.shape[0] // AUDIO_HOP_SAMPLES
    pad = AUDIO_WINDOW_SAMPLES - AUDIO_HOP_SAMPLES
    x = np.concatenate([np.zeros(pad), x[: hops * AUDIO_HOP_SAMPLES]])
    idx = np.arange(hops)[:, None] * AUDIO_HOP_SAMPLES + np.arange(AUDIO_WINDOW_SAMPLES)
    spec = np.fft.rfft(x[idx] * hann_periodic(), axis=1)
    return (np.abs(spec) ** 2) @ mel_matrix().T


def logmel_features_ref(pcm_int16):
    """Float reference of the log-mel front-end: float (H, M) in int8 units, unrounded and
    unclamped (-inf for zero power)."""
    with np.errstate(divide="ignore"):
        return LOGMEL_UNITS_PER_LOG2 * (np.log2(logmel_power_ref(pcm_int16)) - LOGMEL_LOG2_REF)


def quantize_ref(x_units):
    """Round half to even and saturate to int8, as a float reference of the C's output stage."""
    return np.clip(np.rint(np.nan_to_num(x_units, neginf=-1e9)), -128, 127).astype(np.int8)


# ---------------------------------------------------------------------------------------------
# Table generator for native-interop/src/mn_frontend_tables.h
# ---------------------------------------------------------------------------------------------
def _c_array(ctype, name, values, per_line=12):
    vals = [str(int(v)) for v in values]
    lines = [", ".join(vals[i : i + per_line]) for i in range(0, len(vals), per_line)]
    return f"static const {ctype} {name}[{len(vals)}] = {{\n    " + ",\n    ".join(lines) + "\n};\n"


def generate_tables_c():
    """The text of mn_frontend_tables.h (deterministic: plain float64 math, round half to even)."""
    n = AUDIO_WINDOW_SAMPLES
    hann = np.minimum(np.rint(hann_periodic(n)[: n // 2 + 1] * 32768.0), 32767)  # symmetric half
    k = np.arange(_TWIDDLES)
    cos_q15 = np.minimum(np.rint(np.cos(2 * np.pi * k / n) * 32768.0), 32767)
    sin_q15 = np.minimum(np.rint(np.sin(2 * np.pi * k / n) * 32768.0), 32767)
    twiddle = np.stack([cos_q15, sin_q15], axis=1).reshape(-1)
    digits = round(math.log(_FFT_HALF // 4, 4))  # 3: the groups of the last radix-4 stage
    digitrev = [
        sum(((i >> (2 * d)) & 3) << (2 * (digits - 1 - d)) for d in range(digits))
        for i in range(_FFT_HALF // 4)
    ]
    j, w = mel_bins()
    used = np.nonzero(j >= 0)[0]
    first, last = int(used[0]), int(used[-1])
    mel_w = np.minimum(np.rint(w[first : last + 1] * 32768.0), 32768)
    log2_lut = np.rint(
        np.log2(1.0 + np.arange((1 << _LOG2_LUT_BITS) + 1) / (1 << _LOG2_LUT_BITS)) * 65536.0
    )
    out = [
        "/* mn_frontend_tables.h — constant tables of the log-mel front-end (mn_frontend_audio.c).\n"
        " * GENERATED by `tools/mambanano gen-frontend-tables`: do not edit;\n"
        " * tools/python/tests/test_frontend.py checks this file against the generator. */\n",
        "#ifndef MN_FRONTEND_TABLES_H\n#define MN_FRONTEND_TABLES_H\n\n#include <stdint.h>\n\n",
        "/* Periodic Hann window, Q15: round(32768 * (0.5 - 0.5 cos(2 pi n / 512))), max 32767, for\n"
        " * n = 0..256; hann[512 - n] = hann[n]. (257) */\n",
        _c_array("int16_t", "mn_hann_q15", hann),
        f"\n/* exp(-2 pi i k / 512) = cos - i sin, Q15 {{cos, sin}} pairs, k = 0..{_TWIDDLES - 1}: the\n"
        " * radix-4 stages use k up to 378, the real split k up to 128. (384, 2) */\n",
        _c_array("int16_t", "mn_twiddle_q15", twiddle),
        "\n/* Base-4 digit reversal of 0..63: the radix-4 FFT leaves bin r + 64 i (r < 64) at\n"
        " * point 4 mn_digitrev3[r] + i. */\n",
        _c_array("uint8_t", "mn_digitrev3", digitrev, 16),
        f"\n/* Mel filterbank, FFT bins [{first}, {last}]: bin k lies in mel interval mn_mel_band[k - first]\n"
        " * (0..40); the rising filter of that interval gets weight mn_mel_weight_q15, the falling one\n"
        " * 32768 - weight (HTK mel, 125-7500 Hz, triangles of unit peak). */\n",
        f"#define MN_MEL_BIN_FIRST {first}\n#define MN_MEL_BIN_LAST {last}\n",
        _c_array("uint8_t", "mn_mel_band", j[first : last + 1], 16),
        _c_array("uint16_t", "mn_mel_weight_q15", mel_w),
        f"\n/* log2(1 + i / {1 << _LOG2_LUT_BITS}) in Q16, i = 0..{1 << _LOG2_LUT_BITS}. */\n",
        _c_array("int32_t", "mn_log2_lut_q16", log2_lut, 8),
        "\n#endif /* MN_FRONTEND_TABLES_H */\n",
    ]
    return "".join(out)


def main(argv=None):
    """mambanano gen-frontend-tables: write native-interop/src/mn_frontend_tables.h."""
    argparse.ArgumentParser(
        prog="mambanano gen-frontend-tables", description=main.__doc__
    ).parse_args(argv)
    TABLES_PATH.write_text(generate_tables_c())
    print(f"wrote {TABLES_PATH}")
    return 0
