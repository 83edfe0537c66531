"""Score a MambaNano model file on data of your own: INT8 accuracy through the C kernel, as JSON.

    /usr/bin/python3 tools/evaluate.py --weights weights/har.mnm --data ../shared/data/hapt [--subjects 3,7]
    /usr/bin/python3 tools/evaluate.py --weights weights/kws.mnm --data ../shared/data/speech_commands [--split val]

HAR: a folder in the HAPT layout (RawData/acc_*, gyro_*, labels.txt); UCI HAR windows of the
chosen subjects (default: every subject in the folder).
KWS: a folder in the Speech Commands layout (the 12-class test set, or a full download whose other
words count as _unknown_ and whose _background_noise_ is cut into 1 s silence clips); every clip
(default), or the training or validation speakers of data_kws's speaker split (--split).
The task is read from the model file.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

from mambanano import data_har, data_kws
from mambanano import model_file as mf
from mambanano.kernel import Int8Model


def evaluate_har(model_bytes, data, subjects=None):
    recs = data_har.load_recordings(data)
    chosen = set(subjects) if subjects else set(data_har.subjects_in(recs))
    x, y = data_har.windows(recs, chosen)
    if len(y) == 0:
        raise ValueError(f"no windows of activities 1-6 for subjects {sorted(chosen)} in {data}")
    kernel = Int8Model(model_bytes)
    pred = np.array([int(np.argmax(kernel.run_sequence(w))) for w in x])
    names = data_har.CLASS_NAMES
    return {
        "task": "HAR", "subjects": sorted(chosen), "n": int(len(y)),
        "accuracy": float((pred == y).mean()),
        "per_class": {names[c]: {"n": int((y == c).sum()),
                                 "recall": float((pred[y == c] == c).mean()) if (y == c).any() else None}
                      for c in range(len(names))},
    }


def evaluate_kws(model_bytes, data, split="all"):
    """INT8 accuracy of a KWS model file on the clips of a Speech Commands folder: every clip
    (split "all") or those of data_kws's "train" or "val" speakers."""
    header, tensors = mf.read_model_file(model_bytes)
    names = mf.class_names_list(tensors[(mf.TensorKind.CLASS_NAMES, 0)])
    if header["frontend"] != mf.Frontend.LOGMEL or names != data_kws.CLASS_NAMES:
        raise ValueError(f"front-end {mf.Frontend(header['frontend']).name}, classes {names}: "
                         f"a KWS model needs LOGMEL and {data_kws.CLASS_NAMES}")
    clips = data_kws.list_clips(data)
    if split != "all":
        clips = data_kws.split(clips)[("train", "val").index(split)]
    if not clips:
        raise ValueError(f"no clips of split {split!r} in {data}")
    x, y = data_kws.features(data_kws.load_pcm(clips)), data_kws.labels(clips)
    kernel = Int8Model(model_bytes)
    pred = np.array([int(np.argmax(kernel.run_sequence(clip))) for clip in x])
    return {
        "task": "KWS", "split": split, "n": int(len(y)),
        "speakers": len({c.group for c in clips if c.label != data_kws.SILENCE}),
        "accuracy": float((pred == y).mean()),
        "per_class": {names[c]: {"n": int((y == c).sum()),
                                 "recall": float((pred[y == c] == c).mean()) if (y == c).any() else None}
                      for c in range(len(names))},
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, required=True)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--subjects", type=lambda s: [int(v) for v in s.split(",") if v],
                    help="HAR: subjects to score (default: all)")
    ap.add_argument("--split", choices=("all", "train", "val"), default="all",
                    help="KWS: all clips, or the training / validation speakers (default: all)")
    args = ap.parse_args(argv)
    model_bytes = args.weights.read_bytes()
    header, _ = mf.read_model_file(model_bytes)
    if header["task"] == mf.Task.HAR:
        print(json.dumps(evaluate_har(model_bytes, args.data, args.subjects)))
    else:
        print(json.dumps(evaluate_kws(model_bytes, args.data, args.split)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
