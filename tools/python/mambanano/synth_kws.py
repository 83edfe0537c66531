"""Synthetic Speech Commands clips from Debian's text-to-speech engines, for KWS training.

    tools/mambanano synth-kws [--out runs/tts] [--per-word 48] [--seed 0]
    tools/mambanano train --task kws --extra-train runs/tts

Writes the 12-class test-set layout that mambanano/data_kws.py reads:
OUT/<keyword>/<voice>_nohash_<k>.wav and OUT/_unknown_/<word>_<voice>_nohash_<k>.wav, 16 kHz mono
16-bit, 1 s. <voice> names engine, voice and variant (the "speaker" the loader groups by, e.g.
espeak-en-gb-scotland-f3, flite-slt). --per-word clips per keyword and as many `_unknown_` clips
in all (one class share, spread over the other Speech Commands words). Each clip: one word at a
seeded random speaking rate and pitch, trimmed to where it is voiced, placed at a random offset
within the second, at a random peak level. The same seed gives the same files.

Requires espeak-ng and flite (apt-get install espeak-ng flite).
"""

import argparse
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from mambanano import data_kws
from mambanano.paths import REPO

PROG = "mambanano synth-kws"

SAMPLE_RATE_HZ = data_kws.CLIP_SAMPLES  # 16 kHz, 1 s clips
# The Speech Commands v0.02 words that are not keywords: the `_unknown_` class.
OTHER_WORDS = [
    "backward",
    "bed",
    "bird",
    "cat",
    "dog",
    "eight",
    "five",
    "follow",
    "forward",
    "four",
    "happy",
    "house",
    "learn",
    "marvin",
    "nine",
    "one",
    "seven",
    "sheila",
    "six",
    "three",
    "tree",
    "two",
    "visual",
    "wow",
    "zero",
]
ESPEAK_LANGUAGES = [
    "en-us",
    "en-gb",
    "en-gb-scotland",
    "en-gb-x-rp",
    "en-gb-x-gbclan",
    "en-gb-x-gbcwmd",
    "en-029",
]
ESPEAK_VARIANTS = (
    [f"m{i}" for i in range(1, 9)] + [f"f{i}" for i in range(1, 6)] + ["klatt", "klatt2", "klatt3"]
)
FLITE_VOICES = ["kal16", "awb", "rms", "slt"]  # the 16 kHz voices Debian ships
FLITE_SHARE = 0.25  # share of clips spoken by flite
ESPEAK_RATE_WPM = (120, 200)
ESPEAK_PITCH = (20, 80)  # espeak-ng -p, 0..99
FLITE_STRETCH = (0.8, 1.3)  # duration_stretch (>1 slower)
FLITE_F0_HZ = (90.0, 220.0)  # int_f0_target_mean
PEAK_DBFS = (-20.0, -3.0)
TRIM_DB = 35.0  # voiced: 10 ms energy within this of the loudest
TRIM_MARGIN_S = 0.03


def _read_wav_float(path):
    """A mono 16-bit WAV -> (float64 samples in [-1, 1), sample rate in Hz)."""
    with wave.open(str(path), "rb") as w:
        if (w.getnchannels(), w.getsampwidth()) != (1, 2):
            raise ValueError(f"{path}: expected mono 16-bit output from the TTS engine")
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return pcm.astype(np.float64) / 32768.0, w.getframerate()


def resample(x, rate_hz, to_hz=SAMPLE_RATE_HZ, taps=64):
    """x (n,) at rate_hz -> (m,) at to_hz: a Hann-windowed sinc low-pass at 0.45 of the lower rate,
    then linear interpolation. Identity when the rates agree."""
    if rate_hz == to_hz:
        return x
    cutoff = 0.45 * min(rate_hz, to_hz) / rate_hz  # cycles per input sample
    k = np.arange(-taps, taps + 1)
    h = 2 * cutoff * np.sinc(2 * cutoff * k) * np.hanning(2 * taps + 1)
    y = np.convolve(x, h / h.sum(), mode="same")
    t = np.arange(int(len(x) * to_hz / rate_hz)) * (rate_hz / to_hz)
    return np.interp(t, np.arange(len(x)), y)


