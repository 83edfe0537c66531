"""The model card written beside each shipped weights file (weights/<task>.md), from the result
dict the training command produces (runs/<task>/<task>_result.json) and, for a model trained on all
the data (--all-data), the cross-validated figures of its recipe (the --cv-folds cv.json)."""

import textwrap
from pathlib import Path

from .gen_board_config import config_int
from .training import cv_table


def _pct(x):
    return f"{x * 100:.2f} %"


CANDIDATE_NAMES = {
    "max": "the calibrated max |x|",
    "mse": "the range of least quantization MSE over the calibration |x| (`mse`)",
}


SEARCH_TEXT = (
    "greedy passes in network order keeping, per tensor, the candidate that minimises the mean "
    "KL(float ‖ INT8) of the C kernel's outputs on the calibration windows (training data only), "
    "with the other tensors' choices in place; passes until one changes nothing, at most "
    "`--search-passes`"
)


def _search_start(q):
    """The start of the range search as the card tells it (files quantized before the search
    recorded its start began at every tensor's max)."""
    start = q.get("search_start")
    if start is None:
        return "from every tensor at its max, "
    return (
        f"from every tensor at {start['method']} (the candidate best for all of them together, "
        f"KL {start['loss']:.4f}), "
    )


def _candidates(methods):
    """Range candidate names (quantize.RANGE_CANDIDATES) -> a phrase."""
    names = [CANDIDATE_NAMES.get(m, f"the {m[1:]}th percentile of |x| (`{m}`)") for m in methods]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _finetune_lines(tuning):
    """The card's paragraph on quantization-aware fine-tuning (quantize.post_training_quantize)."""
    if tuning is None:
        return [
            "- No quantization-aware fine-tuning: the trained float weights are quantized as they are."
        ]
    return textwrap.wrap(
        f"- Quantization-aware fine-tuning: {tuning['epochs']} epochs over the {tuning['examples']:,} training "
        f"examples (AdamW {tuning['lr']:g}, cosine schedule) from the trained float model, every weight "
        "rounded per output row and every int8 activation at the ranges above in the forward pass "
        "(straight-through gradients); the file holds the fine-tuned weights. The float accuracy above is "
        "the trained model's, before fine-tuning.",
        width=100,
        subsequent_indent="  ",
    )


def _bias_correction_lines(corrections):
    """The card's bias-correction paragraph and table (corrections from quantize.correct_biases)."""
    if corrections is None:
        return ["- Biases: no bias correction."]
    lines = [
        "- Biases: empirical bias correction (Nagel et al. 2019). Layer by layer in network order,",
        "  the mean per output channel of (INT8 − float) over the calibration windows, as a PyTorch twin of",
        "  the kernel's rounding shows it before rounding, is subtracted from the layer's bias; a layer's",
        "  correction is kept only if it lowers the C kernel's KL on the calibration windows.",
        "",
        "| layer | kept | mean abs shift | KL after |",
        "|---|---|---|---|",
    ]
    return lines + [
        f"| {k} | {'yes' if v['kept'] else 'no'} | {v['mean_abs_shift']:.3g} | {v['loss']:.4f} |"
        for k, v in corrections.items()
    ]


def _met(ok):
    return "met" if ok else "**not met**"


def _confusion_lines(conf, names, what):
    """A confusion matrix (rows true, columns predicted) as a Markdown table under a `what` line."""
    return [
        "",
        f"{what} (rows true, columns predicted, same class order):",
        "",
        "| | " + " | ".join(n[:5] for n in names) + " |",
        "|---|" + "---|" * len(names),
        *(
            "| " + names[i] + " | " + " | ".join(str(v) for v in row) + " |"
            for i, row in enumerate(conf)
        ),
    ]


