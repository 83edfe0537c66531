"""KWS data: Speech Commands in its folder layout, 12 classes, features through the C front-end.

Layouts read (16 kHz mono 16-bit WAV; file names `<speaker>_nohash_<n>.wav`):
- the canonical 12-class test set: folders yes … go, `_unknown_` (files
  `<word>_<speaker>_nohash_<n>.wav`) and `_silence_` (files `<n>.wav`, 1 s of background noise);
- a full Speech Commands download: one folder per word (words other than the ten keywords map to
  `_unknown_`) and `_background_noise_` (long recordings), cut into non-overlapping 1 s silence
  clips with a per-clip volume in [0, 1). validation_list.txt / testing_list.txt are ignored.

Split by speaker: a clip's group (its speaker; a silence clip is its own group) goes to validation
when crc32(group) % 100 < VAL_PERCENT, so a speaker is never in both splits and the split does not
depend on which other files are present. In each split the `_unknown_` class keeps at most
UNKNOWN_PER_KEYWORD times the mean keyword-class count (a full download has ~25 other words, about
1.5 times as many clips as the ten keywords together; the canonical test set has about one class
share, which the cap leaves alone), chosen by a hash of the clip's path so the choice does not
depend on which other files are present either. For choosing training options without looking at
the validation speakers, split(dev=True) holds out DEV_PERCENT of the training speakers instead
(a second hash) and leaves the validation speakers out altogether.

Symbols: S = samples (CLIP_SAMPLES = 16000, 1 s), H = frames (FRAMES = 50, 20 ms hops),
M = log-mel bins (frontend.LOGMEL_FEATURES = 40).
"""

import re
import wave
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import frontend

KEYWORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
CLASS_NAMES = KEYWORDS + ["_unknown_", "_silence_"]
UNKNOWN = CLASS_NAMES.index("_unknown_")
SILENCE = CLASS_NAMES.index("_silence_")
BACKGROUND_DIR = "_background_noise_"
CLIP_SAMPLES = frontend.AUDIO_SAMPLE_RATE_HZ  # 1 s
FRAMES = CLIP_SAMPLES // frontend.AUDIO_HOP_SAMPLES  # 50
VAL_PERCENT = 20
DEV_PERCENT = 20  # of the training speakers, with split(dev=True)
UNKNOWN_PER_KEYWORD = 1.5  # cap of _unknown_ clips / mean clips per keyword

_SPEAKER_RE = re.compile(r"^(?:.+_)?([^_]+)_nohash_\d+\.wav$")

# Training augmentation ranges.
SHIFT_SAMPLES = CLIP_SAMPLES // 10  # time shift up to +-100 ms
GAIN_DB = 6.0  # gain in [-6, +6] dB
SPEED_RANGE = (0.9, 1.1)  # speed factor (resampling; pitch changes with it)
NOISE_PROBABILITY = 0.8  # share of clips that get background noise
NOISE_SNR_DB = (10.0, 30.0)  # clip-to-noise power ratio of the mixed noise
NOISE_MIN_RMS = 10.0  # noise clips quieter than this (int16 counts) unused
SPEC_MASKS = 2  # SpecAugment (--specaugment): masks per clip along each axis
SPEC_MAX_BINS = 6  # widest frequency mask (log-mel bins of M = 40)
SPEC_MAX_FRAMES = 5  # longest time mask (frames of 20 ms: 100 ms of the 1 s clip)
CUT_KEPT = (0.1, 0.5)  # share of a word's span a cut-word example keeps (--cut-words)
SPAN_FLOOR_DB = 20.0  # a word's span: its 20 ms frames within this of the loudest one


@dataclass(frozen=True)
class Clip:
    """One 1 s example: samples [start, start + CLIP_SAMPLES) of path, times gain."""

    path: Path
    label: int  # index into CLASS_NAMES
    group: str  # split unit: the speaker id, or the clip's own id for silence
    start: int = 0  # first sample (background-noise segments), else 0
    gain: float = 1.0  # volume of a background-noise segment, else 1


