"""HAR data from the HAPT raw recordings (the source of UCI HAR), features through the C front-end.

Layout (as published): RawData/acc_expXX_userYY.txt (g), RawData/gyro_expXX_userYY.txt (rad/s),
RawData/labels.txt rows `experiment user activity start end` (1-based, inclusive sample indices).
Windows follow UCI HAR: 128 samples (2.56 s at 50 Hz), 50 % overlap, inside one segment of an
activity 1..6. Features are computed over each whole recording by the IMU front-end (it carries a
gravity filter as state), then cut into windows, exactly as the device sees a continuous stream.

Training augmentation (`ImuAugmentation`, `augmented_windows`) changes the RAW recording, as a
differently mounted, calibrated or paced sensor would deliver it, and runs the C front-end over the
whole changed recording before cutting the same windows: the model sees what the device would.
One draw per recording and call (a sensor's mount and calibration hold over one recording), fresh
noise per sample. Symbols: T samples of a recording, W windows, F = frontend.IMU_FEATURES.
"""

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import frontend

WINDOW = 128
HOP = 64
CLASS_NAMES = ["WALKING", "UPSTAIRS", "DOWNSTAIRS", "SITTING", "STANDING", "LAYING"]
# UCI HAR's official test subjects (held back from this copy of the data).
UCI_TEST_SUBJECTS = (2, 4, 9, 10, 12, 13, 18, 20, 24)
# Validation subjects chosen among the 21 UCI training subjects (fixed, never trained on).
VAL_SUBJECTS = (3, 7, 15, 22, 27)


@dataclass
class Recording:
    experiment: int
    user: int
    features: np.ndarray  # (T, F) int8 from the IMU front-end
    segments: list  # [(activity 1..12, start, end)] 0-based, end exclusive
    acc_g: np.ndarray  # (T, 3) float64, raw acceleration in g (gravity included)
    gyro_rad_s: np.ndarray  # (T, 3) float64, raw angular rate in rad/s


def load_recordings(root):
    """Every recording under root (the hapt folder), features through the C front-end."""
    raw = Path(root) / "RawData"
    labels = np.loadtxt(raw / "labels.txt", dtype=np.int64).reshape(-1, 5)
    out = []
    for acc_path in sorted(raw.glob("acc_exp*_user*.txt")):
        exp, user = map(int, re.match(r"acc_exp(\d+)_user(\d+)", acc_path.stem).groups())
        gyro_path = raw / acc_path.name.replace("acc_", "gyro_")
        acc_g = np.loadtxt(acc_path, dtype=np.float64)
        gyro = np.loadtxt(gyro_path, dtype=np.float64)
        rows = labels[(labels[:, 0] == exp) & (labels[:, 1] == user)]
        segments = [(int(a), int(s) - 1, int(e)) for _, _, a, s, e in rows]
        out.append(Recording(exp, user, frontend.imu_features(acc_g, gyro), segments, acc_g, gyro))
    if not out:
        raise FileNotFoundError(f"no HAPT recordings under {raw}")
    return out


def window_index(recordings, subjects):
    """Where the UCI HAR windows of the given subjects are: index (W, 4) int64 rows
    (recording position in `recordings`, segment start, segment end, window start), y (W,) in 0..5."""
    rows, ys = [], []
    for r, rec in enumerate(recordings):
        if rec.user not in subjects:
            continue
        for activity, start, end in rec.segments:
            if not 1 <= activity <= 6:
                continue
            for s in range(start, end - WINDOW + 1, HOP):
                rows.append((r, start, end, s))
                ys.append(activity - 1)
    return np.array(rows, dtype=np.int64).reshape(-1, 4), np.array(ys, dtype=np.int64)


def cut_windows(recordings, index):
    """The front-end features of the windows in index (window_index rows): (W, 128, F) int8."""
    out = np.zeros((len(index), WINDOW, frontend.IMU_FEATURES), np.int8)
    for i, (r, _, _, s) in enumerate(index):
        out[i] = recordings[r].features[s : s + WINDOW]
    return out


def windows(recordings, subjects):
    """UCI HAR windows of the given subjects: x (W, 128, F) int8, y (W,) in 0..5."""
    index, y = window_index(recordings, subjects)
    return cut_windows(recordings, index), y


@dataclass(frozen=True)
class ImuAugmentation:
    """Strengths of the training augmentation of a raw IMU recording; all zero = identity.

    rotation_deg: the sensor frame turned by a uniformly random angle in [0, rotation_deg] about a
      uniformly random axis, the same rotation for acc and gyro (the device mounted differently).
      Kept small: SITTING, STANDING and LAYING differ mainly by where gravity points.
    gain: each axis of acc and of gyro scaled by 1 + U(-gain, gain) (sensitivity error).
    acc_bias_g, gyro_bias_rad_s: each axis offset by U(-b, b) (zero-offset error).
    acc_noise_g, gyro_noise_rad_s: white Gaussian noise of this sd added to every sample.
    warp: the recording resampled (linear interpolation) at a rate U(1 - warp, 1 + warp) input
      samples per output sample (the same motion, faster or slower); values are not rescaled."""

    rotation_deg: float = 0.0
    gain: float = 0.0
    acc_bias_g: float = 0.0
    gyro_bias_rad_s: float = 0.0
    acc_noise_g: float = 0.0
    gyro_noise_rad_s: float = 0.0
    warp: float = 0.0


