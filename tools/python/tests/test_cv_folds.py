"""--cv-folds of train_har.py (subject folds) and train_kws.py (speaker folds): the yardstick of the
accuracy issue scores every subject or speaker exactly once, by a model trained without them."""

from pathlib import Path

import pytest

from mambanano import train_har

SUBJECTS = [1, 3, 5, 6, 7, 8, 11, 14, 15, 16, 17, 19, 21, 22, 23, 25, 26, 27, 28, 29, 30]


@pytest.mark.parametrize("k", [2, 3, 5, 7, 21])
def test_folds_are_subject_disjoint_and_score_every_subject_once(k):
    folds = train_har.subject_folds(SUBJECTS, k)
    assert len(folds) == k
    flat = [s for fold in folds for s in fold]
    assert sorted(flat) == SUBJECTS, "every subject held out exactly once"
    assert max(map(len, folds)) - min(map(len, folds)) <= 1, "folds as even as the subjects allow"


def test_folds_are_fixed_whatever_the_order_or_training_seed():
    """The same folds for every run, so a run with another --seed compares pairwise; fold 0 is the
    one the recorded runs and model cards hold out (the README's HAR tables)."""
    folds = train_har.subject_folds(SUBJECTS, 5)
    assert folds == train_har.subject_folds(list(reversed(SUBJECTS)), 5)
    assert folds[0] == (15, 17, 21, 25, 30)


def _clips(n_speakers=60, per_speaker=3):
    from mambanano import data_kws

    return [
        data_kws.Clip(Path(f"yes/s{s:03d}_nohash_{i}.wav"), 0, f"s{s:03d}")
        for s in range(n_speakers)
        for i in range(per_speaker)
    ]


@pytest.mark.parametrize("k", [3, 5])
def test_kws_folds_hold_out_every_clip_once_and_keep_speakers_together(k):
    from mambanano import data_kws

    clips = _clips()
    held = [data_kws.cv_split(clips, k, fold)[1] for fold in range(k)]
    assert sorted(c.path for fold in held for c in fold) == sorted(c.path for c in clips)
    for fold in range(k):
        train, held_out = data_kws.cv_split(clips, k, fold)
        assert not {c.group for c in train} & {c.group for c in held_out}, "speaker-disjoint"
        assert len(train) + len(held_out) == len(clips)
    assert all(held), "no empty fold with 60 speakers"


def _results():
    """Two folds' training results, as far as cv_fold_row reads them."""
    return [
        {
            "float_accuracy": f,
            "weight_only_accuracy": w,
            "int8_accuracy": q,
            "int8_per_class": {"a": q, "b": None},
            "int8_confusion": [[8, 2], [1, 9]],
        }
        for f, w, q in ((0.90, 0.89, 0.80), (0.80, 0.81, 0.79))
    ]


def test_cv_summary_splits_the_drop_into_weights_and_activations(tmp_path):
    from mambanano.training import cv_fold_row, cv_summary, cv_table

    results = _results()
    rows = [cv_fold_row(k, [k], 100, r) for k, r in enumerate(results)]
    assert rows[0]["drop"] == pytest.approx(0.10) and rows[0]["activation_drop"] == pytest.approx(
        0.09
    )
    summary = cv_summary(rows, tmp_path / "cv.json", epochs=1)
    assert summary["weight_only"]["mean"] == pytest.approx(0.85)
    assert summary["activation_drop"]["max"] == pytest.approx(0.09)
    assert summary["int8_per_class_mean"] == {"a": pytest.approx(0.795)}
    lines = cv_table(summary).splitlines()
    assert len(lines) == 2 + len(rows) + 2
    assert lines[-2].startswith("| mean ± sd |") and "85.00 ± 5.66" in lines[-2]
    assert lines[-1] == "| worst | | 80.00 | 81.00 | 79.00 | 10.00 | 9.00 |"


def _har_parser_and_args(argv):
    """train_har's parser and the args of argv."""
    parser = train_har.parser()
    return parser, parser.parse_args(argv)


def _cv_file(tmp_path, argv, **changes):
    """A cv.json as `train --task har ARGV --cv-folds` writes it, with recipe `changes`."""
    from mambanano.training import cv_fold_row, cv_summary

    _, args = _har_parser_and_args(argv)
    rows = [cv_fold_row(k, [k], 100, r) for k, r in enumerate(_results())]
    meta = {**train_har.har_recipe(args), **changes}
    cv_summary(rows, tmp_path / "cv.json", quantize_only=False, **meta)
    return tmp_path / "cv.json"


