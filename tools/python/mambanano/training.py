"""What both training commands (train_har.py, train_kws.py) share: the training loop, the
float-vs-INT8 evaluation, the cross-validation's rows, summary and resumption, and the recipe a
--cv-folds run records and an --all-data run checks.

Symbols: n examples, T frames, F features, C classes.
"""

import copy
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as nnf
from tqdm import tqdm

from .contract import MAX_D_MODEL, MAX_D_STATE, MAX_LAYERS
from .cv_compare import CV_TABLE_COLUMNS
from .kernel import Int8Model
from .model import MambaNanoNet
from .quantize import dequantized_model, mean_kl
from .report import confusion, per_class

LABEL_SMOOTHING = 0.05  # of the cross-entropy, unless --label-smoothing
WEIGHT_DECAY = 1e-2  # AdamW's, unless --weight-decay


def add_model_arguments(parser):
    """The training commands' architecture options (MambaNanoNet keywords beyond the task's dims)."""
    parser.add_argument(
        "--a-heads",
        type=int,
        metavar="H",
        default=None,
        help="Mamba2-style scalar-A heads: A one value per head of d_inner/H "
        "channels (H must divide d_inner; H = d_inner is a scalar A per "
        "channel); default: A per (channel, state)",
    )
    parser.add_argument(
        "--d-model",
        type=int,
        metavar="D",
        default=None,
        help="model width: d_model D, d_inner 2D and dt_rank ceil(D/16) as Mamba sets them; "
        "default: the task's",
    )
    parser.add_argument(
        "--d-state",
        type=int,
        metavar="N",
        default=None,
        help="SSM state size N per channel; default: the task's",
    )
    parser.add_argument(
        "--n-layers",
        type=int,
        metavar="L",
        default=None,
        help="Mamba blocks in sequence (depth); default: the task's",
    )


def add_loss_arguments(parser):
    """The training loss's and optimiser's options: label smoothing, weight decay, gradient
    clipping, a moving average of the weights, mixup and knowledge distillation from a float
    teacher (`train_or_load`, `distillation`)."""
    parser.add_argument(
        "--label-smoothing",
        type=float,
        default=LABEL_SMOOTHING,
        help="label smoothing of the training cross-entropy, 0 to below 1 (the QAT fine-tuning "
        "keeps its own; default: %(default)s)",
    )
    parser.add_argument(
        "--weight-decay",
        type=float,
        default=WEIGHT_DECAY,
        help="AdamW's decoupled weight decay (default: %(default)s)",
    )
    parser.add_argument(
        "--clip-grad",
        type=float,
        metavar="NORM",
        default=0.0,
        help="scale each batch's gradient down to this global L2 norm where it is larger; 0 = off "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--ema",
        type=float,
        metavar="DECAY",
        default=0.0,
        help="keep an exponential moving average of the weights over the training steps (decay "
        "min(DECAY, (1 + s) / (10 + s)) at step s): the average is what each epoch scores and "
        "what is saved and quantized; 0 = off, else below 1 (default: %(default)s)",
    )
    parser.add_argument(
        "--mixup",
        type=float,
        metavar="ALPHA",
        default=0.0,
        help="mixup (Zhang et al. 2018): each batch trains on lam x + (1 - lam) x' of its "
        "examples and a shuffled copy, the loss weighted alike over both labels, lam ~ "
        "Beta(ALPHA, ALPHA) per batch; 0 = off (default: %(default)s)",
    )
    parser.add_argument(
        "--teacher",
        type=Path,
        metavar="RUNS",
        default=None,
        help="distil from the float model of an earlier run of this task on the same data: "
        "RUNS/<task>.pt, or with --cv-folds each fold's RUNS/cv/fold<k>/<task>.pt (its dims from "
        "the result file beside it)",
    )
    parser.add_argument(
        "--distill-weight",
        type=float,
        default=0.5,
        help="with --teacher: the loss is (1 - w) x cross-entropy + w x T^2 x KL(teacher || "
        "model) at temperature T (default: %(default)s)",
    )
    parser.add_argument(
        "--distill-temperature",
        type=float,
        default=2.0,
        help="with --teacher: the softmax temperature T of both (default: %(default)s)",
    )


