"""Front-ends through ctypes (mambanano/frontend.py) against the numpy float reference,
the header's buffer sizes and conformance checksums, and the generated C tables.

Needs build/native/libmambanano.so (bash tools/scripts/build_native.sh). Recording-based tests use
../shared/data and are skipped where it is absent.
"""

import glob
import re
import wave
import zlib

import numpy as np
import pytest

from mambanano import frontend as fe
from mambanano.data import find_dataset
from mambanano.paths import REPO

HEADER = REPO / "native-interop" / "include" / "mn_frontend.h"

# Named tolerances, in int8 units.
IMU_REF_TOL_UNITS = 1  # every IMU feature vs the float reference (rounding only)
LOGMEL_REF_TOL_UNITS = 1  # log-mel vs float where the band is above the fixed-point floor
LOGMEL_NEAR_DB = 30.0  # "above the floor": within 30 dB of the frame's loudest band
LOGMEL_NEAR_MIN_FRACTION = 0.99  # share of those bands within LOGMEL_REF_TOL_UNITS on speech


def header_defines():
    """{MN_NAME: int} of mn_frontend.h's #defines with an integer literal value (sizes, checksums)."""
    return {
        name: int(value, 0)
        for name, value in re.findall(
            r"^#define (MN_\w+) +((?:0x)?[0-9a-fA-F]+)u?\b", HEADER.read_text(), re.M
        )
    }


def test_size_functions_return_the_header_sizes():
    """The static buffers of the device build are sized by these macros."""
    d = header_defines()
    assert fe.imu_state_size() == d["MN_IMU_STATE_SIZE"]
    assert fe.logmel_state_size() == d["MN_LOGMEL_STATE_SIZE"]
    assert fe.logmel_scratch_size() == d["MN_LOGMEL_SCRATCH_SIZE"]


def test_generated_tables_are_current():
    assert fe.TABLES_PATH.read_text() == fe.generate_tables_c(), (
        "re-run: cd tools && python3 -m mambanano.frontend --write-tables"
    )


def test_hann_weights_256_apart_sum_to_at_most_one():
    """The first FFT stage's overflow bound (mn_frontend_audio.c) needs hann[m] + hann[m + 256]
    <= 2^15 for the table (n = 0..256, hann[512 - n] = hann[n])."""
    half = np.minimum(np.rint(fe.hann_periodic()[:257] * 32768.0), 32767)
    full = np.concatenate([half, half[255:0:-1]])
    assert (full[:256] + full[256:]).max() <= 32768


def test_mel_filterbank_partitions_unity():
    fb = fe.mel_matrix()
    inner = fb.sum(axis=0)
    j, _ = fe.mel_bins()
    covered = (j >= 1) & (j < fe.LOGMEL_FEATURES)  # bins between the first and last peaks
    assert np.allclose(inner[covered], 1.0)
    assert (fb > 0).sum(axis=1).min() >= 2, "every band gets at least two FFT bins"


