"""Train, calibrate, quantize and evaluate the HAR model; writes weights/har.mnm and its model card.

    tools/mambanano train --task har [--data ../shared/data/hapt] [--epochs 30] [--out weights]

Data: HAPT raw recordings, UCI HAR windows (128 samples, 50 % overlap, activities 1-6), features
from the C IMU front-end. Split by subject: validation = data_har.VAL_SUBJECTS (5 of the 21 UCI
training subjects present), training = the other 16; UCI's test subjects are not in this copy.
Quantization (quantize.post_training_quantize) uses training windows only: each activation's
range chosen by the C kernel's divergence from the float model on 512 calibration windows, then 3
epochs of quantization-aware fine-tuning on the training windows with those ranges. INT8 accuracy
is measured through the C kernel; the float accuracy is the trained checkpoint's. Seeded; progress
bars; checkpoint, curves and confusion matrix under runs/har (PNGs also beside the weights).

Choosing a quantization method without the validation subjects: `--holdout-subjects 1,11,19,28
--out /tmp/a --runs /tmp/a` trains on the remaining training subjects and scores the held-out
ones; `--quantize-only` with `--range-candidates`, `--bias-correction` or `--qat-epochs` then
compares methods on the same checkpoint.

The yardstick that predicts new people: `--cv-folds K` (K = 5 or 7) splits ALL training subjects
present (the validation ones included) into K subject-disjoint folds, and for each fold trains on
the others with the same recipe, quantizes (calibration and QAT on that fold's training windows
only) and scores the held-out subjects in float, weight-only INT8 (the file's int8 weights, float
activations and state, in PyTorch) and INT8 through the C kernel. Writes RUNS/cv/fold<k>/
(checkpoint, model file, result) and RUNS/cv/cv.json with the mean and spread over folds, and
prints the table; nothing under --out. With --quantize-only it re-quantizes and re-scores each
fold's checkpoint (RUNS/cv/fold<k>/har.pt, same K and --seed), rewriting that fold's model file
and result: the way to compare quantization options across subjects without retraining.

The shipped model: `--all-data --cv-summary RUNS/cv/cv.json` trains on every training subject
present (the validation ones included) for the fixed --epochs, with the recipe a --cv-folds run
measured (refused if the file records another recipe); its model card carries that run's
cross-validated table and, as a regression guard, the model's accuracy on its own training data.

Training augmentation (on by default, `--no-augment` turns it off): every epoch (and the QAT
fine-tuning) trains on a fresh augmented copy of the training windows: each training recording's
RAW signal is scaled, offset, made noisy, time-warped and, with --aug-rotation-deg > 0 (default 0),
rotated (data_har.ImuAugmentation, strengths from the --aug-* options) and run through the C
front-end again, as a differently calibrated or paced sensor would feed the device. Validation,
held-out and calibration windows are never augmented.
"""

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np
import torch

from mambanano import data_har, frontend
from mambanano import model_file as mf
from mambanano.data import add_data_argument, resolve_data
from mambanano.model import MambaNanoNet
from mambanano.model_card import app_window_line, write_model_card
from mambanano.paths import REPO
from mambanano.quantize import (
    QAT_EPOCHS,
    add_quantization_arguments,
    post_training_quantize,
    write_quantized,
)
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

PROG = "mambanano train --task har"

DIMS = dict(
    n_features=frontend.IMU_FEATURES,
    d_model=32,
    d_inner=64,
    d_state=8,
    dt_rank=2,
    d_conv=4,
    n_layers=1,
    n_classes=len(data_har.CLASS_NAMES),
)


def to_float(x_int8):
    return torch.from_numpy(x_int8.astype(np.float32) * frontend.IMU_SCALE)


def augmentation(args):
    """The data_har.ImuAugmentation the --augment/--aug-* options ask for, or None."""
    if not args.augment:
        return None
    return data_har.ImuAugmentation(
        rotation_deg=args.aug_rotation_deg,
        gain=args.aug_gain,
        acc_bias_g=args.aug_acc_bias_g,
        gyro_bias_rad_s=args.aug_gyro_bias_rad_s,
        acc_noise_g=args.aug_acc_noise_g,
        gyro_noise_rad_s=args.aug_gyro_noise_rad_s,
        warp=args.aug_warp,
    )


