"""Train, calibrate, quantize and evaluate the KWS model; writes weights/kws.mnm and its model card.

    tools/mambanano train --task kws [--data ../shared/data/speech_commands] [--epochs 60]
                                        [--extra-train DIR ...] [--out weights] [--quantize-only]
                                        [--dev]

Data: Speech Commands in its folder layout (the 12-class test-set layout or a full download, see
mambanano/data_kws.py), 12 classes, 1 s clips -> 50 frames x 40 log-mel bins from the C front-end.
Split by speaker hash (data_kws.in_validation, ~20 % of speakers to validation). Every epoch sees
a fresh augmented copy of each training clip (speed, time shift, gain, background noise from the
training split's silence clips), its features computed by the same C front-end; validation clips
are not augmented. --extra-train adds the clips of another folder in the same layout to the
training split only, its `_unknown_` clips capped like the rest (data_kws.cap_unknown: the extra
Speech Commands folder is 557 unknown words of 799 clips, which as is tipped the class balance),
e.g. ../shared/data/speech_commands_extra or synthetic speech from
tools/python/mambanano/synth_kws.py. --dev trains on 80 % of the
training speakers and evaluates on the other 20 % (data_kws.split(dev=True)), writing to runs/kws_dev
unless told otherwise: the way to choose training options without looking at the validation
speakers. Calibration uses every un-augmented clip of the Speech Commands training speakers only;
each activation's range is chosen among its max and percentiles by the C kernel's divergence from the float model there
(quantize.post_training_quantize; its other options, e.g. --qat-epochs, are off by default here).
INT8 accuracy is measured through the C kernel. Seeded; progress bars; checkpoint, curve and
result under runs/kws; curves, confusion matrix and model card beside the weights.

The yardstick that predicts new speakers: `--cv-folds K` splits every clip of --data (validation
speakers included) into K speaker-disjoint folds (data_kws.cv_fold: a hash of the speaker), and
for each fold trains on the others with the same recipe, quantizes and scores the held-out
speakers in float, weight-only INT8 (the file's int8 weights, float activations and state, in
PyTorch) and INT8 through the C kernel. Writes RUNS/cv/fold<k>/ and RUNS/cv/cv.json (mean and
spread over folds, mean INT8 recall per class) and prints the table; nothing under --out. With
--quantize-only it re-quantizes and re-scores the checkpoint of every fold that has one
(RUNS/cv/fold<k>/kws.pt, same --cv-folds K and --data), rewriting that fold's model file and
result: the way to compare quantization options across speakers without retraining.

The shipped model: `--all-data --cv-summary RUNS/cv/cv.json` trains on every clip of --data (all
speakers) for the fixed --epochs, with the recipe a --cv-folds run measured (refused if the file
records another recipe); its model card carries that run's cross-validated table and, as a
regression guard, the model's accuracy on its own training clips. `--specaugment` adds time and
frequency masks to the training features (off by default: to be chosen on the folds).

Why the range search matters here: with every range at its calibrated max, a few clips (very loud
ones, or frames with bands at the front-end's -128 floor) set the maxima of y, g and the residual
stream (which is also the scale of the pooled classifier input) and INT8 lost 12-34 points on
training speakers held out for the test, depending on which clips were drawn for calibration.
"""

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from mambanano import data_kws, frontend
from mambanano import model_file as mf
from mambanano.data import add_data_argument, resolve_data
from mambanano.model import MambaNanoNet
from mambanano.model_card import app_window_line, write_model_card
from mambanano.paths import REPO
from mambanano.quantize import add_quantization_arguments, post_training_quantize, write_quantized
from mambanano.report import plot_training
from mambanano.training import (
    add_crop_argument,
    add_cv_arguments,
    add_final_arguments,
    add_loss_arguments,
    add_model_arguments,
    add_training_arguments,
    check_crop,
    check_model_arguments,
    check_split_arguments,
    crop_line,
    distillation,
    float_vs_int8,
    load_cv_summary,
    model_dims,
    model_options,
    print_result_line,
    random_crops,
    recipe,
    run_cv_folds,
    train_or_load,
    training_line,
)

