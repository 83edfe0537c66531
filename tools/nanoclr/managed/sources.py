"""The pinned nanoFramework source trees (tools/nanoclr/MANIFEST.tsv), made available for a build.

--src is either a folder of the pinned archives (NAME@SHORT.tar.gz, as in shared/nanoframework-src),
each extracted once into OUT/src/NAME/ with OUT/src/NAME.commit holding its commit, or a folder of
git clones DIR/NAME, each of which must be checked out at its pinned commit (used in place).

    /usr/bin/python3 tools/nanoclr/managed/sources.py [--src DIR] [--out build/nanoclr] [NAME...]
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
MANIFEST = ROOT / "tools" / "nanoclr" / "MANIFEST.tsv"
DEFAULT_SRC = ROOT.parent / "shared" / "nanoframework-src"
DEFAULT_OUT = ROOT / "build" / "nanoclr"


class SourceError(RuntimeError):
    """A source tree is missing or not at its pinned commit."""


@dataclass(frozen=True)
class Pin:
    name: str  # folder name: the archive name before '@', also the repository's name
    archive: str
    repository: str
    commit: str
    ref: str


def read_manifest(path: Path = MANIFEST) -> list[Pin]:
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [
        Pin(r["archive"].split("@", 1)[0], r["archive"], r["repository"], r["commit"], r["ref"])
        for r in rows
    ]


def _extract(pin: Pin, archive: Path, src_root: Path) -> Path:
    """Extract ARCHIVE to SRC_ROOT/NAME unless NAME.commit already says it is there; the
    caller holds the lock on SRC_ROOT."""
    dest = src_root / pin.name
    stamp = src_root / f"{pin.name}.commit"
    if dest.is_dir() and stamp.is_file() and stamp.read_text().strip() == pin.commit:
        return dest
    stamp.unlink(missing_ok=True)
    shutil.rmtree(dest, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=src_root, prefix=f".{pin.name}.") as tmp:
        subprocess.run(["tar", "-xzf", str(archive), "-C", tmp], check=True)
        if not (Path(tmp) / pin.name).is_dir():
            raise SourceError(f"{archive}: expected a top-level folder {pin.name}/")
        (Path(tmp) / pin.name).rename(dest)
    stamp.write_text(pin.commit + "\n")
    return dest


def _checked_clone(pin: Pin, clone: Path) -> Path:
    head = subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    if head.returncode != 0:
        raise SourceError(f"{clone}: not a git checkout ({head.stderr.strip()})")
    if head.stdout.strip() != pin.commit:
        raise SourceError(
            f"{clone} is at {head.stdout.strip()}, but {MANIFEST.name} pins "
            f"{pin.repository} to {pin.commit} ({pin.ref}): "
            f"run `git -C {clone} checkout {pin.commit}`"
        )
    return clone


def prepare(
    src: Path = DEFAULT_SRC, out: Path = DEFAULT_OUT, names: list[str] | None = None
) -> dict[str, Path]:
    """Return {name: source tree} for the pins NAMES (default all), extracting archives into
    OUT/src or checking clones. Safe to run from several processes at once."""
    pins = read_manifest()
    unknown = set(names or []) - {pin.name for pin in pins}
    if unknown:
        raise SourceError(f"not in {MANIFEST}: {', '.join(sorted(unknown))}")
    src = src.resolve()
    if not src.is_dir():
        raise SourceError(
            f"source folder {src} not found: pass --src DIR (the pinned archives "
            f"or git clones of the repositories in {MANIFEST})"
        )
    src_root = out.resolve() / "src"
    src_root.mkdir(parents=True, exist_ok=True)
    trees = {}
    with open(src_root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for pin in pins:
            if names is not None and pin.name not in names:
                continue
            archive = src / pin.archive
            clone = src / pin.name
            if archive.is_file():
                trees[pin.name] = _extract(pin, archive, src_root)
            elif (clone / ".git").exists():
                trees[pin.name] = _checked_clone(pin, clone)
            else:
                raise SourceError(
                    f"{src}: neither {pin.archive} nor a git clone {pin.name}/ "
                    f"({pin.repository} at {pin.commit})"
                )
    return trees


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=DEFAULT_SRC)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("names", nargs="*", help="only these trees (default: all in the manifest)")
    args = ap.parse_args()
    try:
        trees = prepare(args.src, args.out, args.names or None)
    except SourceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for name, path in trees.items():
        print(f"{name}\t{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