def _validation_lines(d, names, targets):
    """The accuracy section of a model trained without its validation split (result d)."""
    min_acc, max_drop = targets
    drop = (d["float_accuracy"] - d["int8_accuracy"]) * 100
    return [
        "## Accuracy on the validation split",
        "",
        "Float = PyTorch; INT8 = the C kernel through the shared library (the code the device runs).",
        "",
        "| | float | INT8 |",
        "|---|---|---|",
        f"| accuracy | {_pct(d['float_accuracy'])} | {_pct(d['int8_accuracy'])} |",
        *(
            f"| {c} | {_pct(d['float_per_class'][c])} | {_pct(d['int8_per_class'][c])} |"
            for c in names
        ),
        "",
        f"Targets: INT8 ≥ {min_acc:.0f} % {_met(d['int8_accuracy'] * 100 >= min_acc)} "
        f"({_pct(d['int8_accuracy'])}); drop from float ≤ {max_drop} pt {_met(drop <= max_drop)} "
        f"({drop:.2f} pt). INT8 and float agree on {_pct(d['float_int8_agreement'])} of the validation "
        f"examples; mean KL(float ‖ INT8) {d['int8_kl']:.4f}.",
        *_confusion_lines(d["int8_confusion"], names, "INT8 confusion"),
    ]


def _cv_lines(d, cv, names, targets, unit):
    """The accuracy section of a model trained on all the data (result d: scored on its own training
    data) from the cross-validation of its recipe (cv: a cv_summary)."""
    min_acc, max_drop = targets
    int8, drop = cv["int8"]["mean"] * 100, cv["drop"]["mean"] * 100
    lines = [
        f"## Accuracy on new {unit}s: {len(cv['folds'])}-fold cross-validation of this recipe",
        "",
        *textwrap.wrap(
            f"This model was trained on every training {unit}, so nothing is left to score it on. "
            f"What predicts new {unit}s is the same recipe cross-validated: each fold's model trained "
            f"on the other folds' {unit}s and scored on its own, which it never met. Float = PyTorch; "
            "weight-only INT8 = the file's int8 weights with float activations and state; INT8 = the C "
            "kernel through the shared library (the code the device runs). Columns: accuracy in %, "
            "drops in points.",
            width=100,
        ),
        "",
        cv_table(cv),
        "",
        "INT8 recall per class, mean over folds: "
        + ", ".join(f"{c} {_pct(v)}" for c, v in cv["int8_per_class_mean"].items())
        + ".",
        "",
        f"Targets (cross-validated): INT8 ≥ {min_acc:.0f} % {_met(int8 >= min_acc)} ({int8:.2f} %); "
        f"drop from float ≤ {max_drop} pt {_met(drop <= max_drop)} ({drop:.2f} pt).",
    ]
    if all("int8_confusion" in r for r in cv["folds"]):
        total = [
            [sum(r["int8_confusion"][i][j] for r in cv["folds"]) for j in range(len(names))]
            for i in range(len(names))
        ]
        lines += _confusion_lines(total, names, "INT8 confusion summed over the held-out folds")
    lines += [
        "",
        "## In-sample check",
        "",
        *textwrap.wrap(
            f"On its own training data ({d['scored_examples']:,} examples) this file scores "
            f"{_pct(d['int8_accuracy'])} INT8 ({_pct(d['float_accuracy'])} float): not a measure of "
            "new people, a guard against a kernel, front-end or weights change that breaks the model "
            "(`tools/python/tests/test_weights.py` fails one point below it).",
            width=100,
        ),
    ]
    return lines


def app_window_line(trained, unit, window_key, streams_key):
    """The card's window line: the `trained`-`unit` (20 ms each: an IMU sample or an audio hop)
    windows of training and the app's (nf.config window_key, scored every window / streams_key)."""
    window = config_int(window_key)
    stride = window // config_int(streams_key)
    return (
        f"trained and cross-validated on {trained}-{unit} windows ({trained * 0.02:g} s); the app "
        f"scores {window} {unit}s ({window * 0.02:g} s, nf.config {window_key}) from a reset "
        f"state, mean-pooled, one window every {stride} {unit}s"
    )