def speaker_of(filename):
    """'<speaker>_nohash_<n>.wav' or '<word>_<speaker>_nohash_<n>.wav' -> speaker, else None."""
    m = _SPEAKER_RE.match(filename)
    return m.group(1) if m else None


def in_validation(group):
    """True if the split unit (speaker id) belongs to the validation split."""
    return zlib.crc32(group.encode("utf-8")) % 100 < VAL_PERCENT


def in_dev(group):
    """True if a training split unit belongs to the development hold-out of split(dev=True)."""
    return zlib.crc32(f"dev/{group}".encode()) % 100 < DEV_PERCENT


def read_wav(path):
    """A 16 kHz mono 16-bit WAV -> int16 (S,)."""
    with wave.open(str(path), "rb") as w:
        if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, 2, CLIP_SAMPLES):
            raise ValueError(
                f"{path}: {w.getnchannels()} channels, {8 * w.getsampwidth()} bit, "
                f"{w.getframerate()} Hz; expected 16 kHz mono 16-bit"
            )
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int16)


def write_wav(path, pcm):
    """int16 (S,) -> a 16 kHz mono 16-bit WAV at path (parent folders created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(frontend.AUDIO_SAMPLE_RATE_HZ)
        w.writeframes(np.asarray(pcm, dtype="<i2").tobytes())


def fit_length(pcm, n=CLIP_SAMPLES):
    """Pad with zeros at the end or keep the first n samples: (S,) -> (n,), same dtype."""
    pcm = np.asarray(pcm)
    if len(pcm) >= n:
        return pcm[:n].copy()
    return np.concatenate([pcm, np.zeros(n - len(pcm), dtype=pcm.dtype)])


def _background_clips(folder):
    """Non-overlapping 1 s silence clips cut from every recording in _background_noise_."""
    clips = []
    for path in sorted(folder.glob("*.wav")):
        with wave.open(str(path), "rb") as w:
            n = w.getnframes() // CLIP_SAMPLES
        for i in range(n):
            group = f"{BACKGROUND_DIR}/{path.stem}#{i}"
            gain = float(np.random.default_rng(zlib.crc32(group.encode("utf-8"))).uniform(0.0, 1.0))
            clips.append(Clip(path, SILENCE, group, i * CLIP_SAMPLES, gain))
    return clips


def list_clips(root):
    """Every clip under root (either layout), sorted by path then start: list of Clip."""
    root = Path(root)
    clips = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        name = folder.name
        if name == BACKGROUND_DIR:
            clips += _background_clips(folder)
            continue
        if name == "_silence_":
            clips += [Clip(p, SILENCE, f"_silence_/{p.stem}") for p in sorted(folder.glob("*.wav"))]
            continue
        if name.startswith((".", "_")) and name != "_unknown_":
            continue
        label = CLASS_NAMES.index(name) if name in KEYWORDS else UNKNOWN
        for p in sorted(folder.glob("*.wav")):
            speaker = speaker_of(p.name)
            if speaker is None:
                raise ValueError(f"{p}: expected <speaker>_nohash_<n>.wav")
            clips.append(Clip(p, label, speaker))
    if not clips:
        raise FileNotFoundError(f"no Speech Commands clips under {root}")
    return clips


def cap_unknown(clips, per_keyword=UNKNOWN_PER_KEYWORD):
    """clips without the `_unknown_` clips beyond per_keyword * (keyword clips / 10), keeping those
    with the lowest crc32 of '<folder>/<file name>'; order otherwise unchanged."""
    n_keyword = sum(c.label < len(KEYWORDS) for c in clips)
    unknown = [c for c in clips if c.label == UNKNOWN]
    limit = int(np.ceil(per_keyword * n_keyword / len(KEYWORDS)))
    if len(unknown) <= limit:
        return list(clips)

    def key(c):
        return zlib.crc32(f"{c.path.parent.name}/{c.path.name}".encode())

    kept = set(sorted(unknown, key=key)[:limit])
    return [c for c in clips if c.label != UNKNOWN or c in kept]


def split(clips, dev=False):
    """(train, validation) lists of Clip, by in_validation(clip.group), each with cap_unknown.
    dev=True: (training speakers not in_dev, training speakers in_dev) instead."""
    train = [c for c in clips if not in_validation(c.group)]
    if dev:
        return cap_unknown([c for c in train if not in_dev(c.group)]), cap_unknown(
            [c for c in train if in_dev(c.group)]
        )
    return cap_unknown(train), cap_unknown([c for c in clips if in_validation(c.group)])


def cv_fold(group, folds):
    """The cross-validation fold (0..folds-1) of a speaker or silence group: by a hash of its own,
    so folds are speaker-disjoint, fixed, and independent of the validation split's hash."""
    return zlib.crc32(f"cv/{group}".encode()) % folds


