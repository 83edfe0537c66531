"""The Speech Commands loader (mambanano/data_kws.py): file-name parsing, the speaker split,
both folder layouts (built in a tmp dir from synthetic WAVs), padding/cropping and augmentation.
The last test reads ../shared/data/speech_commands and is skipped where it is absent."""

import wave
from pathlib import Path

import numpy as np
import pytest

from mambanano import data_kws as dk
from mambanano import frontend
from mambanano.data import find_dataset

REPO = Path(__file__).resolve().parents[3]
SPEECH = find_dataset("speech_commands")


def write_wav(path, pcm, rate=16000, channels=1):
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(pcm, dtype="<i2").tobytes())


def tone(n, amplitude=3000, hz=440.0):
    return (amplitude * np.sin(2 * np.pi * hz * np.arange(n) / 16000)).astype(np.int16)


def test_speaker_of_both_name_forms():
    assert dk.speaker_of("0a7c2a8d_nohash_3.wav") == "0a7c2a8d"
    assert dk.speaker_of("backward_0cb74144_nohash_2.wav") == "0cb74144"
    assert dk.speaker_of("1024.wav") is None


def test_speaker_split_is_deterministic_disjoint_and_about_a_fifth():
    clips = [
        dk.Clip(Path(f"yes/{s:08x}_nohash_{k}.wav"), 0, f"{s:08x}")
        for s in range(0, 2000 * 7919, 7919)
        for k in range(2)
    ]
    train, val = dk.split(clips)
    assert dk.split(clips) == (train, val)
    assert not {c.group for c in train} & {c.group for c in val}
    assert len(train) + len(val) == len(clips)
    assert 0.15 < len(val) / len(clips) < 0.25
    dev_train, dev = dk.split(clips, dev=True)
    assert not {c.group for c in dev_train} & {c.group for c in dev}
    assert sorted(dev_train + dev, key=str) == sorted(train, key=str)  # validation left out
    assert 0.15 < len(dev) / len(train) < 0.25


def test_unknown_is_capped_per_split_by_path_hash():
    keyword = [
        dk.Clip(Path(f"{w}/{s:08x}_nohash_0.wav"), dk.CLASS_NAMES.index(w), f"{s:08x}")
        for w in dk.KEYWORDS
        for s in range(0, 40 * 7919, 7919)
    ]  # 40 per keyword
    other = [
        dk.Clip(Path(f"{w}/{s:08x}_nohash_0.wav"), dk.UNKNOWN, f"{s:08x}")
        for w in ("bed", "bird", "cat", "dog", "happy")
        for s in range(0, 60 * 7919, 7919)
    ]
    silence = [dk.Clip(Path(f"_silence_/{i}.wav"), dk.SILENCE, f"_silence_/{i}") for i in range(30)]
    clips = keyword + other + silence
    capped = dk.cap_unknown(clips)
    assert sum(c.label == dk.UNKNOWN for c in capped) == 60  # 1.5 x 40
    assert [c for c in capped if c.label != dk.UNKNOWN] == keyword + silence
    assert dk.cap_unknown(list(reversed(clips))) == list(
        reversed(capped)
    )  # order-independent choice
    assert dk.cap_unknown(keyword + other[:50]) == keyword + other[:50]  # under the cap: untouched
    train, val = dk.split(clips)
    for part in (train, val):
        n_keyword = sum(c.label < len(dk.KEYWORDS) for c in part)
        assert sum(c.label == dk.UNKNOWN for c in part) <= np.ceil(1.5 * n_keyword / 10)


