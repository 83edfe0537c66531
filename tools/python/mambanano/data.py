"""The data sets: where every tool finds them, and `mambanano data fetch|where`.

    tools/mambanano data fetch [--full] [--cache DIR] [--force]
    tools/mambanano data where [NAME]

A data set NAME is looked for, first match wins:
  1. the tool's --data DIR (that data set's own folder);
  2. $MAMBANANO_DATA/NAME, when MAMBANANO_DATA is set (a folder laid out like ../shared/data),
     and then nowhere else;
  3. ../shared/data/NAME beside the repository (the development machines' copy);
  4. CACHE/data/NAME, where `data fetch` lays it out (CACHE: $XDG_CACHE_HOME/mambanano, else
     ~/.cache/mambanano; a fetch into `--cache DIR` is found with MAMBANANO_DATA=DIR/data).

`data fetch` downloads the archives from their official sources into CACHE/downloads, checks
their size and SHA-256, unpacks them (refusing members that would land outside the folder) and
lays them out as ../shared/data is laid out (its README.md), then deletes the archive:
  hapt                  HAPT v2.1 RawData of the 21 UCI HAR training subjects (UCI archive 341)
  hapt_test             the 9 UCI HAR test subjects, same layout: for independent evaluation only
                        (kept apart so that training, which uses every subject of hapt, never sees them)
  speech_commands       Speech Commands v0.02, canonical 12-class test set (every speaker; the
                        ../shared/data copy holds about 70 % of them)
  speech_commands_full  with --full: the whole v0.02 download (2.4 GB; train_kws --data reads it)
../shared/data/speech_commands_extra has no official source of its own and is not fetched.

Checksums: the Speech Commands archives' SHA-256 and sizes are recorded below with where they come
from. UCI publishes no checksum for the HAPT archive and none was known when this was written
(no network), so its SHA-256 is trusted on first use: the first download's digest is written to
CACHE/downloads/SHA256SUMS (`sha256sum -c` format) and every later download must match it.
"""

import argparse
import hashlib
import os
import re
import shutil
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .data_har import UCI_TEST_SUBJECTS
from .paths import REPO

PROG = "mambanano data"
UCI_SUBJECTS = range(1, 31)
DATASETS = {
    "hapt": "HAPT recordings (UCI HAR training subjects)",
    "hapt_test": "HAPT recordings of the UCI HAR test subjects",
    "speech_commands": "Speech Commands v0.02 test set",
    "speech_commands_full": "Speech Commands v0.02 (full)",
}
CHECKSUMS_FILE = "SHA256SUMS"


class ChecksumError(ValueError):
    """A downloaded archive's size or SHA-256 is not the recorded one."""


class UnsafeArchive(ValueError):
    """An archive member would be written outside the folder it is unpacked into."""


class DataNotFound(FileNotFoundError):
    """A data set is in none of the places the resolver looks."""


# --- where the data sets are -------------------------------------------------------------------