# ---- Python through C equals C: the header's conformance checksums ----------------------------
def _lcg16(n, r=1):
    out = np.empty(n, dtype=np.int32)
    for i in range(n):
        r = (r * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = (r >> 16) - 32768
    return out


def test_check_signals_reproduce_the_header_checksums():
    d = header_defines()
    hops = d["MN_LOGMEL_CHECK_HOPS"]
    h = np.arange(hops * fe.AUDIO_HOP_SAMPLES) // fe.AUDIO_HOP_SAMPLES
    pcm = ((_lcg16(h.size) >> (h % 12)) + np.where(h & 1, 3000, 0)).astype(np.int16)
    assert zlib.crc32(fe.logmel_features(pcm).tobytes()) == d["MN_LOGMEL_CHECK_CRC32"]

    t = d["MN_IMU_CHECK_SAMPLES"]
    v = _lcg16(6 * t).reshape(t, 6)
    acc = (v[:, :3] >> 2) + np.array([0, 0, 8192])
    gyro = v[:, 3:] >> 2
    feats = fe.imu_features_counts(acc, gyro, 4, 500)
    assert zlib.crc32(feats.tobytes()) == d["MN_IMU_CHECK_CRC32"]


# ---- IMU ---------------------------------------------------------------------------------------
def _hapt_recording():
    hapt = find_dataset("hapt")
    files = sorted(glob.glob(str(hapt / "RawData" / "acc_exp*.txt"))) if hapt else []
    if not files:
        pytest.skip("needs the hapt data set (tools/mambanano data fetch)")
    acc = np.loadtxt(files[0])
    gyro = np.loadtxt(files[0].replace("acc_", "gyro_"))
    return acc, gyro


def test_imu_matches_the_float_reference_on_a_recording():
    acc_g, gyro_rad_s = _hapt_recording()
    got = fe.imu_features(acc_g, gyro_rad_s).astype(int)
    ref = fe.imu_features_ref(acc_g, gyro_rad_s)
    diff = np.abs(got - np.clip(ref, -128, 127))
    assert got.shape == (acc_g.shape[0], fe.IMU_FEATURES)
    assert diff.max() <= IMU_REF_TOL_UNITS + 0.5, diff.max()
    assert (np.abs(got - fe.quantize_ref(ref)) == 0).mean() > 0.99
    # the features use the range and saturate only on rare extremes (fast turns above 4 rad/s)
    assert (np.abs(got) >= 127).mean() < 0.002 and got[:, 6:].std() > 2


def test_imu_counts_path_equals_physical_path_and_rate_is_checked():
    rng = np.random.default_rng(3)
    acc = rng.integers(-6000, 6000, size=(500, 3)).astype(np.int16)
    gyro = rng.integers(-20000, 20000, size=(500, 3)).astype(np.int16)
    from_counts = fe.imu_features_counts(acc, gyro, 8, 1000)
    mg = np.stack([fe.imu_counts_to_physical(a, g, 8, 1000)[0] for a, g in zip(acc, gyro)])
    mrad = np.stack([fe.imu_counts_to_physical(a, g, 8, 1000)[1] for a, g in zip(acc, gyro)])
    assert np.array_equal(from_counts, fe.imu_features_mg(mg, mrad))
    assert np.allclose(mg, acc * 8000.0 / 32768.0, atol=0.5)
    with pytest.raises(fe.FrontendError, match="sample rate refused"):
        fe.imu_features(np.zeros((4, 3)), np.zeros((4, 3)), sample_rate_hz=100)
    with pytest.raises(fe.FrontendError, match="MPU6050 range"):
        fe.imu_features_counts(acc, gyro, 3, 1000)


# ---- log-mel -----------------------------------------------------------------------------------
def _read_wav(path):
    with wave.open(str(path), "rb") as w:
        assert w.getframerate() == fe.AUDIO_SAMPLE_RATE_HZ and w.getsampwidth() == 2
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int16)


def test_logmel_matches_the_float_reference_on_noise_at_every_level():
    rng = np.random.default_rng(0)
    for sigma in (3.0, 100.0, 3000.0, 12000.0):
        pcm = np.clip(rng.standard_normal(8000) * sigma, -32768, 32767).astype(np.int16)
        got = fe.logmel_features(pcm).astype(int)
        ref = fe.quantize_ref(fe.logmel_features_ref(pcm)).astype(int)
        assert np.abs(got - ref).max() <= LOGMEL_REF_TOL_UNITS, sigma


def test_logmel_matches_the_float_reference_on_speech_above_the_floor():
    speech = find_dataset("speech_commands")
    files = sorted(glob.glob(str(speech / "*" / "*.wav")))[::97] if speech else []
    if not files:
        pytest.skip("needs the speech_commands data set (tools/mambanano data fetch)")
    near_ok, near_all = 0, 0
    for path in files:
        pcm = _read_wav(path)
        got = fe.logmel_features(pcm).astype(int)
        ref = fe.logmel_features_ref(pcm)
        loud = ref.max(axis=1, keepdims=True)
        near_units = LOGMEL_NEAR_DB / (10 * np.log10(2)) * fe.LOGMEL_UNITS_PER_LOG2
        near = np.isfinite(ref) & (ref >= loud - near_units) & (ref > -128) & (ref < 127)
        d = np.abs(got - fe.quantize_ref(ref).astype(int))
        near_ok += int((d[near] <= LOGMEL_REF_TOL_UNITS).sum())
        near_all += int(near.sum())
    assert near_all > 10000
    assert near_ok / near_all >= LOGMEL_NEAR_MIN_FRACTION, near_ok / near_all


def test_logmel_frames_are_per_hop_and_prefix_stable():
    rng = np.random.default_rng(1)
    pcm = rng.integers(-3000, 3000, size=16000 + 100).astype(np.int16)
    whole = fe.logmel_features(pcm)
    assert whole.shape == (50, fe.LOGMEL_FEATURES), "trailing partial hop dropped"
    part = fe.logmel_features(pcm[: 7 * fe.AUDIO_HOP_SAMPLES])
    assert np.array_equal(part, whole[:7])
    assert (fe.logmel_features(np.zeros(3200, np.int16)) == -128).all()
    with pytest.raises(fe.FrontendError, match="sample rate refused"):
        fe.logmel_features(pcm, sample_rate_hz=8000)
    with pytest.raises(ValueError):
        fe.logmel_features(pcm.astype(np.float32))