def cv_split(clips, folds, fold):
    """(train, held out) lists of Clip for one fold of a speaker-grouped cross-validation over
    `clips` (every speaker held out in exactly one fold), each with cap_unknown."""
    return (
        cap_unknown([c for c in clips if cv_fold(c.group, folds) != fold]),
        cap_unknown([c for c in clips if cv_fold(c.group, folds) == fold]),
    )


def load_pcm(clips):
    """list of Clip -> int16 (n, CLIP_SAMPLES): each clip's samples, volume applied, padded."""
    out = np.zeros((len(clips), CLIP_SAMPLES), dtype=np.int16)
    background = {}  # long recordings, read once
    for i, c in enumerate(clips):
        source = background.get(c.path)
        if source is None:
            source = read_wav(c.path)
            if c.path.parent.name == BACKGROUND_DIR:
                background[c.path] = source
        pcm = fit_length(source[c.start : c.start + CLIP_SAMPLES])
        if c.gain != 1.0:
            pcm = np.rint(pcm * c.gain).astype(np.int16)
        out[i] = pcm
    return out


def labels(clips):
    """(n,) int64 class indices."""
    return np.array([c.label for c in clips], dtype=np.int64)


def features(pcm):
    """int16 (n, CLIP_SAMPLES) -> int8 (n, FRAMES, M), one C front-end run per clip from reset."""
    out = np.empty((len(pcm), FRAMES, frontend.LOGMEL_FEATURES), dtype=np.int8)
    for i, clip in enumerate(pcm):
        out[i] = frontend.logmel_features(np.ascontiguousarray(clip))
    return out


def noise_bank(pcm, clip_labels):
    """The silence clips of (n, S) int16 audio with RMS >= NOISE_MIN_RMS, as float64 (k, S): the
    noise that augment() mixes in. Pass training clips only."""
    noise = pcm[clip_labels == SILENCE].astype(np.float64)
    return noise[np.sqrt((noise**2).mean(axis=1)) >= NOISE_MIN_RMS]