def test_full_download_layout_maps_words_and_cuts_background(tmp_path):
    write_wav(tmp_path / "yes" / "aaaa0001_nohash_0.wav", tone(16000))
    write_wav(tmp_path / "go" / "aaaa0002_nohash_1.wav", tone(12000))
    write_wav(tmp_path / "bed" / "aaaa0003_nohash_0.wav", tone(16000))
    write_wav(tmp_path / "marvin" / "aaaa0001_nohash_2.wav", tone(16000))
    write_wav(tmp_path / dk.BACKGROUND_DIR / "white.wav", tone(40000, hz=1000.0))
    (tmp_path / "validation_list.txt").write_text("yes/aaaa0001_nohash_0.wav\n")
    (tmp_path / "LICENSE").write_text("CC BY 4.0\n")
    clips = dk.list_clips(tmp_path)
    by_folder = {(c.path.parent.name, c.start): c for c in clips}
    assert len(clips) == 6
    assert by_folder[("yes", 0)].label == dk.CLASS_NAMES.index("yes")
    assert by_folder[("go", 0)].label == dk.CLASS_NAMES.index("go")
    assert by_folder[("bed", 0)].label == dk.UNKNOWN
    assert by_folder[("marvin", 0)].label == dk.UNKNOWN
    assert by_folder[("marvin", 0)].group == "aaaa0001"
    silence = [c for c in clips if c.label == dk.SILENCE]
    assert [c.start for c in silence] == [0, 16000]  # 2.5 s -> two whole seconds
    assert all(0.0 <= c.gain < 1.0 for c in silence)
    assert dk.list_clips(tmp_path) == clips
    pcm = dk.load_pcm(clips)
    assert pcm.shape == (6, dk.CLIP_SAMPLES) and pcm.dtype == np.int16
    src = tone(40000, hz=1000.0)
    np.testing.assert_array_equal(
        pcm[clips.index(silence[1])], np.rint(src[16000:32000] * silence[1].gain).astype(np.int16)
    )


def test_test_set_layout_reads_unknown_and_silence_folders(tmp_path):
    write_wav(tmp_path / "stop" / "bbbb0001_nohash_0.wav", tone(16000))
    write_wav(tmp_path / "_unknown_" / "tree_bbbb0002_nohash_1.wav", tone(16000))
    write_wav(tmp_path / "_silence_" / "1024.wav", tone(16000, amplitude=50))
    clips = dk.list_clips(tmp_path)
    assert [(c.path.parent.name, c.label, c.group) for c in clips] == [
        ("_silence_", dk.SILENCE, "_silence_/1024"),
        ("_unknown_", dk.UNKNOWN, "bbbb0002"),
        ("stop", dk.CLASS_NAMES.index("stop"), "bbbb0001"),
    ]


def test_badly_named_clip_and_wrong_format_are_rejected(tmp_path):
    write_wav(tmp_path / "a" / "yes" / "clip.wav", tone(16000))
    with pytest.raises(ValueError, match="nohash"):
        dk.list_clips(tmp_path / "a")
    write_wav(tmp_path / "b.wav", tone(8000), rate=8000)
    with pytest.raises(ValueError, match="16 kHz"):
        dk.read_wav(tmp_path / "b.wav")
    with pytest.raises(FileNotFoundError):
        dk.list_clips(tmp_path / "a" / "yes")


def test_fit_length_pads_at_the_end_and_keeps_the_first_second(tmp_path):
    short = np.arange(1, 101, dtype=np.int16)
    padded = dk.fit_length(short)
    assert padded.shape == (dk.CLIP_SAMPLES,) and padded.dtype == np.int16
    np.testing.assert_array_equal(padded[:100], short)
    assert not padded[100:].any()
    long = tone(24000)
    np.testing.assert_array_equal(dk.fit_length(long), long[: dk.CLIP_SAMPLES])
    write_wav(tmp_path / "up" / "cccc0001_nohash_0.wav", long)
    write_wav(tmp_path / "up" / "cccc0001_nohash_1.wav", short)
    pcm = dk.load_pcm(dk.list_clips(tmp_path))
    np.testing.assert_array_equal(pcm[0], long[: dk.CLIP_SAMPLES])
    np.testing.assert_array_equal(pcm[1], padded)


def test_features_are_the_c_front_end_per_clip():
    pcm = np.stack([tone(dk.CLIP_SAMPLES), np.zeros(dk.CLIP_SAMPLES, np.int16)])
    x = dk.features(pcm)
    assert x.shape == (2, dk.FRAMES, frontend.LOGMEL_FEATURES) and x.dtype == np.int8
    np.testing.assert_array_equal(x[0], frontend.logmel_features(pcm[0]))


def test_augment_is_seeded_and_keeps_shape():
    clip = dk.fit_length(tone(10000))
    noise = dk.noise_bank(
        np.stack([tone(16000, 500, 3000.0), np.zeros(16000, np.int16), clip]),
        np.array([dk.SILENCE, dk.SILENCE, 0]),
    )
    assert noise.shape == (1, dk.CLIP_SAMPLES)  # the all-zero clip is too quiet
    a = dk.augment(clip, noise, np.random.default_rng(1))
    b = dk.augment(clip, noise, np.random.default_rng(1))
    assert a.shape == clip.shape and a.dtype == np.int16
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, clip)
    rms = np.sqrt((clip.astype(float) ** 2).mean())
    for seed in range(20):
        out = dk.augment(clip, noise[:0], np.random.default_rng(seed))
        out_rms = np.sqrt((out.astype(float) ** 2).mean())
        assert 0.4 * rms < out_rms < 2.1 * rms  # gain within +-6 dB, some shift
    x = dk.augmented_features(np.stack([clip, clip]), noise, np.random.default_rng(0))
    assert x.shape == (2, dk.FRAMES, frontend.LOGMEL_FEATURES)