def add_final_arguments(parser, unit):
    """--all-data and --cv-summary: how the shipped model is trained (unit: 'subject', 'speaker')."""
    parser.add_argument(
        "--all-data",
        action="store_true",
        help=f"train the shipped model: on every training {unit} (the validation ones included) "
        "for --epochs, nothing held out; its card carries the cross-validated figures of "
        "--cv-summary and an in-sample check",
    )
    parser.add_argument(
        "--cv-summary",
        type=Path,
        metavar="CV_JSON",
        help="with --all-data: the cv.json a --cv-folds run of the same recipe wrote",
    )


RECIPE_KEYS = (
    "epochs",
    "lr",
    "batch",
    "seed",
    "a_heads",
    "d_model",
    "d_state",
    "n_layers",
    "teacher",
    "distill_weight",
    "distill_temperature",
    "mixup",
    "ema",
    "weight_decay",
    "clip_grad",
    "label_smoothing",
    "qat_epochs",
    "search_passes",
    "range_candidates",
    "bias_correction",
)


def recipe(args, *extra_keys):
    """What makes a training run what it is (RECIPE_KEYS and the task's `extra_keys` of args), as
    JSON values: --cv-folds records it in cv.json and --all-data checks it against that file."""
    return json.loads(
        json.dumps({k: getattr(args, k) for k in RECIPE_KEYS + extra_keys}, default=str)
    )


def load_cv_summary(parser, args, this_recipe):
    """With --all-data: the --cv-summary file, refused (parser.error exits) if it is missing or was
    made with another recipe than this_recipe (`recipe`); a key the file lacks was at the parser's
    default then."""
    if not args.all_data:
        if args.cv_summary is not None:
            parser.error("--cv-summary goes with --all-data")
        return None
    if args.cv_summary is None:
        parser.error("--all-data needs --cv-summary: the cross-validated figures of the recipe")
    try:
        summary = json.loads(args.cv_summary.read_text())
    except (OSError, ValueError) as e:
        parser.error(f"--cv-summary {args.cv_summary}: {e}")
    if not isinstance(summary, dict) or not summary.get("folds"):
        parser.error(f"--cv-summary {args.cv_summary}: not a cv.json of --cv-folds")
    defaults = json.loads(json.dumps({k: parser.get_default(k) for k in this_recipe}))
    recorded = {k: summary.get(k, defaults[k]) for k in this_recipe}
    differ = [k for k, v in this_recipe.items() if recorded[k] != v]
    if differ:
        parser.error(
            f"--cv-summary {args.cv_summary} was made with another recipe: "
            + ", ".join(f"{k} {recorded[k]!r} there, {this_recipe[k]!r} now" for k in differ)
        )
    return summary