def har_recipe(args):
    """What --cv-folds records and --all-data checks (training.recipe, the augmentation, the crop)."""
    aug = augmentation(args)
    return {**recipe(args, "crop"), "augmentation": aug and dataclasses.asdict(aug)}


def recipe_options(args):
    """The command-line options that give args' recipe (those not at their defaults)."""
    options = [f"--epochs {args.epochs}", *model_options(args)]
    if args.crop is not None:
        options.append(f"--crop {args.crop}")
    aug = augmentation(args)
    if aug is None:
        options.append("--no-augment")
    else:
        defaults = data_har.DEFAULT_AUGMENTATION
        options += [
            f"--aug-{name.replace('_', '-')} {value:g}"
            for name, value in dataclasses.asdict(aug).items()
            if value != getattr(defaults, name)
        ]
    return " ".join(options)


def augmentation_line(aug):
    """The model card's words for the training augmentation (empty without one)."""
    if aug is None:
        return ""
    return (
        "; each epoch (and QAT) a fresh augmented copy of every training recording, raw signal "
        "before the front-end: "
        + (f"rotation <= {aug.rotation_deg:g} deg, " if aug.rotation_deg else "no rotation, ")
        + f"per-axis gain +-{aug.gain:g}, "
        f"bias +-{aug.acc_bias_g:g} g / +-{aug.gyro_bias_rad_s:g} rad/s, noise sd {aug.acc_noise_g:g} g / "
        f"{aug.gyro_noise_rad_s:g} rad/s, time warp 1 +- {aug.warp:g}"
    )


def fit(recs, train_subjects, val_subjects, args, out, runs):
    """Train on train_subjects (or load runs/har.pt with --quantize-only), quantize into
    out/har.mnm and score val_subjects in float and INT8: (result, curve, (train, val) windows)."""
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    runs.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    index_tr, y_tr = data_har.window_index(recs, set(train_subjects))
    x_va, y_va = data_har.windows(recs, set(val_subjects))
    if args.max_train is not None:
        keep = rng.permutation(len(y_tr))[: args.max_train]
        index_tr, y_tr = index_tr[keep], y_tr[keep]
    x_tr = data_har.cut_windows(recs, index_tr)
    print(
        f"train {len(y_tr)} windows ({len(train_subjects)} subjects), val {len(y_va)} windows "
        f"(subjects {tuple(val_subjects)})"
    )

    dims = model_dims(DIMS, args)
    model = MambaNanoNet(**dims, a_heads=args.a_heads)
    xt, yt, xv = to_float(x_tr), torch.from_numpy(y_tr), to_float(x_va)
    aug = augmentation(args)

    def training_features(aug_rng):
        """The float training windows (n, 128, F): xt, or with --augment a fresh augmented copy;
        with --crop a random part of each, (n, crop, F)."""
        x = (
            xt
            if aug is None
            else to_float(data_har.augmented_windows(recs, index_tr, aug, aug_rng))
        )
        return x if args.crop is None else random_crops(x, args.crop, aug_rng)

    epoch_rng = np.random.default_rng(args.seed + 2)  # own streams: the batch order is unchanged
    curve = train_or_load(
        model,
        lambda: training_features(epoch_rng),
        yt,
        xv,
        y_va,
        epochs=args.epochs,
        lr=args.lr,
        batch=args.batch,
        rng=rng,
        runs=runs,
        name="har",
        quantize_only=args.quantize_only,
        weight_decay=args.weight_decay,
        clip_grad=args.clip_grad,
        label_smoothing=args.label_smoothing,
        mixup=args.mixup,
        ema=args.ema,
        distill=distillation(
            args,
            runs,
            "har",
            {"val_subjects": list(val_subjects), "val_windows": int(len(y_va))},
        ),
    )

    # Calibrate on 512 training windows (their own seeded draw, so --quantize-only reproduces the
    # same file from the checkpoint), choose each activation's range by its effect on the INT8
    # kernel's outputs there, fine-tune with those ranges on the training windows (with --augment
    # one more augmented copy, its own seeded draw), measure the fine-tuned model's hidden-state
    # ranges on every training window, quantize, write.
    calib_rng = np.random.default_rng(args.seed + 1)
    calib_idx = calib_rng.permutation(len(y_tr))[:512]
    quant_args = dict(
        task=mf.Task.HAR,
        frontend=mf.Frontend.IMU,
        input_scale=frontend.IMU_SCALE,
        input_zero_point=float(frontend.IMU_ZERO_POINT),
        class_names=data_har.CLASS_NAMES,
    )
    quantized, stats, choices = post_training_quantize(
        model,
        xt[torch.from_numpy(calib_idx)],
        x_tr[calib_idx],
        range_candidates=args.range_candidates,
        search_passes=args.search_passes,
        bias_correction=args.bias_correction,
        finetune=(training_features(np.random.default_rng(args.seed + 3)), yt),
        qat_epochs=args.qat_epochs,
        state_features=xt,
        **quant_args,
    )
    data, report = write_quantized(out / "har.mnm", quantized, stats, **quant_args)
    report.update(choices)

    result = {
        "task": "HAR",
        "recipe": har_recipe(args),
        "val_subjects": list(val_subjects),
        "val_windows": int(len(y_va)),
        **float_vs_int8(model, data, xv, x_va, y_va, data_har.CLASS_NAMES),
        "dims": {**dims, "a_heads": args.a_heads},
        "epochs": args.epochs,
        "augmentation": aug and dataclasses.asdict(aug),
        "quantization": report,
        "curve": curve,
    }
    (runs / "har_result.json").write_text(json.dumps(result, indent=1))
    return result, curve, (len(y_tr), len(y_va))


