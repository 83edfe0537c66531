"""The HAR training augmentation (data_har.ImuAugmentation): raw IMU recordings changed as a
differently mounted, calibrated or paced sensor would deliver them, then the C front-end."""

import math

import numpy as np
import pytest

from mambanano import data_har, frontend

T = 1200  # samples of the synthetic recording (24 s at 50 Hz)


def synthetic_recording():
    """Gravity mostly along z with a 2 Hz sway, a slow turn (no axis ever 0): walking (1), sitting (4)."""
    t = np.arange(T) / frontend.IMU_SAMPLE_RATE_HZ
    acc_g = np.stack(
        [
            0.4 + 0.3 * np.sin(2 * math.pi * 2 * t),
            0.1 * np.cos(2 * math.pi * 1 * t),
            1.0 + 0.2 * np.sin(2 * math.pi * 2 * t + 0.5),
        ],
        axis=1,
    )  # (T, 3) g
    gyro_rad_s = np.stack(
        [
            0.7 + 0.5 * np.sin(2 * math.pi * 0.5 * t),
            0.2 * np.cos(2 * math.pi * 2 * t),
            0.1 * np.ones_like(t),
        ],
        axis=1,
    )  # (T, 3) rad/s
    segments = [(1, 10, 600), (4, 650, 1190)]
    return data_har.Recording(
        1, 1, frontend.imu_features(acc_g, gyro_rad_s), segments, acc_g, gyro_rad_s
    )


def only(**strength):
    return data_har.ImuAugmentation(**strength)


@pytest.mark.parametrize("max_deg", [0.0, 5.0, 15.0, 30.0, 180.0])
def test_rotation_is_proper_and_within_its_angle(max_deg):
    rng = np.random.default_rng(1)
    for _ in range(50):
        rot = data_har.random_rotation(max_deg, rng)
        np.testing.assert_allclose(rot @ rot.T, np.eye(3), atol=1e-12)
        assert np.linalg.det(rot) == pytest.approx(1.0, abs=1e-12)
        angle_deg = math.degrees(math.acos(np.clip((np.trace(rot) - 1.0) / 2.0, -1.0, 1.0)))
        assert angle_deg <= max_deg + 1e-6
    assert (data_har.random_rotation(0.0, rng) == np.eye(3)).all(), "no rotation at zero strength"


def test_rotation_turns_acc_and_gyro_alike_and_keeps_their_norms():
    rec = synthetic_recording()
    acc_g, gyro_rad_s, rate = data_har.augment_recording(
        rec.acc_g, rec.gyro_rad_s, only(rotation_deg=30.0), np.random.default_rng(2)
    )
    assert rate == 1.0 and acc_g.shape == rec.acc_g.shape
    np.testing.assert_allclose(
        np.linalg.norm(acc_g, axis=1), np.linalg.norm(rec.acc_g, axis=1), rtol=1e-12
    )
    np.testing.assert_allclose(
        np.linalg.norm(gyro_rad_s, axis=1), np.linalg.norm(rec.gyro_rad_s, axis=1), rtol=1e-12
    )
    # One rotation for both sensors: the angle between acc and gyro at each sample is unchanged.
    np.testing.assert_allclose(
        np.sum(acc_g * gyro_rad_s, axis=1), np.sum(rec.acc_g * rec.gyro_rad_s, axis=1), atol=1e-12
    )
    assert not np.allclose(acc_g, rec.acc_g), "the frame did turn"


def test_zero_strength_is_the_identity_down_to_the_front_end_windows():
    rec = synthetic_recording()
    acc_g, gyro_rad_s, rate = data_har.augment_recording(
        rec.acc_g, rec.gyro_rad_s, only(), np.random.default_rng(3)
    )
    assert rate == 1.0
    assert (acc_g == rec.acc_g).all() and (gyro_rad_s == rec.gyro_rad_s).all()
    index, _ = data_har.window_index([rec], {1})
    x = data_har.augmented_windows([rec], index, only(), np.random.default_rng(3))
    assert (x == data_har.cut_windows([rec], index)).all(), (
        "bit-identical to the un-augmented windows"
    )