def cache_dir():
    """The default cache: $XDG_CACHE_HOME/mambanano, else ~/.cache/mambanano."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mambanano"


def data_roots():
    """The folders laid out like ../shared/data that are searched, in order."""
    if os.environ.get("MAMBANANO_DATA"):
        return [Path(os.environ["MAMBANANO_DATA"])]
    return [REPO.parent / "shared" / "data", cache_dir() / "data"]


def dataset_dir(name):
    """The folder of data set NAME (a key of DATASETS); DataNotFound naming the fetch command."""
    roots = data_roots()
    for root in roots:
        if (root / name).is_dir():
            return root / name
    fetch = "tools/mambanano data fetch" + (" --full" if name == "speech_commands_full" else "")
    raise DataNotFound(
        f"{DATASETS[name]} not found (looked for {' and '.join(str(r / name) for r in roots)}): "
        f"download it with `{fetch}`, or give --data DIR or set MAMBANANO_DATA"
    )


def find_dataset(name):
    """dataset_dir(name), or None where it is missing (tests skip on None)."""
    try:
        return dataset_dir(name)
    except DataNotFound:
        return None


def resolve_data(explicit, name, prog):
    """A tool's --data value, else data set NAME's folder; ends the tool in one line if there is none."""
    if explicit is not None:
        return explicit
    try:
        return dataset_dir(name)
    except DataNotFound as e:
        sys.exit(f"{prog}: {e}")


# What a --data folder of each kind holds, for the tools' help.
DATA_FOLDERS = {
    "hapt": "a HAPT folder (RawData/acc_*, gyro_*, labels.txt)",
    "speech_commands": "a Speech Commands folder",
}


def add_data_argument(parser, name):
    """The --data option of a tool that reads data set NAME (resolve_data gives its folder)."""
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help=f"{DATA_FOLDERS[name]} (default: the {name} data set, see `tools/mambanano data where`)",
    )


# --- fetching ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    archive: str  # file name under CACHE/downloads
    url: str
    sha256: str  # the archive's SHA-256 as recorded here; None: trusted on first use
    size: int  # bytes; None: unknown
    layout: object  # layout(unpacked_dir, out_dir): writes out_dir/NAME for NAME in datasets
    datasets: tuple


def _find_folder(root, marker):
    """The one folder under root (root included) that has the relative path marker."""
    found = [p for p in (root, *root.rglob("*")) if p.is_dir() and (p / marker).exists()]
    if len(found) != 1:
        raise ValueError(f"expected one folder with {marker} in the archive, found {len(found)}")
    return found[0]


def layout_hapt(unpacked, out):
    """HAPT: RawData/ split by subject into out/hapt (UCI HAR training subjects) and out/hapt_test."""
    root = _find_folder(unpacked, "RawData/labels.txt")
    if not list(root.glob("RawData/acc_exp*_user*.txt")):
        raise ValueError("no RawData/acc_exp*_user*.txt in the archive")
    rows = [
        line for line in (root / "RawData" / "labels.txt").read_text().splitlines() if line.strip()
    ]
    for name, subjects in (
        ("hapt", set(UCI_SUBJECTS) - set(UCI_TEST_SUBJECTS)),
        ("hapt_test", set(UCI_TEST_SUBJECTS)),
    ):
        raw = out / name / "RawData"
        raw.mkdir(parents=True)
        for path in sorted(root.glob("RawData/*_exp*_user*.txt")):
            if int(re.search(r"_user(\d+)\.txt$", path.name).group(1)) in subjects:
                shutil.move(str(path), raw / path.name)
        (raw / "labels.txt").write_text(
            "".join(f"{r}\n" for r in rows if int(r.split()[1]) in subjects)
        )
        for extra in ("activity_labels.txt", "README.txt"):
            if (root / extra).exists():
                shutil.copy(root / extra, out / name / extra)


def layout_speech_test(unpacked, out):
    """The 12-class test set as published: yes/ ... go/, _unknown_/, _silence_/ -> out/speech_commands."""
    shutil.move(str(_find_folder(unpacked, "_unknown_")), out / "speech_commands")


def layout_speech_full(unpacked, out):
    """The full download as published (word folders, _background_noise_/) -> out/speech_commands_full."""
    shutil.move(str(_find_folder(unpacked, "_background_noise_")), out / "speech_commands_full")


def layout_hapt_archive(unpacked, out):
    """layout_hapt, after unpacking the inner zips beside themselves when the archive holds no
    RawData/ of its own (UCI wraps some published zips in another one)."""
    if not list(unpacked.rglob("labels.txt")):
        for inner in sorted(unpacked.rglob("*.zip")):
            unpack(inner, inner.with_suffix(""))
    layout_hapt(unpacked, out)


SPEECH_COMMANDS_URL = "https://storage.googleapis.com/download.tensorflow.org/data/"
SOURCES = {
    # UCI Machine Learning Repository, data set 341, v2.1 (Reyes-Ortiz et al., CC BY 4.0).
    # No published checksum: trusted on first use (see the module's docstring).
    "hapt": Source(
        "hapt.zip",
        "https://archive.ics.uci.edu/static/public/341/"
        "smartphone+based+recognition+of+human+activities+and+postural+transitions.zip",
        None,
        None,
        layout_hapt_archive,
        ("hapt", "hapt_test"),
    ),
    # Warden 2018, CC BY 4.0. SHA-256 and size as every public project verifying this archive
    # records them (the size also in ESPnet's speechcommands recipe); not recomputed here.
    "speech_commands": Source(
        "speech_commands_test_set_v0.02.tar.gz",
        SPEECH_COMMANDS_URL + "speech_commands_test_set_v0.02.tar.gz",
        "cc2a00c1147c2254e9be3fa0f779d8c17421dc349b86366567a8edfa9acd51df",
        112_563_277,
        layout_speech_test,
        ("speech_commands",),
    ),
    # SHA-256 from torchaudio.datasets.SpeechCommands' checksum table; size from ESPnet's recipe.
    "speech_commands_full": Source(
        "speech_commands_v0.02.tar.gz",
        SPEECH_COMMANDS_URL + "speech_commands_v0.02.tar.gz",
        "af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58",
        2_428_923_189,
        layout_speech_full,
        ("speech_commands_full",),
    ),
}


def sha256_of(path, chunk=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def download(url, dest, log, chunk=1 << 20):
    """url (http(s):// or file://) -> dest, through dest.part so that a broken download never counts."""
    part = dest.with_name(dest.name + ".part")
    done, step = 0, 100 << 20
    with urllib.request.urlopen(url, timeout=60) as response, open(part, "wb") as out:
        for block in iter(lambda: response.read(chunk), b""):
            out.write(block)
            done += len(block)
            if done // step != (done - len(block)) // step:
                log(f"  {dest.name}: {done >> 20} MiB")
    os.replace(part, dest)


def read_checksums(path):
    """CACHE/downloads/SHA256SUMS -> {archive name: sha256}."""
    if not path.exists():
        return {}
    return {
        name: digest
        for digest, name in (line.split(None, 1) for line in path.read_text().splitlines() if line)
    }


def verify(source, archive, log):
    """Check archive against the recorded size and SHA-256 (the first download's where none is
    recorded: then record it). A mismatch deletes the archive and raises ChecksumError."""
    size = archive.stat().st_size
    digest = sha256_of(archive)
    sums_path = archive.parent / CHECKSUMS_FILE
    sums = read_checksums(sums_path)
    expected, where = (
        (source.sha256, "recorded in mambanano/data.py")
        if source.sha256
        else (sums.get(source.archive), f"recorded at its first download in {sums_path}")
    )
    problem = None
    if source.size is not None and size != source.size:
        problem = f"is {size:,} bytes, expected {source.size:,}"
    elif expected is not None and digest != expected:
        problem = f"has SHA-256 {digest}, expected {expected} ({where})"
    if problem:
        archive.unlink()
        raise ChecksumError(f"{source.url}: the download {problem}; deleted it")
    if expected is None:
        sums[source.archive] = digest
        sums_path.write_text("".join(f"{d}  {n}\n" for n, d in sorted(sums.items())))
        log(
            f"  {source.archive}: no published SHA-256; trusting this first download ({digest}), "
            f"recorded in {sums_path}"
        )
    else:
        log(f"  {source.archive}: SHA-256 ok")


def _check_member(name, dest):
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise UnsafeArchive(f"archive member {name!r} would be written outside {dest}")


def unpack(archive, dest):
    """Unpack a .zip or a tar archive into dest, refusing absolute paths, '..' and links."""
    dest.mkdir(parents=True, exist_ok=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            for name in z.namelist():
                _check_member(name, dest)
            z.extractall(dest)
        return
    with tarfile.open(archive, "r:*") as t:
        members = t.getmembers()
        for m in members:
            _check_member(m.name, dest)
            if not (m.isfile() or m.isdir()):
                raise UnsafeArchive(f"archive member {m.name!r} is a link or device, not a file")
        t.extractall(dest, members=members)


def fetch(sources, cache, force=False, log=print):
    """Download, verify and lay out each Source under cache/data; skip those already there."""
    downloads, data = cache / "downloads", cache / "data"
    downloads.mkdir(parents=True, exist_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    for source in sources:
        if not force and all((data / name).is_dir() for name in source.datasets):
            log(f"{', '.join(source.datasets)}: already in {data}")
            continue
        archive = downloads / source.archive
        log(f"downloading {source.url}")
        download(source.url, archive, log)
        verify(source, archive, log)
        with tempfile.TemporaryDirectory(dir=data, prefix=".unpack-") as tmp:
            unpacked, staged = Path(tmp) / "archive", Path(tmp) / "out"
            unpack(archive, unpacked)
            staged.mkdir()
            source.layout(unpacked, staged)
            for name in source.datasets:
                if (data / name).exists():
                    shutil.rmtree(data / name)
                os.replace(staged / name, data / name)
                log(f"{name}: {data / name}")
        archive.unlink()


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = ap.add_subparsers(dest="action", required=True)
    f = sub.add_parser(
        "fetch", help="download the data sets into the cache (checksummed) and lay them out"
    )
    f.add_argument(
        "--full",
        action="store_true",
        help="also the full Speech Commands v0.02 (2.4 GB), for training",
    )
    f.add_argument(
        "--cache", type=Path, default=None, help=f"the cache folder (default: {cache_dir()})"
    )
    f.add_argument(
        "--force", action="store_true", help="download and lay out again what is already there"
    )
    w = sub.add_parser(
        "where", help="print where each data set is found (or the one NAME, for scripts)"
    )
    w.add_argument("name", nargs="?", choices=sorted(DATASETS))
    args = ap.parse_args(argv)
    if args.action == "fetch":
        cache = args.cache or cache_dir()
        names = ["hapt", "speech_commands"] + (["speech_commands_full"] if args.full else [])
        try:
            fetch(
                [SOURCES[n] for n in names],
                cache,
                args.force,
                log=lambda text: print(text, file=sys.stderr),
            )
        except (OSError, ValueError) as e:
            sys.exit(f"{PROG} fetch: {e}")
        if args.cache:
            print(f"tools find this copy with MAMBANANO_DATA={cache / 'data'}", file=sys.stderr)
        return 0
    if args.name:
        try:
            print(dataset_dir(args.name))
        except DataNotFound as e:
            sys.exit(f"{PROG} where: {e}")
        return 0
    for name in DATASETS:
        print(f"{name:22} {find_dataset(name) or 'missing'}")
    print(f"{'(searched)':22} {', '.join(map(str, data_roots()))}")
    return 0
