"""HAR data from the HAPT raw recordings (the source of UCI HAR), features through the C front-end.

Layout (as published): RawData/acc_expXX_userYY.txt (g), RawData/gyro_expXX_userYY.txt (rad/s),
RawData/labels.txt rows `experiment user activity start end` (1-based, inclusive sample indices).
Windows follow UCI HAR: 128 samples (2.56 s at 50 Hz), 50 % overlap, inside one segment of an
activity 1..6. Features are computed over each whole recording by the IMU front-end (it carries a
gravity filter as state), then cut into windows, exactly as the device sees a continuous stream.
"""
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
    features: np.ndarray     # (T, F) int8 from the IMU front-end
    segments: list           # [(activity 1..12, start, end)] 0-based, end exclusive


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
        out.append(Recording(exp, user, frontend.imu_features(acc_g, gyro), segments))
    if not out:
        raise FileNotFoundError(f"no HAPT recordings under {raw}")
    return out


def windows(recordings, subjects):
    """UCI HAR windows of the given subjects: x (W, 128, F) int8, y (W,) in 0..5."""
    xs, ys = [], []
    for rec in recordings:
        if rec.user not in subjects:
            continue
        for activity, start, end in rec.segments:
            if not 1 <= activity <= 6:
                continue
            for s in range(start, end - WINDOW + 1, HOP):
                xs.append(rec.features[s:s + WINDOW])
                ys.append(activity - 1)
    if not xs:
        return np.zeros((0, WINDOW, frontend.IMU_FEATURES), np.int8), np.zeros(0, np.int64)
    return np.stack(xs), np.array(ys, dtype=np.int64)


def subjects_in(recordings):
    return sorted({r.user for r in recordings})