def test_gain_and_bias_are_per_axis_constants_within_bounds():
    rec = synthetic_recording()
    acc_g, gyro_rad_s, _ = data_har.augment_recording(
        rec.acc_g, rec.gyro_rad_s, only(gain=0.1), np.random.default_rng(4)
    )
    for new, old in ((acc_g, rec.acc_g), (gyro_rad_s, rec.gyro_rad_s)):
        ratio = new / old  # (T, 3)
        np.testing.assert_allclose(ratio, np.broadcast_to(ratio[0], ratio.shape), rtol=1e-12)
        assert (np.abs(ratio[0] - 1.0) <= 0.1).all() and (ratio[0] != 1.0).all()
    aug = only(acc_bias_g=0.05, gyro_bias_rad_s=0.02)
    acc_g, gyro_rad_s, _ = data_har.augment_recording(
        rec.acc_g, rec.gyro_rad_s, aug, np.random.default_rng(5)
    )
    for new, old, bound in ((acc_g, rec.acc_g, 0.05), (gyro_rad_s, rec.gyro_rad_s, 0.02)):
        offset = new - old  # (T, 3)
        np.testing.assert_allclose(offset, np.broadcast_to(offset[0], offset.shape), atol=1e-12)
        assert (np.abs(offset[0]) <= bound).all() and (offset[0] != 0.0).all()


def test_noise_has_the_requested_sd_in_physical_units():
    rec = synthetic_recording()
    aug = only(acc_noise_g=0.02, gyro_noise_rad_s=0.05)
    acc_g, gyro_rad_s, _ = data_har.augment_recording(
        rec.acc_g, rec.gyro_rad_s, aug, np.random.default_rng(6)
    )
    for new, old, sd in ((acc_g, rec.acc_g, 0.02), (gyro_rad_s, rec.gyro_rad_s, 0.05)):
        noise = new - old
        assert noise.std() == pytest.approx(sd, rel=0.05)
        assert abs(noise.mean()) < 4 * sd / math.sqrt(noise.size)


def test_time_warp_resamples_at_the_rate():
    ramp = np.arange(100, dtype=np.float64)[:, None] * np.array([[1.0, -2.0]])  # (100, 2)
    assert (data_har.time_warp(ramp, 1.0) == ramp).all()
    for rate in (0.9, 1.1):
        warped = data_har.time_warp(ramp, rate)
        assert warped.shape == (math.floor(99 / rate) + 1, 2)
        np.testing.assert_allclose(warped[:, 0], np.arange(len(warped)) * rate, atol=1e-9)
    rec = synthetic_recording()
    acc_g, _, rate = data_har.augment_recording(
        rec.acc_g, rec.gyro_rad_s, only(warp=0.1), np.random.default_rng(7)
    )
    assert 0.9 <= rate <= 1.1 and rate != 1.0 and len(acc_g) == math.floor((T - 1) / rate) + 1


@pytest.mark.parametrize("rate", [0.9, 0.95, 1.0, 1.05, 1.1])
def test_warped_windows_stay_in_their_segment_and_the_recording(rate):
    n_samples = math.floor((T - 1) / rate) + 1
    for seg_start, seg_end in ((10, 600), (650, 1190), (1000, 1128)):
        for start in range(seg_start, seg_end - data_har.WINDOW + 1, data_har.HOP):
            new = data_har.warped_window_start(seg_start, seg_end, start, rate, n_samples)
            assert 0 <= new <= n_samples - data_har.WINDOW
            if math.floor(seg_end / rate) - math.ceil(seg_start / rate) >= data_har.WINDOW:
                assert (
                    math.ceil(seg_start / rate) <= new and new + data_har.WINDOW <= seg_end / rate
                )
            if rate == 1.0:
                assert new == start


def test_augmented_windows_are_seeded_fresh_per_call_and_shaped_like_the_originals():
    rec = synthetic_recording()
    index, y = data_har.window_index([rec], {1})
    aug = data_har.DEFAULT_AUGMENTATION
    first = data_har.augmented_windows([rec], index, aug, np.random.default_rng(8))
    assert (
        first.shape == (len(y), data_har.WINDOW, frontend.IMU_FEATURES) and first.dtype == np.int8
    )
    assert (first == data_har.augmented_windows([rec], index, aug, np.random.default_rng(8))).all()
    rng = np.random.default_rng(8)
    a, b = (data_har.augmented_windows([rec], index, aug, rng) for _ in range(2))
    assert (a == first).all() and (a != b).any(), "each epoch draws afresh"
    assert (first != data_har.cut_windows([rec], index)).any()