def trim_to_voiced(x, rate_hz=SAMPLE_RATE_HZ):
    """x (n,) -> the span whose 10 ms frames are within TRIM_DB of the loudest, plus a margin."""
    hop = rate_hz // 100
    n = len(x) // hop
    if n == 0:
        return x
    energy = (x[: n * hop].reshape(n, hop) ** 2).mean(axis=1)
    voiced = np.flatnonzero(energy >= energy.max() * 10.0 ** (-TRIM_DB / 10.0))
    margin = int(TRIM_MARGIN_S * rate_hz)
    return x[max(0, voiced[0] * hop - margin) : min(len(x), (voiced[-1] + 1) * hop + margin)]


def place_in_clip(word, rng):
    """A trimmed word (n,) float -> int16 (CLIP_SAMPLES,): at a random offset (its centre second if
    longer), scaled to a random peak level in PEAK_DBFS."""
    if len(word) > SAMPLE_RATE_HZ:
        start = (len(word) - SAMPLE_RATE_HZ) // 2
        word = word[start : start + SAMPLE_RATE_HZ]
    out = np.zeros(SAMPLE_RATE_HZ)
    offset = int(rng.integers(0, SAMPLE_RATE_HZ - len(word) + 1))
    peak = np.abs(word).max()
    if peak > 0:
        out[offset : offset + len(word)] = word * (10.0 ** (rng.uniform(*PEAK_DBFS) / 20.0) / peak)
    return np.clip(np.rint(out * 32768.0), -32768, 32767).astype(np.int16)


def speak(text, rng, tmp):
    """One utterance of text by a random engine, voice and prosody -> (voice id, float (n,) at
    16 kHz)."""
    path = Path(tmp) / "tts.wav"
    if rng.random() < FLITE_SHARE:
        voice = FLITE_VOICES[rng.integers(len(FLITE_VOICES))]
        cmd = [
            "flite",
            "-voice",
            voice,
            "--setf",
            f"duration_stretch={rng.uniform(*FLITE_STRETCH):.3f}",
            "--setf",
            f"int_f0_target_mean={rng.uniform(*FLITE_F0_HZ):.1f}",
            "-t",
            text,
            "-o",
            str(path),
        ]
        voice_id = f"flite-{voice}"
    else:
        language = ESPEAK_LANGUAGES[rng.integers(len(ESPEAK_LANGUAGES))]
        variant = ESPEAK_VARIANTS[rng.integers(len(ESPEAK_VARIANTS))]
        cmd = [
            "espeak-ng",
            "-v",
            f"{language}+{variant}",
            "-s",
            str(rng.integers(*ESPEAK_RATE_WPM)),
            "-p",
            str(rng.integers(*ESPEAK_PITCH)),
            "-w",
            str(path),
            text,
        ]
        voice_id = f"espeak-{language}-{variant}"
    subprocess.run(cmd, check=True, capture_output=True)
    x, rate_hz = _read_wav_float(path)
    return voice_id, resample(x, rate_hz)


def synthesize(out, per_word, seed):
    """Write per_word clips of every keyword and per_word `_unknown_` clips under out (replacing
    what was there). Returns the number of files written."""
    missing = [tool for tool in ("espeak-ng", "flite") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"{', '.join(missing)} not found: apt-get install espeak-ng flite")
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    rng = np.random.default_rng(seed)
    jobs = [(word, word) for word in data_kws.KEYWORDS for _ in range(per_word)]
    jobs += [("_unknown_", OTHER_WORDS[i % len(OTHER_WORDS)]) for i in rng.permutation(per_word)]
    with tempfile.TemporaryDirectory() as tmp:
        for k, (folder, word) in enumerate(jobs):
            voice_id, x = speak(word, rng, tmp)
            pcm = place_in_clip(trim_to_voiced(x), rng)
            name = (
                f"{voice_id}_nohash_{k}.wav"
                if folder == word
                else f"{word}_{voice_id}_nohash_{k}.wav"
            )
            data_kws.write_wav(out / folder / name, pcm)
    return len(jobs)


def main(argv=None):
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "runs" / "tts")
    ap.add_argument("--per-word", type=int, default=48, help="clips per keyword (and of _unknown_)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    n = synthesize(args.out, args.per_word, args.seed)
    print(f"{n} clips in {args.out}")