def model_dims(dims, args):
    """The task's dims with --d-model (d_inner 2D, dt_rank ceil(D/16), as Mamba's), --d-state and
    --n-layers applied."""
    dims = dict(dims)
    if args.d_model is not None:
        dims.update(d_model=args.d_model, d_inner=2 * args.d_model, dt_rank=-(-args.d_model // 16))
    if args.d_state is not None:
        dims["d_state"] = args.d_state
    if args.n_layers is not None:
        dims["n_layers"] = args.n_layers
    return dims


def check_model_arguments(parser, args, dims):
    """Refuse options the task's dims cannot take (parser.error exits)."""
    if args.d_model is not None and not 8 <= args.d_model <= MAX_D_MODEL:
        parser.error(f"--d-model must be 8 to {MAX_D_MODEL}")
    if args.d_state is not None and not 1 <= args.d_state <= MAX_D_STATE:
        parser.error(f"--d-state must be 1 to {MAX_D_STATE}")
    if args.n_layers is not None and not 1 <= args.n_layers <= MAX_LAYERS:
        parser.error(f"--n-layers must be 1 to {MAX_LAYERS}")
    if args.mixup < 0.0 or args.weight_decay < 0.0 or args.clip_grad < 0.0:
        parser.error("--mixup, --weight-decay and --clip-grad must be 0 (off) or above")
    if not 0.0 <= args.ema < 1.0:
        parser.error("--ema must be 0 (off) to below 1")
    if not 0.0 <= args.label_smoothing < 1.0:
        parser.error("--label-smoothing must be 0 (off) to below 1")
    if not 0.0 <= args.distill_weight <= 1.0 or args.distill_temperature <= 0.0:
        parser.error("--distill-weight must be 0 to 1 and --distill-temperature above 0")
    dims = model_dims(dims, args)
    if args.a_heads is not None and not (
        1 <= args.a_heads <= dims["d_inner"] and dims["d_inner"] % args.a_heads == 0
    ):
        parser.error(f"--a-heads must divide d_inner = {dims['d_inner']}")


def model_options(args):
    """The command-line options of args' architecture (add_model_arguments) and training loss
    (add_loss_arguments: label smoothing, weight decay, clipping, weight averaging, mixup,
    distillation) that are not at their defaults, for the cards' commands."""
    options = [
        f"--{name.replace('_', '-')} {getattr(args, name)}"
        for name in ("a_heads", "d_model", "d_state", "n_layers")
        if getattr(args, name) is not None
    ]
    if args.mixup > 0:
        options.append(f"--mixup {args.mixup:g}")
    if args.weight_decay != WEIGHT_DECAY:
        options.append(f"--weight-decay {args.weight_decay:g}")
    if args.clip_grad > 0:
        options.append(f"--clip-grad {args.clip_grad:g}")
    if args.ema > 0:
        options.append(f"--ema {args.ema:g}")
    if args.label_smoothing != LABEL_SMOOTHING:
        options.append(f"--label-smoothing {args.label_smoothing:g}")
    if args.teacher is not None:
        options += [
            f"--teacher {args.teacher}",
            f"--distill-weight {args.distill_weight:g}",
            f"--distill-temperature {args.distill_temperature:g}",
        ]
    return options


def training_line(args):
    """The model card's words for the optimisation (the same for both tasks)."""
    return (
        f"{args.epochs} epochs, AdamW {args.lr:g}, cosine schedule, label smoothing "
        f"{args.label_smoothing:g}, batch {args.batch}, seed {args.seed}"
        + (f", weight decay {args.weight_decay:g}" if args.weight_decay != WEIGHT_DECAY else "")
        + (f", gradient norm clipped at {args.clip_grad:g}" if args.clip_grad > 0 else "")
        + (f", weights averaged (EMA decay {args.ema:g})" if args.ema > 0 else "")
        + (f", mixup alpha {args.mixup:g}" if args.mixup > 0 else "")
    )


def random_crops(x, length, rng):
    """A random `length`-step part of each example of x (n, T, F), its own offset each (uniform
    over the T - length + 1 that fit): (n, length, F), the same type as x (numpy or torch)."""
    n, t = x.shape[:2]
    if not 1 <= length <= t:
        raise ValueError(f"crop of {length} steps from examples of {t}")
    starts = rng.integers(0, t - length + 1, size=n)
    return x[np.arange(n)[:, None], starts[:, None] + np.arange(length)]


def add_crop_argument(parser, unit, length, app_key):
    """--crop: train on a random part of each `length`-`unit` training example (`random_crops`),
    as the app scores windows of nf.config app_key."""
    parser.add_argument(
        "--crop",
        type=int,
        metavar=f"{unit.upper()}S",
        help=f"train (and fine-tune) on a random {unit.upper()}S-long part of each {length}-{unit} "
        f"training example, fresh every epoch, as the app scores windows of nf.config {app_key}; "
        "validation and calibration examples stay whole (default: train on whole examples)",
    )


def check_crop(parser, args, length, unit):
    """Refuse a --crop that does not fit a `length`-`unit` example (parser.error exits)."""
    if args.crop is not None and not 1 <= args.crop <= length:
        parser.error(f"--crop must be 1..{length} {unit}s")


def crop_line(crop, unit, example, qat):
    """The model card's words for --crop (empty without it); qat: fine-tuned too."""
    if crop is None:
        return ""
    return (
        f"; each epoch{' (and QAT)' if qat else ''} trains on a random {crop}-{unit} part of every "
        f"training {example} (from a reset state, as the app scores its windows)"
    )


def mixup_batch(x, labels, alpha, rng):
    """Mixup of one batch: (lam x + (1 - lam) x[perm], labels, labels[perm], lam) with lam ~
    Beta(alpha, alpha) and perm a random permutation, both drawn from the numpy rng; x (b, T, F)
    float tensor, labels (b,) int64 tensor."""
    lam = float(rng.beta(alpha, alpha))
    perm = torch.from_numpy(rng.permutation(len(labels)))
    return lam * x + (1.0 - lam) * x[perm], labels, labels[perm], lam


def ema_update(average, model, decay):
    """average <- decay x average + (1 - decay) x model, parameter by parameter (two models of the
    same dims): one step of the exponential moving average of the weights."""
    with torch.no_grad():
        for a, p in zip(average.parameters(), model.parameters()):
            a.lerp_(p, 1.0 - decay)


def distillation_loss(logits, teacher, x, temperature):
    """T^2 x KL(softmax(teacher(x) / T) || softmax(logits / T)), averaged over the batch."""
    with torch.no_grad():
        soft = torch.softmax(teacher(x) / temperature, -1)
    log_p = nnf.log_softmax(logits / temperature, -1)
    return nnf.kl_div(log_p, soft, reduction="batchmean") * temperature**2


def distillation(args, runs, name, data):
    """train_or_load's distill = (teacher, --distill-weight, --distill-temperature), or None
    without --teacher or with --quantize-only. The teacher (float, eval mode) of the model a run
    trains in `runs`: the checkpoint at the same place under args.teacher as runs is under
    args.runs, with the dims its result file records. data: the result fields that say what the
    run trains and scores on; a teacher whose result differs in any of them is refused (SystemExit):
    it was trained on other data, maybe on the examples this run holds out."""
    if args.teacher is None or args.quantize_only:
        return None
    where = args.teacher / runs.relative_to(args.runs)
    try:
        result = json.loads((where / f"{name}_result.json").read_text())
        state = torch.load(where / f"{name}.pt")
    except (OSError, ValueError) as e:
        raise SystemExit(f"--teacher {args.teacher}: {e}") from None
    differ = [
        f"{k} {result.get(k)!r} there, {v!r} here" for k, v in data.items() if result.get(k) != v
    ]
    if differ:
        raise SystemExit(f"--teacher {where}: trained on other data: " + ", ".join(differ))
    teacher = MambaNanoNet(**result["dims"])
    teacher.load_state_dict(state)
    return teacher.eval(), args.distill_weight, args.distill_temperature


def train_or_load(
    model,
    features_of_epoch,
    labels,
    x_val,
    y_val,
    *,
    epochs,
    lr,
    batch,
    rng,
    runs,
    name,
    quantize_only,
    weight_decay=WEIGHT_DECAY,
    clip_grad=0.0,
    label_smoothing=LABEL_SMOOTHING,
    mixup=0.0,
    ema=0.0,
    distill=None,
):
    """Train model in place, or with quantize_only load it: returns the curve
    [(epoch, mean training loss, float validation accuracy)].

    Training: AdamW (weight_decay) with a cosine schedule over epochs, each batch's gradient scaled
    down to a global L2 norm of clip_grad where larger (0: never), cross-entropy
    with label_smoothing, or with distill = (teacher, w, T) (`distillation`) (1 - w) x that + w x
    `distillation_loss` on the same batch; batches in an order drawn from rng; with mixup > 0
    each batch mixed (`mixup_batch`, its draws from rng too) and the cross-entropy weighted over
    both labels. With ema > 0 an exponential moving average of the weights follows the steps
    (`ema_update`, decay min(ema, (1 + s) / (10 + s)) at step s, so the random start fades fast):
    it is what each epoch scores and what the model holds at the end.
    features_of_epoch() is called at the start of each epoch and gives its float training features
    (n, T, F): the same tensor, or a fresh augmented copy; labels (n,) int64 tensor; x_val
    (m, T, F) float tensor, y_val (m,) numpy. The checkpoint runs/<name>.pt and runs/curve.json
    are written after training and read instead of it with quantize_only. The model is left in
    eval mode."""
    checkpoint, curve_path = runs / f"{name}.pt", runs / "curve.json"
    if quantize_only:
        model.load_state_dict(torch.load(checkpoint))
        model.eval()
        return json.loads(curve_path.read_text())
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    average = copy.deepcopy(model) if ema > 0 else None
    steps = 0
    curve = []
    t_start = time.time()
    for epoch in range(epochs):
        x = features_of_epoch()
        model.train()
        order = rng.permutation(len(labels))
        total = 0.0
        for i in tqdm(range(0, len(order), batch), desc=f"epoch {epoch + 1}", leave=False):
            idx = torch.from_numpy(order[i : i + batch])
            xb, y_a, y_b, lam = (
                mixup_batch(x[idx], labels[idx], mixup, rng)
                if mixup > 0
                else (x[idx], labels[idx], labels[idx], 1.0)
            )
            logits = model(xb)
            loss = lam * nnf.cross_entropy(logits, y_a, label_smoothing=label_smoothing)
            if lam < 1.0:
                loss = loss + (1.0 - lam) * nnf.cross_entropy(
                    logits, y_b, label_smoothing=label_smoothing
                )
            if distill is not None:
                teacher, weight, temperature = distill
                loss = (1 - weight) * loss + weight * distillation_loss(
                    logits, teacher, xb, temperature
                )
            opt.zero_grad()
            loss.backward()
            if clip_grad > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad)
            opt.step()
            if average is not None:
                ema_update(average, model, min(ema, (1 + steps) / (10 + steps)))
            steps += 1
            total += float(loss) * len(idx)
        sched.step()
        model.eval()
        scored = model if average is None else average.eval()
        with torch.no_grad():
            val_acc = float((scored(x_val).argmax(-1).numpy() == y_val).mean())
        curve.append((epoch + 1, total / len(labels), val_acc))
        print(
            f"epoch {epoch + 1}: loss {total / len(labels):.4f} val {val_acc:.4f} "
            f"({time.time() - t_start:.0f} s)"
        )
    if average is not None:
        model.load_state_dict(average.state_dict())
    torch.save(model.state_dict(), checkpoint)
    curve_path.write_text(json.dumps(curve))
    model.eval()
    return curve


def float_vs_int8(model, file_bytes, x_val, frames_val, y_val, class_names):
    """The float model (x_val (m, T, F) float tensor) and the model file through the C kernel
    (frames_val (m, T, F) int8, the same examples) on the validation labels y_val (m,): accuracy,
    per-class accuracy, INT8/float agreement and mean KL(float || INT8), the INT8 confusion matrix,
    the file size, the float model's parameter count and the INT8 evaluation time, as the result
    fields both training commands record. Also the accuracy of weight-only INT8: the model file's
    int8 weights (dequantized, `dequantized_model`: float biases, A as stored, D) with float
    activations and hidden state, in PyTorch; between it and INT8 lies exactly the cost of
    quantizing the activations and the state. (With quantization-aware fine-tuning the file's
    weights are the fine-tuned ones, so float -> weight-only includes the fine-tuning's effect.)"""
    with torch.no_grad():
        probs_f = torch.softmax(model(x_val), -1).numpy()  # (m, C)
        pred_w = dequantized_model(file_bytes)(x_val).argmax(-1).numpy()  # (m,)
    pred_f = probs_f.argmax(-1)
    kernel = Int8Model(file_bytes)
    t0 = time.time()
    logits_q = np.stack([kernel.run_sequence(x) for x in frames_val])  # (m, C)
    pred_q = logits_q.argmax(-1)
    return {
        "float_accuracy": float((pred_f == y_val).mean()),
        "int8_accuracy": float((pred_q == y_val).mean()),
        "weight_only_accuracy": float((pred_w == y_val).mean()),
        "float_per_class": per_class(y_val, pred_f, class_names),
        "int8_per_class": per_class(y_val, pred_q, class_names),
        "float_int8_agreement": float((pred_f == pred_q).mean()),
        "int8_kl": mean_kl(probs_f, logits_q),
        "int8_confusion": confusion(y_val, pred_q, len(class_names)).tolist(),
        "file_bytes": len(file_bytes),
        "params": sum(p.numel() for p in model.parameters()),
        "int8_eval_seconds": round(time.time() - t0, 1),
        "scored_examples": int(len(y_val)),
    }


def add_training_arguments(parser, *, epochs, examples):
    """The options both training commands take alike (examples: what --max-train counts)."""
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--max-train",
        type=int,
        default=None,
        help=f"train on at most this many (random) {examples}: for smoke runs",
    )
    parser.add_argument(
        "--quantize-only",
        action="store_true",
        help="skip training: calibrate, quantize and evaluate the checkpoint in --runs "
        "(with --cv-folds: each fold's in RUNS/cv/fold<k>)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=2,
        help="torch threads (default 2; 1 is much faster while other jobs share the cores)",
    )