def test_all_data_takes_the_cv_summary_of_its_own_recipe(tmp_path):
    from mambanano.training import load_cv_summary

    argv = ["--epochs", "7", "--aug-warp", "0.2"]
    path = _cv_file(tmp_path, argv)
    parser, args = _har_parser_and_args(argv + ["--all-data", "--cv-summary", str(path)])
    summary = load_cv_summary(parser, args, train_har.har_recipe(args))
    assert summary["epochs"] == 7 and len(summary["folds"]) == 2


@pytest.mark.parametrize(
    "final_argv, needle",
    [
        (["--epochs", "8"], "epochs 7 there, 8 now"),
        (["--epochs", "7", "--aug-rotation-deg", "15"], "rotation_deg"),
        (["--epochs", "7", "--no-augment"], "augmentation"),
        (["--epochs", "7", "--a-heads", "8"], "a_heads"),
    ],
)
def test_all_data_refuses_the_cv_summary_of_another_recipe(tmp_path, capsys, final_argv, needle):
    from mambanano.training import load_cv_summary

    path = _cv_file(tmp_path, ["--epochs", "7"])
    parser, args = _har_parser_and_args(final_argv + ["--all-data", "--cv-summary", str(path)])
    with pytest.raises(SystemExit):
        load_cv_summary(parser, args, train_har.har_recipe(args))
    assert needle in capsys.readouterr().err


def test_a_key_the_cv_summary_lacks_was_at_its_default(tmp_path):
    import json

    from mambanano.training import load_cv_summary

    path = _cv_file(tmp_path, ["--epochs", "7"])
    data = json.loads(path.read_text())
    del data["lr"], data["search_passes"]  # written before these were recorded
    path.write_text(json.dumps(data))
    parser, args = _har_parser_and_args(["--epochs", "7", "--all-data", "--cv-summary", str(path)])
    assert load_cv_summary(parser, args, train_har.har_recipe(args)) is not None
    parser, args = _har_parser_and_args(
        ["--epochs", "7", "--lr", "0.01", "--all-data", "--cv-summary", str(path)]
    )
    with pytest.raises(SystemExit):
        load_cv_summary(parser, args, train_har.har_recipe(args))


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--all-data"], "--all-data needs --cv-summary"),
        (["--cv-summary", "x.json"], "--cv-summary goes with --all-data"),
        (["--all-data", "--cv-summary", "/nonexistent/cv.json"], "No such file"),
    ],
)
def test_all_data_and_cv_summary_go_together(capsys, argv, message):
    from mambanano.training import load_cv_summary

    parser, args = _har_parser_and_args(argv)
    with pytest.raises(SystemExit):
        load_cv_summary(parser, args, train_har.har_recipe(args))
    assert message in capsys.readouterr().err


def test_model_card_of_an_all_data_model_shows_the_cross_validation(tmp_path):
    import json

    from mambanano.model_card import write_model_card

    cv = json.loads(_cv_file(tmp_path, ["--epochs", "7"]).read_text())
    result = {
        **_results()[0],
        "float_per_class": {"a": 0.9, "b": 0.8},
        "scored_examples": 1234,
        "dims": {k: 1 for k in ("n_features", "d_model", "d_inner", "d_state", "dt_rank")}
        | {"d_conv": 4, "n_layers": 1, "n_classes": 2},
        "params": 10,
        "file_bytes": 100,
        "quantization": {
            "layers": [
                {
                    "delta_frac_bits": 8,
                    "a2_frac_bits": 8,
                    "exp_shift": 1,
                    "state_scale_min": 0.1,
                    "state_scale_max": 0.2,
                }
            ],
            "range_candidates": ["max", "p99.9"],
            "search_passes": 1,
            "activations": {},
            "finetune": None,
            "bias_correction": None,
        },
    }
    card = tmp_path / "card.md"
    lines = dict(task_line="t", input_line="i", window_line="w", data_line="d", split_line="s")

    def card_text():
        write_model_card(
            card,
            result,
            title="T",
            training_line="tr",
            targets=(79, 0.5),
            reproduce=["x"],
            cv=cv,
            unit="subject",
            **lines,
        )
        return " ".join(card.read_text().split())  # the text, unwrapped

    text = card_text()
    assert "2-fold cross-validation of this recipe" in text
    assert "| mean ± sd |" in text and "| worst |" in text
    assert "INT8 ≥ 79 % met (79.50 %)" in text, "targets judged on the cross-validated mean"
    assert "drop from float ≤ 0.5 pt **not met** (5.50 pt)" in text
    assert "| a | 16 | 4 |" in text, "confusion summed over the folds"
    assert "1,234 examples" in text and "80.00 % INT8" in text, "the in-sample check"
    assert "Accuracy on the validation split" not in text
    assert "from every tensor at its max, greedy passes" in text

    result["quantization"]["search_start"] = {"method": "p99.9", "loss": 0.0123}
    assert (
        "from every tensor at p99.9 (the candidate best for all of them together, KL 0.0123)"
        in card_text()
    )


