"""Synthetic keyword clips (mambanano synth-kws): resampling, trimming, placement, and an end-to-end
run through espeak-ng and flite (installed by tools/setup.sh) into the layout data_kws reads."""

import shutil

import numpy as np
import pytest

from mambanano import data_kws as dk
from mambanano import synth_kws


def tone(hz, rate_hz, seconds=0.5, amplitude=0.5):
    return amplitude * np.sin(2 * np.pi * hz * np.arange(int(rate_hz * seconds)) / rate_hz)


def dominant_hz(x, rate_hz):
    return np.argmax(np.abs(np.fft.rfft(x * np.hanning(len(x))))) * rate_hz / len(x)


def test_resample_keeps_an_in_band_tone_and_removes_what_would_alias():
    y = synth_kws.resample(tone(1000.0, 22050), 22050)
    assert len(y) == 8000
    assert abs(dominant_hz(y, 16000) - 1000.0) < 5.0
    assert abs(np.abs(y[200:-200]).max() - 0.5) < 0.02
    alias = synth_kws.resample(tone(10000.0, 22050), 22050)  # above 8 kHz: would fold to 6 kHz
    assert np.abs(alias[200:-200]).max() < 0.01
    x = tone(440.0, 16000)
    assert synth_kws.resample(x, 16000) is x


def test_trim_and_place_keep_the_word_inside_one_second():
    rng = np.random.default_rng(0)
    word = np.concatenate([np.zeros(4000), tone(300.0, 16000, 0.3), np.zeros(6000)])
    trimmed = synth_kws.trim_to_voiced(word)
    assert 4800 <= len(trimmed) <= 4800 + 2 * 480 + 160
    pcm = synth_kws.place_in_clip(trimmed, rng)
    assert pcm.shape == (16000,) and pcm.dtype == np.int16
    peak_dbfs = 20 * np.log10(np.abs(pcm).max() / 32768)
    assert synth_kws.PEAK_DBFS[0] - 0.1 <= peak_dbfs <= synth_kws.PEAK_DBFS[1] + 0.1
    long = synth_kws.place_in_clip(tone(300.0, 16000, 1.5), rng)
    assert long.shape == (16000,)


@pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("flite") is None,
    reason="espeak-ng / flite not installed (bash tools/setup.sh)",
)
def test_synthesized_folder_reads_as_speech_commands_and_is_reproducible(tmp_path):
    n = synth_kws.synthesize(tmp_path / "a", per_word=2, seed=3)
    assert n == 2 * len(dk.KEYWORDS) + 2
    clips = dk.list_clips(tmp_path / "a")
    assert len(clips) == n
    assert [sum(c.label == k for c in clips) for k in range(len(dk.CLASS_NAMES))] == [2] * len(
        dk.KEYWORDS
    ) + [2, 0]
    assert all(c.group.startswith(("espeak-", "flite-")) for c in clips)
    pcm = dk.load_pcm(clips)
    assert (np.abs(pcm).max(axis=1) > 1000).all()  # every clip has speech in it
    synth_kws.synthesize(tmp_path / "b", per_word=2, seed=3)
    again = dk.list_clips(tmp_path / "b")
    assert [c.path.name for c in again] == [c.path.name for c in clips]
    np.testing.assert_array_equal(dk.load_pcm(again), pcm)