def add_cv_arguments(parser, unit):
    """--cv-folds and --cv-resume (unit: 'subject', 'speaker')."""
    parser.add_argument(
        "--cv-folds",
        type=int,
        metavar="K",
        help=f"{unit}-grouped K-fold cross-validation over every training {unit} present "
        "(writes RUNS/cv, no weights)",
    )
    parser.add_argument(
        "--cv-resume",
        action="store_true",
        help="with --cv-folds: read the result of a fold an earlier run of the same recipe "
        "finished in RUNS/cv/fold<k> instead of training it again",
    )


def check_split_arguments(parser, args, max_folds, splits):
    """Refuse (parser.error exits) --cv-resume without --cv-folds or with --quantize-only, a
    --cv-folds outside 2..max_folds, and more than one of `splits` ({option: value}), the options
    that each choose the split."""
    if args.cv_resume and (not args.cv_folds or args.quantize_only):
        parser.error("--cv-resume goes with --cv-folds, without --quantize-only")
    if args.cv_folds is not None and not 2 <= args.cv_folds <= max_folds:
        parser.error(f"--cv-folds must be between 2 and {max_folds}")
    if sum(map(bool, splits.values())) > 1:
        names = list(splits)
        parser.error(f"{', '.join(names[:-1])} and {names[-1]} choose the split: one of them")