# The strengths --augment uses unless told otherwise (train --task har --aug-*).
# The shipped recipe's strengths. No rotation: on the 5 subject folds rotation up to 15 deg blurred
# SITTING and STANDING (which differ by a small tilt of gravity); the rest gained.
DEFAULT_AUGMENTATION = ImuAugmentation(
    rotation_deg=0.0,
    gain=0.05,
    acc_bias_g=0.02,
    gyro_bias_rad_s=0.02,
    acc_noise_g=0.01,
    gyro_noise_rad_s=0.01,
    warp=0.1,
)


def random_rotation(max_deg, rng):
    """A (3, 3) rotation matrix: angle U(0, max_deg) degrees about a uniformly random axis (Rodrigues)."""
    axis = rng.normal(size=3)
    axis /= np.linalg.norm(axis)
    angle = math.radians(rng.uniform(0.0, max_deg))
    k = np.array([[0.0, -axis[2], axis[1]], [axis[2], 0.0, -axis[0]], [-axis[1], axis[0], 0.0]])
    return np.eye(3) + math.sin(angle) * k + (1.0 - math.cos(angle)) * (k @ k)


def time_warp(signal, rate):
    """signal (T, C) resampled at `rate` input samples per output sample, linear interpolation:
    (floor((T - 1) / rate) + 1, C); rate 1 returns the samples unchanged."""
    t_in = np.arange(len(signal), dtype=np.float64)
    t_out = np.arange(int(math.floor((len(signal) - 1) / rate)) + 1, dtype=np.float64) * rate
    return np.stack([np.interp(t_out, t_in, signal[:, c]) for c in range(signal.shape[1])], axis=1)


def augment_recording(acc_g, gyro_rad_s, aug, rng):
    """One draw of `aug` applied to a raw recording, acc_g and gyro_rad_s (T, 3): in that order
    time warp, rotation, per-axis gain and bias, noise. Returns (acc_g, gyro_rad_s) (T', 3) and
    the warp rate (input samples per output sample; sample t' of the result is input time t' * rate)."""
    rate = rng.uniform(1.0 - aug.warp, 1.0 + aug.warp)
    if aug.warp > 0.0:
        acc_g, gyro_rad_s = time_warp(acc_g, rate), time_warp(gyro_rad_s, rate)
    rotation = random_rotation(aug.rotation_deg, rng)  # (3, 3)
    out = []
    for x, bias, noise in (
        (acc_g, aug.acc_bias_g, aug.acc_noise_g),
        (gyro_rad_s, aug.gyro_bias_rad_s, aug.gyro_noise_rad_s),
    ):
        gain = 1.0 + rng.uniform(-aug.gain, aug.gain, size=3)
        offset = rng.uniform(-bias, bias, size=3)
        out.append((x @ rotation.T) * gain + offset + rng.normal(0.0, 1.0, size=x.shape) * noise)
    return out[0], out[1], rate


def augmented_windows(recordings, index, aug, rng):
    """A fresh augmented copy of the windows in index (window_index rows), (W, 128, F) int8 in the
    order of index: each recording that has windows there is augmented once (augment_recording),
    run through the C front-end from reset, and each window start s moved to round(s / rate),
    kept inside its warped segment (and the recording) where the segment still holds a window."""
    out = np.zeros((len(index), WINDOW, frontend.IMU_FEATURES), np.int8)
    for r in np.unique(index[:, 0]):
        rec = recordings[r]
        acc_g, gyro_rad_s, rate = augment_recording(rec.acc_g, rec.gyro_rad_s, aug, rng)
        features = frontend.imu_features(acc_g, gyro_rad_s)  # (T', F)
        for i in np.flatnonzero(index[:, 0] == r):
            _, seg_start, seg_end, s = index[i]
            start = warped_window_start(seg_start, seg_end, s, rate, len(features))
            out[i] = features[start : start + WINDOW]
    return out


def warped_window_start(seg_start, seg_end, start, rate, n_samples):
    """Where a window starting at sample `start` of the segment [seg_start, seg_end) begins after a
    time warp at `rate` (input samples per output sample) gave a recording of n_samples:
    round(start / rate), moved inside the warped segment if it still holds a window, and always
    inside the recording."""
    lo = math.ceil(seg_start / rate)
    hi = max(lo, math.floor(seg_end / rate) - WINDOW)
    return min(max(lo, min(round(start / rate), hi)), n_samples - WINDOW)


def subjects_in(recordings):
    return sorted({r.user for r in recordings})