def test_word_span_is_the_run_of_loud_frames():
    hop = frontend.AUDIO_HOP_SAMPLES
    x = np.zeros(dk.CLIP_SAMPLES)
    x[10 * hop + 100 : 30 * hop] = 2000.0  # the word: frames 10..29, part of 10 quiet
    x[2 * hop : 3 * hop] = 20.0  # a breath 40 dB down: not the word
    x[20 * hop : 21 * hop] = 400.0  # a quieter frame inside the word (14 dB down) stays in it
    assert dk.word_span(x) == (10 * hop, 30 * hop)
    assert dk.word_span(np.zeros(dk.CLIP_SAMPLES)) == (0, dk.CLIP_SAMPLES)


def test_cut_word_keeps_only_part_of_the_word_at_one_edge_of_the_window():
    word = np.zeros(dk.CLIP_SAMPLES, np.int16)
    word[4000:12000] = tone(8000, 8000)  # a 0.5 s word mid-clip
    edges = set()
    for seed in range(40):
        out = dk.cut_word(word, np.zeros((0, dk.CLIP_SAMPLES)), np.random.default_rng(seed))
        assert out.shape == word.shape and out.dtype == np.int16
        loud = np.flatnonzero(out)
        # speed 0.9-1.1 stretches the 8,000-sample word to 7,272..8,889; 10-50 % of it is kept
        assert 0.1 * 7272 - 400 < len(loud) <= 0.5 * 8889 + 400
        assert loud[0] == 0 or loud[-1] == dk.CLIP_SAMPLES - 1
        edges.add(loud[0] == 0)
    assert edges == {True, False}, "both the word's end and its start are cut off"
    np.testing.assert_array_equal(
        dk.cut_word(word, np.zeros((0, dk.CLIP_SAMPLES)), np.random.default_rng(3)),
        dk.cut_word(word, np.zeros((0, dk.CLIP_SAMPLES)), np.random.default_rng(3)),
    )


@pytest.mark.skipif(
    SPEECH is None, reason="needs the speech_commands data set (tools/mambanano data fetch)"
)
def test_shared_test_set_splits_by_speaker_with_every_class_on_both_sides():
    train, val = dk.split(dk.list_clips(SPEECH))
    assert not {c.group for c in train} & {c.group for c in val}
    for part in (train, val):
        assert set(dk.labels(part)) == set(range(len(dk.CLASS_NAMES)))
    assert 0.1 < len(val) / (len(train) + len(val)) < 0.35


def test_spec_masks_are_bounded_bands_and_spans_at_the_clip_mean():
    rng = np.random.default_rng(0)
    x = rng.integers(-128, 128, size=(200, dk.FRAMES, 40)).astype(np.int8)
    before = x.copy()
    out = dk.spec_masked(x, np.random.default_rng(1))
    assert np.array_equal(x, before), "the input is not changed"
    masked_any = 0
    for i in range(len(x)):
        fill = np.int8(np.rint(x[i].mean()))
        changed = out[i] != x[i]
        assert np.all(out[i][changed] == fill), "masked cells hold the clip mean"
        frames = np.flatnonzero((out[i] == fill).all(axis=1))
        bins = np.flatnonzero((out[i] == fill).all(axis=0))
        # every changed cell lies in a fully masked frame or a fully masked bin
        assert np.all(
            np.isin(np.argwhere(changed)[:, 0], frames) | np.isin(np.argwhere(changed)[:, 1], bins)
        )
        assert len(frames) <= dk.SPEC_MASKS * dk.SPEC_MAX_FRAMES
        assert len(bins) <= dk.SPEC_MASKS * dk.SPEC_MAX_BINS
        masked_any += bool(changed.any())
    assert masked_any > 150, "most clips get a mask"
    again = dk.spec_masked(x, np.random.default_rng(1))
    assert np.array_equal(out, again), "seeded"