def run_cv_folds(args, name, folds, this_recipe, examples_key):
    """The --cv-folds loop of both training commands: for each fold, train (or with --cv-resume
    read) and score it, then write and return the cv_summary (RUNS/cv/cv.json). folds: per fold
    (held_out as its row records it, the line that says what it holds out, same_held_out(result)
    for finished_fold, fit_fold(fold_dir) -> the fold's result); name: the task's file stem (har,
    kws); examples_key: the result field that counts the held-out examples."""
    cv_dir = args.runs / "cv"
    rows = []
    for k, (held_out, what, same_held_out, fit_fold) in enumerate(folds):
        fold_dir = cv_dir / f"fold{k}"
        checkpoint = fold_dir / f"{name}.pt"
        if args.quantize_only and not checkpoint.exists():
            print(f"fold {k + 1}/{len(folds)}: no checkpoint {checkpoint}, skipped")
            continue
        print(f"fold {k + 1}/{len(folds)}: {what}")
        result = args.cv_resume and finished_fold(
            fold_dir / f"{name}_result.json", this_recipe, same_held_out
        )
        if not result:
            result = fit_fold(fold_dir)
        rows.append(cv_fold_row(k, held_out, result[examples_key], result))
    if not rows:
        raise SystemExit(
            f"--quantize-only: no fold checkpoint under {cv_dir} (train the folds first)"
        )
    return cv_summary(rows, cv_dir / "cv.json", quantize_only=args.quantize_only, **this_recipe)