PROG = "mambanano train --task kws"

DIMS = dict(
    n_features=frontend.LOGMEL_FEATURES,
    d_model=48,
    d_inner=96,
    d_state=12,
    dt_rank=4,
    d_conv=4,
    n_layers=1,
    n_classes=len(data_kws.CLASS_NAMES),
)


def to_float(x_int8):
    """int8 log-mel features (n, H, M) -> float (n, H, M): log2(mel power) - 24, the model input."""
    return torch.from_numpy(x_int8.astype(np.float32) * frontend.LOGMEL_SCALE)


def speakers(clips):
    """Number of distinct speakers (silence clips have none)."""
    return len({c.group for c in clips if c.label != data_kws.SILENCE})


def kws_recipe(args):
    """What --cv-folds records and --all-data checks (training.recipe and the extra folders' names)."""
    return {
        **recipe(args, "specaugment", "cut_words", "crop"),
        "extra_train": [Path(d).name for d in args.extra_train],
    }


def parser():
    """The command's argument parser."""
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    add_data_argument(ap, "speech_commands")
    add_training_arguments(ap, epochs=60, examples="clips")
    ap.add_argument(
        "--extra-train",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="add the clips under DIR to the training split, _unknown_ capped (repeatable)",
    )
    ap.add_argument(
        "--specaugment",
        action="store_true",
        help="SpecAugment-style time and frequency masks on the training features "
        "(data_kws.spec_masked; default off)",
    )
    ap.add_argument(
        "--cut-words",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="each epoch also train on this share of the keyword clips' count of `_unknown_` "
        "examples cut from random keyword clips: windows that keep 10-50 %% of the word at "
        "their start or end, as a streaming detector scores them (data_kws.cut_word; "
        "default 0: off; 0.15 was 4.7 pt lower on the 5 speaker folds)",
    )
    ap.add_argument(
        "--dev",
        action="store_true",
        help="hold out 20 %% of the training speakers and evaluate on them, not validation",
    )
    ap.add_argument(
        "--out", type=Path, default=None, help="default: weights (runs/kws_dev with --dev)"
    )
    ap.add_argument(
        "--runs", type=Path, default=None, help="default: runs/kws (runs/kws_dev with --dev)"
    )
    add_cv_arguments(ap, "speaker")
    add_crop_argument(ap, "frame", data_kws.FRAMES, "kws_window_hops")
    add_quantization_arguments(ap, qat_epochs=0)
    add_model_arguments(ap)
    add_loss_arguments(ap)
    add_final_arguments(ap, "speaker")
    return ap


def main(argv=None):
    ap = parser()
    args = ap.parse_args(argv)
    check_model_arguments(ap, args, DIMS)
    if not 0.0 <= args.cut_words <= 1.0:
        ap.error("--cut-words must be 0 (off) to 1")
    check_crop(ap, args, data_kws.FRAMES, "frame")
    check_split_arguments(
        ap, args, 20, {"--cv-folds": args.cv_folds, "--dev": args.dev, "--all-data": args.all_data}
    )
    args.data = resolve_data(args.data, "speech_commands", PROG)
    cv = load_cv_summary(ap, args, kws_recipe(args))
    dev_dir = REPO / "runs" / "kws_dev"
    args.out = args.out or (dev_dir if args.dev else REPO / "weights")
    args.runs = args.runs or (dev_dir if args.dev else REPO / "runs" / "kws")
    torch.set_num_threads(args.threads)
    clips = data_kws.list_clips(args.data)
    if args.cv_folds:
        cross_validate(clips, args)
        return
    train_clips, val_clips = data_kws.split(clips, dev=args.dev)
    if args.all_data:  # scored in-sample: the figures that predict new speakers are cv's
        train_clips = val_clips = data_kws.cap_unknown(clips)
    result, curve, n_calib = fit(train_clips, val_clips, args, args.out, args.runs)
    print_result_line(result)
    plot_training(
        curve,
        result["int8_confusion"],
        data_kws.CLASS_NAMES,
        args.out / "kws_training.png",
        scored="training speakers (in-sample)" if args.all_data else "validation speakers",
        figsize=(12, 5),
        fontsize=7,
    )
    write_card(args.out / "kws.md", result, args, n_calib, cv)