def write_model_card(
    path,
    result,
    *,
    title,
    task_line,
    input_line,
    window_line,
    data_line,
    split_line,
    training_line,
    targets,
    reproduce,
    cv=None,
    unit=None,
):
    """targets: (min INT8 accuracy, max drop in points); reproduce: command lines; cv: for a model
    trained on all the data (--all-data), the cv_summary of its recipe, and unit what its folds
    hold out ('subject', 'speaker')."""
    d, q = result, result["quantization"]
    layer = q["layers"][0]
    dims = d["dims"]
    names = list(d["float_per_class"])
    lines = [
        f"# {title}",
        "",
        "| | |",
        "|---|---|",
        f"| task | {task_line} |",
        f"| input | {input_line} |",
        f"| window | {window_line} |",
        f"| architecture | F {dims['n_features']} → D {dims['d_model']}, {dims['n_layers']} Mamba block(s) "
        f"(E {dims['d_inner']}, N {dims['d_state']}, R {dims['dt_rank']}, K {dims['d_conv']}"
        + (f", scalar-A heads H {dims['a_heads']}" if dims.get("a_heads") else "")
        + ") → mean pool → "
        f"{dims['n_classes']} classes |",
        f"| parameters | {d['params']:,} |",
        f"| file | {d['file_bytes']:,} bytes (limit 40 KB) |",
        f"| data | {data_line} |",
        f"| split | {split_line} |",
        f"| training | {training_line} |",
    ]
    lines += [""] + (
        _cv_lines(d, cv, names, targets, unit)
        if cv is not None
        else _validation_lines(d, names, targets)
    )
    lines += [
        "",
        "## Quantization (chosen per tensor)",
        "",
        "- Weights: int8, symmetric, one scale per output channel (every linear and the depthwise conv).",
        *textwrap.wrap(
            "- Activations: int8, symmetric, one scale per tensor = range / 127. Each tensor's range was "
            f"chosen among {_candidates(q['range_candidates'])} by measured effect: "
            + _search_start(q)
            + SEARCH_TEXT
            + f" ({q['search_passes']} run).",
            width=100,
            subsequent_indent="  ",
        ),
        "",
        "| tensor | chosen | range | KL after |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {k} | {v['method']} | {v['range']:.4g} | {v['loss']:.4f} |"
        for k, v in q["activations"].items()
    ]
    lines += [
        "",
        f"- Δ (softplus output): uint16 with {layer['delta_frac_bits']} fractional bits; "
        "A as A2 = −A·log2(e) in uint16 "
        f"with {layer['a2_frac_bits']} fractional bits; exp(ΔA) = 2^(−Δ·A2) through the Q10 exp2 table "
        f"(exp_shift {layer['exp_shift']}).",
        "- Hidden state: int16, one scale per channel = headroom × its max |h| / 32767, "
        + (
            "the max calibrated with the activations"
            if q.get("state_examples") is None
            else f"the max measured after the changes below, through the INT8 twin of the file "
            f"(rounded activations), on {q['state_examples']:,} training examples"
        )
        + "; the headroom chosen like the activation ranges (the `h[l]` rows above; "
        f"scales {layer['state_scale_min']:.3g} … {layer['state_scale_max']:.3g}).",
        "- SiLU and softplus: 256-entry tables over the int8 input grid.",
        *_finetune_lines(q["finetune"]),
        *_bias_correction_lines(q["bias_correction"]),
        "",
        "## Reproduce",
        "",
        "```",
        *reproduce,
        "```",
        "",
        *(
            []
            if cv is not None
            else [
                "`tools/python/tests/test_weights.py` fails if the INT8 accuracy on the validation "
                "split drops more than one",
                "point below the figure above.",
            ]
        ),
        "",
    ]
    Path(path).write_text("\n".join(lines))
