"""`mambanano`: the one command of the Python toolchain (tools/mambanano, or `mambanano` after
`pip install -e tools/python`). Each command is a module of this package with main(argv);
`mambanano COMMAND --help` lists its options.
"""

import argparse
import importlib
import sys

# command -> (module, or {task: module}; one line of help)
COMMANDS = {
    "train": (
        {"har": "train_har", "kws": "train_kws"},
        "train a model, quantize it (INT8) and write its card",
    ),
    "evaluate": ("evaluate", "score a model file on data through the C kernel (JSON)"),
    "stream-eval": (
        {"har": "stream_eval_har", "kws": "stream_eval_kws"},
        "score whole recordings (HAR) or keyword streams (KWS) as the app runs them",
    ),
    "cv-compare": (
        "cv_compare",
        "paired per-fold comparison of two --cv-folds runs (is B better than A?)",
    ),
    "perf": (
        "perf",
        "per-step cost of each shipped model (cycles, memory); --readme updates README",
    ),
    "data": ("data", "fetch the data sets into the cache (checksummed); where the tools find them"),
    "gen-resources": (
        "gen_resources",
        "write the lean device models and the .resx resources (--check)",
    ),
    "gen-contract": (
        "gen_contract",
        "write the C, C# and Python constants from native-interop/contract/contract.json (--check)",
    ),
    "gen-board-config": (
        "gen_board_config",
        "write MambaNano/Core/BoardConfig.cs from nf.config (--check)",
    ),
    "gen-frontend-tables": (
        "frontend",
        "write native-interop/src/mn_frontend_tables.h (the log-mel tables)",
    ),
    "make-fixtures": (
        "make_fixtures",
        "write the tiny test models of native-interop and MambaNano.Tests",
    ),
    "model-file": ("model_file", "model-file utilities: --lean IN OUT writes the lean device file"),
    "synth-kws": (
        "synth_kws",
        "synthetic keyword clips (espeak-ng, flite) for train --task kws --extra-train",
    ),
    "bench-replay-memory": (
        "bench_replay_memory",
        "max RSS of the host runner replaying a long WAV",
    ),
}


def usage():
    width = max(map(len, COMMANDS))
    lines = [
        "usage: mambanano COMMAND [--task har|kws] [options]   (mambanano COMMAND --help)",
        "",
        "commands:",
    ]
    for name, (target, text) in COMMANDS.items():
        task = " --task har|kws" if isinstance(target, dict) else ""
        lines.append(f"  {name + task:{width + 15}} {text}")
    return "\n".join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage(), file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"{usage()}\nmambanano: unknown command {name!r}", file=sys.stderr)
        return 2
    target = COMMANDS[name][0]
    if isinstance(target, dict):
        ap = argparse.ArgumentParser(
            prog=f"mambanano {name}",
            description=COMMANDS[name][1],
            add_help=False,
            epilog=f"`mambanano {name} --task TASK --help` lists that task's options",
        )
        ap.add_argument("--task", choices=sorted(target))
        known, rest = ap.parse_known_args(rest)
        if known.task is None:
            if {"-h", "--help"} & set(rest):
                print(ap.format_help())
                return 0
            ap.error("the following arguments are required: --task")
        target = target[known.task]
    module = importlib.import_module(f"mambanano.{target}")
    return module.main(rest) or 0