FOLD_SEED = 0  # the subject shuffle of every --cv-folds run, whatever --seed trains with


def subject_folds(subjects, k):
    """k subject-disjoint folds (sorted tuples) covering `subjects`: a fixed shuffle dealt
    round-robin. Fixed, as the KWS speaker folds are, so that runs with another --seed are scored on
    the same folds and compare pairwise (cv-compare)."""
    order = np.random.default_rng(FOLD_SEED).permutation(sorted(subjects))
    return [tuple(sorted(int(s) for s in order[i::k])) for i in range(k)]


def cross_validate(recs, args):
    """--cv-folds: every training subject present is scored exactly once, by a model that never saw it."""
    subjects = data_har.subjects_in(recs)
    folds = [
        (
            list(held_out),
            f"held out subjects {held_out}",
            lambda r, held_out=held_out: r["val_subjects"] == list(held_out),
            lambda fold_dir, held_out=held_out: fit(
                recs, set(subjects) - set(held_out), held_out, args, fold_dir, fold_dir
            )[0],
        )
        for held_out in subject_folds(subjects, args.cv_folds)
    ]
    return run_cv_folds(args, "har", folds, har_recipe(args), "val_windows")


def parser():
    """The command's argument parser."""
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    add_data_argument(ap, "hapt")
    add_training_arguments(ap, epochs=30, examples="windows")
    ap.add_argument("--out", type=Path, default=REPO / "weights")
    ap.add_argument("--runs", type=Path, default=REPO / "runs" / "har")
    ap.add_argument(
        "--holdout-subjects",
        type=lambda s: tuple(int(v) for v in s.split(",")),
        help="for choosing methods without the validation subjects: score these training "
        "subjects instead and train on the other training subjects (the validation "
        "subjects are then neither trained on nor scored); use with other --out/--runs",
    )
    add_cv_arguments(ap, "subject")
    add_crop_argument(ap, "sample", data_har.WINDOW, "har_window_samples")
    ap.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="train on a fresh augmented copy of the training recordings every epoch "
        "(default on, strengths below; chosen on the 5 subject folds: INT8 +0.16 pt, streaming "
        "+0.48 pt)",
    )
    defaults = data_har.DEFAULT_AUGMENTATION
    for name, unit, what in (
        ("rotation_deg", "degrees", "largest rotation of the sensor frame"),
        ("gain", "fraction", "per-axis gain error, uniform +-"),
        ("acc_bias_g", "g", "per-axis accelerometer offset, uniform +-"),
        ("gyro_bias_rad_s", "rad/s", "per-axis gyroscope offset, uniform +-"),
        ("acc_noise_g", "g", "accelerometer white-noise sd"),
        ("gyro_noise_rad_s", "rad/s", "gyroscope white-noise sd"),
        ("warp", "fraction", "time-warp rate 1 +- this"),
    ):
        default = getattr(defaults, name)
        ap.add_argument(
            "--aug-" + name.replace("_", "-"),
            type=float,
            default=default,
            help=f"{what} ({unit}, default {default:g}; with --augment)",
        )
    # One range search pass: on the 5 subject folds 3 passes scored INT8 91.24 % against 91.37 %.
    add_quantization_arguments(ap, qat_epochs=QAT_EPOCHS, search_passes=1)
    add_model_arguments(ap)
    add_loss_arguments(ap)
    add_final_arguments(ap, "subject")
    return ap