def test_cv_resume_reads_only_a_finished_fold_of_the_same_recipe(tmp_path, capsys):
    import json

    from mambanano.training import finished_fold

    _, args = _har_parser_and_args(["--epochs", "7", "--augment"])
    recipe = train_har.har_recipe(args)
    path = tmp_path / "har_result.json"
    same = lambda r: r["val_subjects"] == [1, 3]  # noqa: E731
    assert finished_fold(path, recipe, same) is None, "no result yet"

    result = {**_results()[0], "val_subjects": [1, 3], "recipe": recipe}
    path.write_text(json.dumps(result))
    assert finished_fold(path, recipe, same) == result
    assert finished_fold(path, {**recipe, "epochs": 8}, same) is None
    assert "recipe differs in epochs" in capsys.readouterr().out
    assert finished_fold(path, recipe, lambda r: r["val_subjects"] == [1, 4]) is None
    assert "other held-out examples" in capsys.readouterr().out

    del result["recipe"]  # written before the recipe was recorded: epochs, heads, augmentation
    result.update(epochs=7, dims={"a_heads": None}, augmentation=recipe["augmentation"])
    path.write_text(json.dumps(result))
    assert finished_fold(path, recipe, same) == result
    assert finished_fold(path, {**recipe, "augmentation": None}, same) is None
    del result["weight_only_accuracy"]
    path.write_text(json.dumps(result))
    assert finished_fold(path, recipe, same) is None
    assert "an older result without weight_only_accuracy" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv", [["--cv-resume"], ["--cv-folds", "5", "--cv-resume", "--quantize-only"]]
)
def test_cv_resume_goes_with_cv_folds_only(capsys, argv):
    with pytest.raises(SystemExit):
        train_har.main(argv)
    assert "--cv-resume goes with --cv-folds" in capsys.readouterr().err


def test_quantize_only_without_fold_checkpoints_is_one_line(tmp_path, capsys):
    from mambanano.training import run_cv_folds

    _, args = _har_parser_and_args(["--cv-folds", "2", "--quantize-only", "--runs", str(tmp_path)])
    folds = [((k,), f"fold {k}", None, None) for k in range(2)]
    with pytest.raises(SystemExit, match="no fold checkpoint under"):
        run_cv_folds(args, "har", folds, train_har.har_recipe(args), "val_windows")
    assert capsys.readouterr().out.count("no checkpoint") == 2


def test_d_model_sets_the_width_as_mamba_does_and_is_part_of_the_recipe(capsys):
    from mambanano.training import model_dims

    _, args = _har_parser_and_args(["--d-model", "40"])
    dims = model_dims(train_har.DIMS, args)
    assert (dims["d_model"], dims["d_inner"], dims["dt_rank"]) == (40, 80, 3)
    assert model_dims(train_har.DIMS, _har_parser_and_args([])[1]) == train_har.DIMS
    assert train_har.har_recipe(args)["d_model"] == 40
    assert "--d-model 40" in train_har.recipe_options(args)
    with pytest.raises(SystemExit):
        train_har.main(["--d-model", "200"])
    assert "--d-model must be 8 to 128" in capsys.readouterr().err


@pytest.mark.parametrize(
    "option, key, value, too_large, limit",
    [("--d-state", "d_state", 4, 33, 32), ("--n-layers", "n_layers", 2, 5, 4)],
)
def test_state_size_and_depth_set_the_dims_and_are_part_of_the_recipe(
    capsys, option, key, value, too_large, limit
):
    from mambanano.training import model_dims

    _, args = _har_parser_and_args([option, str(value), "--d-model", "16"])
    dims = model_dims(train_har.DIMS, args)
    assert (dims[key], dims["d_model"], dims["d_inner"], dims["dt_rank"]) == (value, 16, 32, 1)
    assert train_har.har_recipe(args)[key] == value
    assert f"{option} {value}" in train_har.recipe_options(args)
    with pytest.raises(SystemExit):
        train_har.main([option, str(too_large)])
    assert f"{option} must be 1 to {limit}" in capsys.readouterr().err