def cross_validate(clips, args):
    """--cv-folds: every speaker is scored exactly once, by a model that never heard them."""
    folds = []
    for k in range(args.cv_folds):
        train_clips, held_out = data_kws.cv_split(clips, args.cv_folds, k)
        folds.append(
            (
                speakers(held_out),
                f"{speakers(held_out)} speakers held out",
                lambda r, held_out=held_out: (
                    (r["val_clips"], r["val_speakers"]) == (len(held_out), speakers(held_out))
                ),
                lambda fold_dir, train_clips=train_clips, held_out=held_out: fit(
                    train_clips, held_out, args, fold_dir, fold_dir
                )[0],
            )
        )
    return run_cv_folds(args, "kws", folds, kws_recipe(args), "val_clips")


def fit(train_clips, val_clips, args, out, runs):
    """Train on train_clips (or load runs/kws.pt with --quantize-only), quantize into out/kws.mnm and
    score val_clips in float and INT8: (result, curve, calibration clips)."""
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    runs.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.time()
    if args.max_train is not None:
        keep = np.sort(rng.permutation(len(train_clips))[: args.max_train])
        train_clips = [train_clips[i] for i in keep]
    n_speech_commands = len(train_clips)  # calibration draws from these only
    extra_clips = data_kws.cap_unknown(
        [c for folder in args.extra_train for c in data_kws.list_clips(folder)]
    )
    train_clips += extra_clips
    pcm_tr, y_tr = data_kws.load_pcm(train_clips), data_kws.labels(train_clips)
    x_va, y_va = data_kws.features(data_kws.load_pcm(val_clips)), data_kws.labels(val_clips)
    noise = data_kws.noise_bank(pcm_tr, y_tr)
    counts = {
        "train_clips": n_speech_commands,
        "train_speakers": speakers(train_clips[:n_speech_commands]),
        "extra_clips": len(extra_clips),
        "val_clips": len(val_clips),
        "val_speakers": speakers(val_clips),
        "noise_clips": len(noise),
        "dev": args.dev,
    }
    print(" ".join(f"{k} {v}" for k, v in counts.items()))

    dims = model_dims(DIMS, args)
    model = MambaNanoNet(**dims, a_heads=args.a_heads)
    keyword_clips = np.flatnonzero(y_tr < len(data_kws.KEYWORDS))
    n_cut = int(round(args.cut_words * len(keyword_clips)))
    yt = torch.from_numpy(np.concatenate([y_tr, np.full(n_cut, data_kws.UNKNOWN, dtype=np.int64)]))
    xv = to_float(x_va)
    mask_rng = np.random.default_rng(args.seed + 4)  # own streams: the rest is unchanged
    cut_rng = np.random.default_rng(args.seed + 5)
    crop_rng = np.random.default_rng(args.seed + 6)

    def training_features():
        """A fresh augmented copy of the training clips, then --cut-words examples cut from
        other draws of keyword clips, all with --specaugment masked; with --crop a random part of
        each, (n, crop, M)."""
        x = data_kws.augmented_features(pcm_tr, noise, rng)
        if n_cut:
            drawn = pcm_tr[cut_rng.choice(keyword_clips, size=n_cut, replace=False)]
            cut = data_kws.augmented_features(drawn, noise, cut_rng, variant=data_kws.cut_word)
            x = np.concatenate([x, cut])
        x = to_float(data_kws.spec_masked(x, mask_rng) if args.specaugment else x)
        return x if args.crop is None else random_crops(x, args.crop, crop_rng)

    curve = train_or_load(
        model,
        training_features,
        yt,
        xv,
        y_va,
        epochs=args.epochs,
        lr=args.lr,
        batch=args.batch,
        rng=rng,
        runs=runs,
        name="kws",
        quantize_only=args.quantize_only,
        weight_decay=args.weight_decay,
        clip_grad=args.clip_grad,
        label_smoothing=args.label_smoothing,
        mixup=args.mixup,
        ema=args.ema,
        distill=distillation(
            args,
            runs,
            "kws",
            {k: counts[k] for k in ("train_clips", "extra_clips", "val_clips", "val_speakers")},
        ),
    )

    # Calibrate on every un-augmented Speech Commands training clip (512 drawn ones were too few to
    # choose ranges by: on the speaker folds they lost up to 1.4 pt, all the clips at most 0.0 pt),
    # choose each activation's range by its effect on the INT8 kernel's outputs there, quantize,
    # write the model file.
    x_cal = data_kws.features(pcm_tr[:n_speech_commands])
    quant_args = dict(
        task=mf.Task.KWS,
        frontend=mf.Frontend.LOGMEL,
        input_scale=frontend.LOGMEL_SCALE,
        input_zero_point=float(frontend.LOGMEL_ZERO_POINT),
        class_names=data_kws.CLASS_NAMES,
    )
    finetune = None
    if args.qat_epochs > 0:  # one fresh augmented copy of the training clips
        finetune = (training_features(), yt)
    quantized, stats, choices = post_training_quantize(
        model,
        to_float(x_cal),
        x_cal,
        range_candidates=args.range_candidates,
        search_passes=args.search_passes,
        bias_correction=args.bias_correction,
        finetune=finetune,
        qat_epochs=args.qat_epochs,
        **quant_args,
    )
    data, report = write_quantized(out / "kws.mnm", quantized, stats, **quant_args)
    report.update(choices)

    result = {
        "task": "KWS",
        "recipe": kws_recipe(args),
        **counts,
        "val_percent": data_kws.VAL_PERCENT,
        **float_vs_int8(model, data, xv, x_va, y_va, data_kws.CLASS_NAMES),
        "dims": {**dims, "a_heads": args.a_heads},
        "epochs": args.epochs,
        "seed": args.seed,
        "quantization": report,
        "wall_seconds": round(time.time() - t_start, 1),
        "curve": curve,
    }
    (runs / "kws_result.json").write_text(json.dumps(result, indent=1))
    return result, curve, len(x_cal)