def _resample_centered(x, speed):
    """Play x (S,) at speed (>1 shorter) by linear interpolation, re-centred to S samples."""
    n = len(x)
    y = np.interp(np.arange(0.0, n, speed), np.arange(n), x)
    if len(y) >= n:
        start = (len(y) - n) // 2
        return y[start : start + n]
    pad = n - len(y)
    return np.concatenate([np.zeros(pad // 2), y, np.zeros(pad - pad // 2)])


def _shifted(x, shift):
    """x (S,) float moved later by shift samples (earlier if negative), zero fill."""
    y = np.roll(x, shift)
    if shift > 0:
        y[:shift] = 0.0
    elif shift < 0:
        y[shift:] = 0.0
    return y


def _gain_and_noise(x, reference, noise, rng):
    """x (S,) float at a gain within +-GAIN_DB, then with NOISE_PROBABILITY a random 1 s of noise
    (float64 (k, S) from noise_bank, may be empty) at an SNR in NOISE_SNR_DB to the power of
    `reference` (S,) at that gain: int16 (S,)."""
    gain = 10.0 ** (rng.uniform(-GAIN_DB, GAIN_DB) / 20.0)
    x = x * gain
    if len(noise) and rng.random() < NOISE_PROBABILITY:
        n = noise[rng.integers(len(noise))]
        signal_rms = np.sqrt(((reference * gain) ** 2).mean())
        noise_rms = np.sqrt((n**2).mean())
        snr_db = rng.uniform(*NOISE_SNR_DB)
        x += n * (signal_rms / noise_rms * 10.0 ** (-snr_db / 20.0))
    return np.clip(np.rint(x), -32768, 32767).astype(np.int16)


def augment(pcm, noise, rng):
    """One training variant of a clip: int16 (S,) -> int16 (S,). Speed in SPEED_RANGE, time shift
    within +-SHIFT_SAMPLES (zero fill), gain within +-GAIN_DB, then with NOISE_PROBABILITY a random
    1 s of noise (float64 (k, S) from noise_bank, may be empty) at an SNR in NOISE_SNR_DB."""
    x = _resample_centered(pcm.astype(np.float64), rng.uniform(*SPEED_RANGE))
    x = _shifted(x, int(rng.integers(-SHIFT_SAMPLES, SHIFT_SAMPLES + 1)))
    return _gain_and_noise(x, x, noise, rng)


def word_span(x):
    """(first, end) sample of the word in a clip x (S,): from the first to the last 20 ms frame
    whose energy is within SPAN_FLOOR_DB of the loudest frame's (the whole clip if it is silent)."""
    hop = frontend.AUDIO_HOP_SAMPLES
    energy = (np.asarray(x, dtype=np.float64)[: len(x) // hop * hop].reshape(-1, hop) ** 2).mean(1)
    loud = np.flatnonzero(energy >= energy.max() * 10.0 ** (-SPAN_FLOOR_DB / 10.0))
    return int(loud[0]) * hop, (int(loud[-1]) + 1) * hop


def cut_word(pcm, noise, rng):
    """A window a streaming detector scores while a word is only partly inside it, from a clip:
    int16 (S,) -> int16 (S,), an `_unknown_` example (--cut-words). Speed as augment(), then the
    clip moved so that the window keeps a share in CUT_KEPT of the word's span (word_span), its
    start at the window's end or its end at the window's start (equally likely), zeros elsewhere;
    then gain and noise as augment(), the SNR measured against the whole word."""
    x = _resample_centered(pcm.astype(np.float64), rng.uniform(*SPEED_RANGE))
    first, end = word_span(x)
    kept = int(rng.uniform(*CUT_KEPT) * (end - first))
    shift = CLIP_SAMPLES - kept - first if rng.random() < 0.5 else kept - end
    return _gain_and_noise(_shifted(x, shift), x, noise, rng)


def spec_masked(x, rng):
    """SpecAugment-style masks (Park et al. 2019) on int8 log-mel features (n, FRAMES, M): in each
    clip SPEC_MASKS bands of 0..SPEC_MAX_BINS adjacent bins and SPEC_MASKS spans of
    0..SPEC_MAX_FRAMES frames, each at a uniformly random place, are set to the clip's mean (the
    level that tells the model least). Returns a masked copy; x is not changed."""
    out = x.copy()
    n, frames, bins = x.shape
    for i in range(n):
        fill = np.int8(np.rint(x[i].mean()))
        for _ in range(SPEC_MASKS):
            width = int(rng.integers(0, SPEC_MAX_BINS + 1))
            start = int(rng.integers(0, bins - width + 1))
            out[i, :, start : start + width] = fill
            length = int(rng.integers(0, SPEC_MAX_FRAMES + 1))
            start = int(rng.integers(0, frames - length + 1))
            out[i, start : start + length, :] = fill
    return out


def augmented_features(pcm, noise, rng, variant=augment):
    """int16 (n, S) -> int8 (n, FRAMES, M): variant (augment or cut_word) of each clip, then the
    C front-end."""
    return features(np.stack([variant(p, noise, rng) for p in pcm]))