def main(argv=None):
    ap = parser()
    args = ap.parse_args(argv)
    check_model_arguments(ap, args, DIMS)
    check_crop(ap, args, data_har.WINDOW, "sample")
    check_split_arguments(
        ap,
        args,
        21,  # the UCI training subjects
        {
            "--cv-folds": args.cv_folds,
            "--holdout-subjects": args.holdout_subjects,
            "--all-data": args.all_data,
        },
    )
    args.data = resolve_data(args.data, "hapt", PROG)
    cv = load_cv_summary(ap, args, har_recipe(args))
    torch.set_num_threads(args.threads)

    recs = data_har.load_recordings(args.data)
    train_subjects = set(data_har.subjects_in(recs)) - set(data_har.VAL_SUBJECTS)
    val_subjects = tuple(data_har.VAL_SUBJECTS)
    if args.cv_folds:
        cross_validate(recs, args)
        return
    if args.all_data:  # scored in-sample: the figures that predict new people are cv's
        train_subjects = set(data_har.subjects_in(recs))
        val_subjects = tuple(sorted(train_subjects))
    if args.holdout_subjects:
        if not set(args.holdout_subjects) <= train_subjects:
            ap.error(f"--holdout-subjects must be training subjects: {sorted(train_subjects)}")
        train_subjects -= set(args.holdout_subjects)
        val_subjects = args.holdout_subjects
    result, curve, (n_train, n_val) = fit(
        recs, train_subjects, val_subjects, args, args.out, args.runs
    )
    print_result_line(result)
    plot_training(
        curve,
        result["int8_confusion"],
        data_har.CLASS_NAMES,
        args.out / "har_training.png",
        scored="training subjects (in-sample)" if args.all_data else "validation subjects",
        figsize=(10, 4),
        fontsize=8,
    )
    options = recipe_options(args)
    subjects = ",".join(map(str, val_subjects))
    write_model_card(
        args.out / "har.md",
        result,
        title="weights/har.mnm — human-activity recognition (HAR)",
        task_line="HAR, 6 classes: " + ", ".join(data_har.CLASS_NAMES),
        input_line="IMU front-end (`mn_imu_*`): 9 int8 features per 50 Hz sample (total acceleration, "
        "gravity-removed acceleration, angular rate; 32 units per g and per rad/s)",
        window_line=app_window_line(data_har.WINDOW, "sample", "har_window_samples", "har_streams"),
        data_line="HAPT raw recordings (`../shared/data/hapt`), "
        "UCI HAR windows (128 samples, 50 % overlap, activities 1–6)",
        split_line=(
            f"none held out: all {len(train_subjects)} UCI training subjects present "
            f"({n_train:,} windows) train the model"
            if args.all_data
            else f"by subject: validation = subjects {', '.join(map(str, val_subjects))} "
            f"({n_val:,} windows), training = the other {len(train_subjects)} UCI training "
            f"subjects present ({n_train:,} windows)"
        )
        + "; calibration on 512 training windows",
        training_line=training_line(args)
        + augmentation_line(augmentation(args))
        + crop_line(args.crop, "sample", "window", args.qat_epochs > 0),
        targets=(96, 0.5),
        reproduce=(
            [
                f"tools/mambanano train --task har {options} --cv-folds 5 --runs runs/har_cv5"
                "   # the cross-validation (~1 h)",
                f"tools/mambanano train --task har {options} --all-data "
                "--cv-summary runs/har_cv5/cv/cv.json   # this model (~15 min)",
            ]
            if args.all_data
            else [
                f"tools/mambanano train --task har {options}      # train + quantize (~10 min)",
                f"tools/mambanano train --task har {options} --quantize-only   # re-quantize runs/har/har.pt",
            ]
        )
        + [
            "tools/mambanano evaluate --weights weights/har.mnm --data ../shared/data/hapt"
            + ("   # in-sample: every subject" if args.all_data else f" --subjects {subjects}"),
        ],
        cv=cv,
        unit="subject",
    )