FOLD_RESULT_KEYS = (
    "float_accuracy",
    "weight_only_accuracy",
    "int8_accuracy",
    "int8_per_class",
    "int8_confusion",
)


def finished_fold(result_path, this_recipe, same_held_out):
    """--cv-resume: the result an earlier run left at result_path if it holds out the same
    examples (same_held_out(result)) and was made by this_recipe (a result written before the
    recipe was recorded: its epochs, scalar-A heads and augmentation), else None."""
    if not result_path.is_file():
        return None
    result = json.loads(result_path.read_text())
    recorded = result.get("recipe") or {
        "epochs": result.get("epochs"),
        "a_heads": result.get("dims", {}).get("a_heads"),
        **({"augmentation": result["augmentation"]} if "augmentation" in result else {}),
    }
    differ = [k for k, v in recorded.items() if this_recipe.get(k) != v]
    missing = [k for k in FOLD_RESULT_KEYS if k not in result]
    if differ or missing or not same_held_out(result):
        why = (
            f"recipe differs in {', '.join(differ)}"
            if differ
            else f"an older result without {', '.join(missing)}"
            if missing
            else "other held-out examples"
        )
        print(f"{result_path}: not resumed ({why}): trained again")
        return None
    print(
        f"{result_path}: resumed"
        + (
            ""
            if "recipe" in result
            else f" (written before the recipe was: compared on {', '.join(recorded)})"
        )
    )
    return result