def write_card(path, result, args, n_calib, cv):
    """The model card (weights/kws.md) from the result dict, the command's arguments and, with
    --all-data, the cross-validation summary of the recipe."""
    dk, fe = data_kws, frontend
    extra = "".join(f" --extra-train {os.path.relpath(d, REPO)}" for d in args.extra_train)
    options = (
        f"--epochs {args.epochs}{extra}"
        + "".join(f" {option}" for option in model_options(args))
        + (" --specaugment" if args.specaugment else "")
        + (f" --cut-words {args.cut_words:g}" if args.cut_words else "")
        + (f" --crop {args.crop}" if args.crop is not None else "")
    )
    write_model_card(
        path,
        result,
        title="weights/kws.mnm — keyword spotting (KWS)",
        task_line="KWS, 12 classes: " + ", ".join(dk.CLASS_NAMES),
        input_line=f"log-mel front-end (`mn_logmel_*`): {fe.LOGMEL_FEATURES} int8 bins per "
        f"{fe.AUDIO_HOP_SAMPLES}-sample (20 ms) hop of 16 kHz PCM, "
        f"{fe.AUDIO_WINDOW_SAMPLES}-point Hann window, {fe.LOGMEL_LOW_HZ:g}–"
        f"{fe.LOGMEL_HIGH_HZ:g} Hz; one unit = 1/{fe.LOGMEL_UNITS_PER_LOG2} log2 of mel power",
        window_line=app_window_line(dk.FRAMES, "frame", "kws_window_hops", "kws_streams"),
        data_line=f"Speech Commands v0.02 in its folder layout (`{os.path.relpath(args.data, REPO)}`), "
        "1 s clips; each epoch a fresh augmented copy of every training clip (speed "
        f"{dk.SPEED_RANGE[0]:g}–{dk.SPEED_RANGE[1]:g}, shift ±{dk.SHIFT_SAMPLES // 16} ms, "
        f"gain ±{dk.GAIN_DB:g} dB, with probability {dk.NOISE_PROBABILITY:g} noise from the "
        f"training silence clips at {dk.NOISE_SNR_DB[0]:g}–{dk.NOISE_SNR_DB[1]:g} dB SNR"
        + (
            f"; SpecAugment: {dk.SPEC_MASKS} masks of ≤ {dk.SPEC_MAX_BINS} bins and "
            f"{dk.SPEC_MASKS} of ≤ {dk.SPEC_MAX_FRAMES} frames per clip, at the clip's mean)"
            if args.specaugment
            else ")"
        )
        + (
            f"; plus {args.cut_words:g} × the keyword clips' count of `_unknown_` windows cut "
            f"from keyword clips, keeping {dk.CUT_KEPT[0]:.0%}–{dk.CUT_KEPT[1]:.0%} of the word "
            "at their start or end"
            if args.cut_words
            else ""
        )
        + "".join(f"; plus `{os.path.relpath(d, REPO)}`" for d in args.extra_train)
        + (f" ({result['extra_clips']:,} clips, training only)" if args.extra_train else ""),
        split_line=(
            f"none held out: all {result['train_speakers']} speakers ({result['train_clips']:,} "
            "clips) train the model"
            if args.all_data
            else (
                f"development run (`--dev`): {result['val_speakers']} of the training speakers "
                f"(crc32('dev/' + speaker) % 100 < {dk.DEV_PERCENT}, {result['val_clips']:,} "
                "clips) stand in for validation; the validation speakers are not used"
                if args.dev
                else f"by speaker: crc32(speaker) % 100 < {dk.VAL_PERCENT} is validation "
                f"({result['val_speakers']} speakers, {result['val_clips']:,} clips)"
            )
            + f", training = the other {result['train_speakers']} speakers "
            f"({result['train_clips']:,} clips); silence clips split by their own name"
        )
        + f"; calibration on {n_calib} un-augmented training clips",
        training_line=training_line(args)
        + crop_line(args.crop, "frame", "clip", args.qat_epochs > 0),
        targets=(88, 1.0),
        reproduce=(
            [
                "tools/mambanano synth-kws --out runs/tts   "
                "# synthetic speech (espeak-ng, flite) for --extra-train"
            ]
            if "runs/tts" in extra
            else []
        )
        + (
            [
                f"tools/mambanano train --task kws {options} --cv-folds 5 --runs runs/kws_cv5"
                "   # the cross-validation",
                f"tools/mambanano train --task kws {options} --all-data "
                "--cv-summary runs/kws_cv5/cv/cv.json   # this model",
            ]
            if args.all_data
            else [
                f"tools/mambanano train --task kws {options}   # train + quantize (~10 min on 2 cores)",
                f"tools/mambanano train --task kws {options} --quantize-only   "
                "# re-quantize runs/kws/kws.pt",
            ]
        )
        + [
            "tools/mambanano evaluate --weights weights/kws.mnm "
            "--data ../shared/data/speech_commands --split "
            + ("all   # in-sample" if args.all_data else "val"),
        ],
        cv=cv,
        unit="speaker",
    )
