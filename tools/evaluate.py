"""Score a MambaNano model file on data of your own: INT8 accuracy through the C kernel, as JSON.

    /usr/bin/python3 tools/evaluate.py --weights weights/har.mnm --data ../shared/data/hapt [--subjects 3,7]

HAR: a folder in the HAPT layout (RawData/acc_*, gyro_*, labels.txt); UCI HAR windows of the
chosen subjects (default: every subject in the folder). The task and front-end are read from the
model file. KWS evaluation is not implemented yet (issue 4).
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

from mambanano import data_har
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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, required=True)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--subjects", type=lambda s: [int(v) for v in s.split(",") if v])
    args = ap.parse_args(argv)
    model_bytes = args.weights.read_bytes()
    header, _ = mf.read_model_file(model_bytes)
    if header["task"] != mf.Task.HAR:
        print(json.dumps({"error": f"task {mf.Task(header['task']).name} not supported by this command yet"}))
        return 2
    print(json.dumps(evaluate_har(model_bytes, args.data, args.subjects)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