def print_result_line(result):
    """The headline of a training command's result (float_vs_int8's fields), one JSON line."""
    keys = (
        "float_accuracy",
        "int8_accuracy",
        "float_int8_agreement",
        "int8_kl",
        "file_bytes",
        "params",
    )
    print(json.dumps({k: result[k] for k in keys}))


def cv_fold_row(fold, held_out, examples, result):
    """One fold of a cross-validation: what it held out (`examples` of it) and how the model
    trained without it did (a training command's result dict): float, weight-only INT8 and INT8
    accuracy, the whole drop (float - INT8) and its part from quantizing activations and state
    (weight-only - INT8)."""
    return {
        "fold": fold,
        "held_out": held_out,
        "examples": examples,
        "float": result["float_accuracy"],
        "weight_only": result["weight_only_accuracy"],
        "int8": result["int8_accuracy"],
        "drop": result["float_accuracy"] - result["int8_accuracy"],
        "activation_drop": result["weight_only_accuracy"] - result["int8_accuracy"],
        "int8_per_class": result["int8_per_class"],
        "int8_confusion": result["int8_confusion"],
    }


CV_METRICS = tuple(CV_TABLE_COLUMNS.values())[2:]  # float, weight_only, int8, drop, activation_drop


def cv_summary(rows, path, **meta):
    """Mean, sd, min and max over folds of each of CV_METRICS (cv_fold_row), and the mean INT8
    recall per class; written to path (JSON) with meta, printed (a table), returned."""
    summary = {"folds": rows, **meta}
    for key in CV_METRICS:
        values = [r[key] for r in rows]
        summary[key] = {
            "mean": statistics.fmean(values),
            "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
            "min": min(values),
            "max": max(values),
        }
    classes = rows[0]["int8_per_class"]
    summary["int8_per_class_mean"] = {
        name: statistics.fmean(v for r in rows if (v := r["int8_per_class"][name]) is not None)
        for name in classes
        if any(r["int8_per_class"][name] is not None for r in rows)
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=1))
    print(cv_table(summary))
    print(
        "INT8 recall per class (mean over folds): "
        + ", ".join(f"{name} {100 * v:.1f} %" for name, v in summary["int8_per_class_mean"].items())
    )
    return summary


def cv_table(summary):
    """A cv_summary as a Markdown table: one row per fold, then mean ± sd and the worst fold's value
    (least accuracy, largest drop); accuracies in percent, drops in points."""
    head = tuple(CV_TABLE_COLUMNS)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in summary["folds"]:
        lines.append(
            f"| {r['fold']} | {r['examples']} | "
            + " | ".join(f"{100 * r[k]:.2f}" for k in CV_METRICS)
            + " |"
        )
    lines.append(
        "| mean ± sd | | "
        + " | ".join(
            f"{100 * summary[k]['mean']:.2f} ± {100 * summary[k]['sd']:.2f}" for k in CV_METRICS
        )
        + " |"
    )
    lines.append(
        "| worst | | "
        + " | ".join(f"{100 * summary[k]['max' if 'drop' in k else 'min']:.2f}" for k in CV_METRICS)
        + " |"
    )
    return "\n".join(lines)
