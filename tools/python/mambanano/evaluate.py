"""Score a MambaNano model file on data of your own: INT8 accuracy through the C kernel, as JSON.

    tools/mambanano evaluate --weights weights/har.mnm --data ../shared/data/hapt [--subjects 3,7]
    tools/mambanano evaluate --weights weights/kws.mnm --data ../shared/data/speech_commands [--split val]
                                       [--speakers ID,ID]

HAR: a folder in the HAPT layout (RawData/acc_*, gyro_*, labels.txt); UCI HAR windows of the
chosen subjects (default: every subject in the folder).
KWS: a folder in the Speech Commands layout (the 12-class test set, or a full download whose other
words count as _unknown_ and whose _background_noise_ is cut into 1 s silence clips); every clip
(default), or the training or validation speakers of data_kws's speaker split (--split), or the
clips of the speakers named (--speakers, within the split).
The task is read from the model file, after the C loader has validated it; a model that cannot be
used (unreadable, refused by the loader, wrong front-end or classes) or data that cannot be read
ends the tool with one line on stderr and exit status 1, never with a metric.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from mambanano import data_har, data_kws
from mambanano import model_file as mf
from mambanano.data import dataset_dir
from mambanano.kernel import Int8Model, KernelError
from mambanano.model_check import ModelError, read_checked
from mambanano.report import per_class

PROG = "mambanano evaluate"


def per_class_counts(y, pred, class_names):
    """{class name: {"n": its examples, "recall": report.per_class's figure}}; y, pred (n,) ids."""
    recall = per_class(y, pred, class_names)
    return {
        name: {"n": int((y == c).sum()), "recall": recall[name]}
        for c, name in enumerate(class_names)
    }


def evaluate_har(model_bytes, data, subjects=None):
    recs = data_har.load_recordings(data)
    present = set(data_har.subjects_in(recs))
    chosen = set(subjects) if subjects else present
    if chosen - present:
        raise ValueError(f"subjects {sorted(chosen - present)} have no recordings in {data}")
    x, y = data_har.windows(recs, chosen)
    if len(y) == 0:
        raise ValueError(f"no windows of activities 1-6 for subjects {sorted(chosen)} in {data}")
    kernel = Int8Model(model_bytes)
    pred = np.array([int(np.argmax(kernel.run_sequence(w))) for w in x])
    names = data_har.CLASS_NAMES
    return {
        "task": "HAR",
        "subjects": sorted(chosen),
        "n": int(len(y)),
        "accuracy": float((pred == y).mean()),
        "per_class": per_class_counts(y, pred, names),
    }


def select_clips(data, split="all", speakers=None, keep_silence=True):
    """The clips of a Speech Commands folder that a KWS evaluation scores: every clip (split "all")
    or those of data_kws's "train" or "val" speakers, then only those of `speakers` if given
    (silence clips have no speaker: kept if keep_silence, e.g. as a stream's background noise).
    ValueError if none is left."""
    clips = data_kws.list_clips(data)
    if split != "all":
        clips = data_kws.split(clips)[("train", "val").index(split)]
    if speakers:
        wanted = set(speakers)
        missing = wanted - {c.group for c in clips}
        if missing:
            raise ValueError(
                f"speakers {sorted(missing)} have no clips of split {split!r} in {data}"
            )
        clips = [
            c for c in clips if c.group in wanted or (keep_silence and c.label == data_kws.SILENCE)
        ]
    if not clips:
        raise ValueError(f"no clips of split {split!r} in {data}")
    return clips


def evaluate_kws(model_bytes, data, split="all", speakers=None):
    """INT8 accuracy of a KWS model file on the clips of a Speech Commands folder: every clip
    (split "all") or those of data_kws's "train" or "val" speakers (see select_clips)."""
    header, tensors = mf.read_model_file(model_bytes)
    names = mf.class_names_list(tensors[(mf.TensorKind.CLASS_NAMES, 0)])
    if header["frontend"] != mf.Frontend.LOGMEL or names != data_kws.CLASS_NAMES:
        raise ValueError(
            f"front-end {mf.Frontend(header['frontend']).name}, classes {names}: "
            f"a KWS model needs LOGMEL and {data_kws.CLASS_NAMES}"
        )
    clips = select_clips(data, split, speakers, keep_silence=not speakers)
    x, y = data_kws.features(data_kws.load_pcm(clips)), data_kws.labels(clips)
    kernel = Int8Model(model_bytes)
    pred = np.array([int(np.argmax(kernel.run_sequence(clip))) for clip in x])
    return {
        "task": "KWS",
        "split": split,
        "n": int(len(y)),
        "speakers": len({c.group for c in clips if c.label != data_kws.SILENCE}),
        "accuracy": float((pred == y).mean()),
        "per_class": per_class_counts(y, pred, names),
    }


def subject_list(text):
    """'3,7,15' -> [3, 7, 15] (argparse type)."""
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected subject numbers like 3,7,15, got {text!r}"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected subject numbers >= 1 like 3,7,15, got {text!r}")
    return values


def speaker_list(text):
    """'0a7c2a8d,0b09edd3' -> ['0a7c2a8d', '0b09edd3'] (argparse type)."""
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values:
        raise argparse.ArgumentTypeError("expected speaker ids like 0a7c2a8d,0b09edd3")
    return values


def add_data_options(ap, task, subjects_default=None, split_default="all"):
    """The data-selection options every evaluator takes: --subjects (HAR); --split, --speakers (KWS)."""
    if task == "HAR":
        ap.add_argument(
            "--subjects",
            type=subject_list,
            default=subjects_default,
            help="HAPT subjects to score, comma-separated (default: "
            + (
                ",".join(map(str, subjects_default))
                if subjects_default
                else "every subject in the folder"
            )
            + ")",
        )
    else:
        ap.add_argument(
            "--split",
            choices=("all", "train", "val"),
            default=split_default,
            help=f"every clip, or the training / validation speakers of the speaker split (default: {split_default})",
        )
        ap.add_argument(
            "--speakers",
            type=speaker_list,
            default=None,
            help="only these speakers' clips (ids as in <speaker>_nohash_<n>.wav), within --split",
        )


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--weights",
        type=Path,
        required=True,
        help="the model file (.mnm); its task chooses HAR or KWS",
    )
    ap.add_argument(
        "--data",
        type=Path,
        default=None,
        help="a HAPT folder (RawData/) for a HAR model, a Speech Commands folder for a KWS model "
        "(default: the hapt or speech_commands data set, see `tools/mambanano data where`)",
    )
    add_data_options(ap, "HAR")
    add_data_options(ap, "KWS")
    args = ap.parse_args(argv)
    try:
        model_bytes, header = read_checked(args.weights)
        if header["task"] == mf.Task.HAR:
            result = evaluate_har(model_bytes, args.data or dataset_dir("hapt"), args.subjects)
        else:
            result = evaluate_kws(
                model_bytes, args.data or dataset_dir("speech_commands"), args.split, args.speakers
            )
    except (ModelError, KernelError, ValueError, OSError) as e:
        sys.exit(f"{PROG}: {e}")
    print(json.dumps(result, allow_nan=False))
    return 0
