"""The streaming KWS scorer and recording builder."""

import numpy as np

from mambanano import data_kws as dk
from mambanano.stream_eval_kws import build_recording, score

YES, NO, UNKNOWN = dk.CLASS_NAMES.index("yes"), dk.CLASS_NAMES.index("no"), dk.UNKNOWN


def test_a_report_of_the_right_word_in_time_is_a_hit_anything_else_a_false_alarm():
    spans = [(1000, 2000), (5000, 6000), (9000, 10000)]
    labels = [YES, NO, UNKNOWN]
    found = [
        (1800, "yes"),
        (2600, "yes"),  # hit, then a repeat of the same clip: false alarm
        (7600, "no"),  # 1.6 s after the clip: too late, false alarm
        (9500, "go"),
    ]  # on an unknown word: false alarm
    assert score(found, spans, labels) == (1, 2, 3)


def test_recording_places_clips_after_gaps_and_mixes_noise_at_the_snr():
    rng = np.random.default_rng(0)
    clips = np.full((3, dk.CLIP_SAMPLES), 1000, dtype=np.int16)
    noise = np.random.default_rng(1).normal(0, 100, (2, dk.CLIP_SAMPLES))
    pcm, spans = build_recording(clips, noise, None, rng)
    assert len(spans) == 3 and all(end - start == 1000 for start, end in spans)
    assert all(b[0] - a[1] >= 1000 for a, b in zip(spans, spans[1:]))  # gaps of at least 1 s
    start = int(np.flatnonzero(pcm)[0])  # the first clip's first sample
    assert start * 1000 // 16000 == spans[0][0]
    assert (pcm[start : start + dk.CLIP_SAMPLES] == 1000).all()
    noisy, _ = build_recording(clips, noise, 20.0, np.random.default_rng(0))
    gap = noisy[:start].astype(np.float64)
    assert 0.07 < np.sqrt(np.mean(gap**2)) / 1000 < 0.13  # -20 dB of the speech RMS
