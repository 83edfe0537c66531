"""`mambanano data`: the data-set resolver, and fetch's download, checksum, unpack and layout
logic on tiny synthetic archives served from file:// URLs (no network)."""

import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from mambanano import data
from mambanano.data_har import UCI_TEST_SUBJECTS

TRAIN_USER, TEST_USER = 1, UCI_TEST_SUBJECTS[0]


def quiet(_text):
    pass


def hapt_zip(path, wrapped=False):
    """A HAPT-like zip: two recordings (a training and a test subject), labels, activity names."""
    files = {
        f"RawData/acc_exp01_user{TRAIN_USER:02d}.txt": "1.0 0.0 0.0\n" * 4,
        f"RawData/gyro_exp01_user{TRAIN_USER:02d}.txt": "0.0 0.0 0.0\n" * 4,
        f"RawData/acc_exp02_user{TEST_USER:02d}.txt": "0.9 0.1 0.0\n" * 4,
        f"RawData/gyro_exp02_user{TEST_USER:02d}.txt": "0.1 0.0 0.0\n" * 4,
        "RawData/labels.txt": f"1 {TRAIN_USER} 5 1 4\n2 {TEST_USER} 1 1 4\n",
        "activity_labels.txt": "1 WALKING\n5 STANDING\n",
    }
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    if wrapped:  # UCI's static archives sometimes hold the published zip inside another one
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("HAPT Data Set.zip", inner.getvalue())
    else:
        path.write_bytes(inner.getvalue())
    return path


def speech_tar(path, members):
    with tarfile.open(path, "w:gz") as t:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            t.addfile(info, io.BytesIO(payload))
    return path


def speech_test_tar(path):
    return speech_tar(
        path,
        {
            f"./{folder}/{name}": b"RIFF"
            for folder, name in [
                ("yes", "0a7c2a8d_nohash_0.wav"),
                ("_unknown_", "bed_0a7c2a8d_nohash_0.wav"),
                ("_silence_", "noise_0.wav"),
            ]
        },
    )


def source_for(archive, layout, datasets, sha256="known", size=None):
    digest = hashlib.sha256(archive.read_bytes()).hexdigest() if sha256 == "known" else sha256
    return data.Source(archive.name, archive.as_uri(), digest, size, layout, datasets)


@pytest.mark.parametrize("wrapped", [False, True], ids=["zip", "zip-in-zip"])
def test_hapt_is_split_into_training_and_test_subjects(tmp_path, wrapped):
    archive = hapt_zip(tmp_path / "hapt.zip", wrapped)
    cache = tmp_path / "cache"
    data.fetch(
        [source_for(archive, data.layout_hapt_archive, ("hapt", "hapt_test"))], cache, log=quiet
    )
    train, test = cache / "data" / "hapt", cache / "data" / "hapt_test"
    assert sorted(p.name for p in (train / "RawData").iterdir()) == [
        f"acc_exp01_user{TRAIN_USER:02d}.txt",
        f"gyro_exp01_user{TRAIN_USER:02d}.txt",
        "labels.txt",
    ]
    assert sorted(p.name for p in (test / "RawData").iterdir()) == [
        f"acc_exp02_user{TEST_USER:02d}.txt",
        f"gyro_exp02_user{TEST_USER:02d}.txt",
        "labels.txt",
    ]
    assert (train / "RawData" / "labels.txt").read_text() == f"1 {TRAIN_USER} 5 1 4\n"
    assert (test / "RawData" / "labels.txt").read_text() == f"2 {TEST_USER} 1 1 4\n"
    assert (train / "activity_labels.txt").read_text().startswith("1 WALKING")
    assert not (cache / "downloads" / "hapt.zip").exists(), "the archive is deleted once laid out"
    assert [p.name for p in (cache / "data").iterdir() if p.name.startswith(".")] == [], (
        "no unpack folder left"
    )


def test_speech_commands_test_set_keeps_its_published_layout(tmp_path):
    archive = speech_test_tar(tmp_path / "speech_commands_test_set_v0.02.tar.gz")
    cache = tmp_path / "cache"
    data.fetch(
        [source_for(archive, data.layout_speech_test, ("speech_commands",))], cache, log=quiet
    )
    out = cache / "data" / "speech_commands"
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.wav")) == [
        "_silence_/noise_0.wav",
        "_unknown_/bed_0a7c2a8d_nohash_0.wav",
        "yes/0a7c2a8d_nohash_0.wav",
    ]


def test_a_wrong_checksum_is_refused_and_the_download_deleted(tmp_path):
    archive = speech_test_tar(tmp_path / "sc.tar.gz")
    cache = tmp_path / "cache"
    source = source_for(archive, data.layout_speech_test, ("speech_commands",), sha256="0" * 64)
    with pytest.raises(data.ChecksumError, match="expected 0000"):
        data.fetch([source], cache, log=quiet)
    assert not (cache / "downloads" / "sc.tar.gz").exists()
    assert not (cache / "data" / "speech_commands").exists()


def test_a_wrong_size_is_refused(tmp_path):
    archive = speech_test_tar(tmp_path / "sc.tar.gz")
    source = source_for(
        archive, data.layout_speech_test, ("speech_commands",), size=archive.stat().st_size + 1
    )
    with pytest.raises(data.ChecksumError, match="bytes, expected"):
        data.fetch([source], tmp_path / "cache", log=quiet)


def test_without_a_recorded_checksum_the_first_download_is_trusted_then_enforced(tmp_path):
    archive = hapt_zip(tmp_path / "hapt.zip")
    cache = tmp_path / "cache"
    source = source_for(archive, data.layout_hapt_archive, ("hapt", "hapt_test"), sha256=None)
    notes = []
    data.fetch([source], cache, log=notes.append)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert (cache / "downloads" / data.CHECKSUMS_FILE).read_text() == f"{digest}  hapt.zip\n"
    assert any("trusting this first download" in n for n in notes)
    data.fetch([source], cache, log=quiet)  # already laid out: nothing downloaded
    hapt_zip(archive, wrapped=True)  # the server now sends different bytes
    with pytest.raises(data.ChecksumError, match="recorded at its first download"):
        data.fetch([source], cache, force=True, log=quiet)
    assert (cache / "data" / "hapt" / "RawData").is_dir(), "the earlier copy stays"


def test_an_archive_member_outside_the_folder_is_refused(tmp_path):
    archive = speech_tar(
        tmp_path / "evil.tar.gz", {"yes/a_nohash_0.wav": b"RIFF", "../escaped.txt": b"x"}
    )
    with pytest.raises(data.UnsafeArchive, match="outside"):
        data.fetch(
            [source_for(archive, data.layout_speech_test, ("speech_commands",))],
            tmp_path / "cache",
            log=quiet,
        )
    assert not (tmp_path / "escaped.txt").exists()


def test_a_link_in_an_archive_is_refused(tmp_path):
    path = tmp_path / "link.tar.gz"
    with tarfile.open(path, "w:gz") as t:
        info = tarfile.TarInfo("_unknown_/x.wav")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        t.addfile(info)
    with pytest.raises(data.UnsafeArchive, match="link"):
        data.unpack(path, tmp_path / "out")


def test_the_resolver_order_and_its_error(tmp_path, monkeypatch):
    (tmp_path / "mine" / "hapt").mkdir(parents=True)
    monkeypatch.setenv("MAMBANANO_DATA", str(tmp_path / "mine"))
    assert data.dataset_dir("hapt") == tmp_path / "mine" / "hapt"
    with pytest.raises(
        data.DataNotFound,
        match=r"looked for .*mine/speech_commands\): download it with "
        r"`tools/mambanano data fetch`",
    ):
        data.dataset_dir("speech_commands")
    assert data.find_dataset("speech_commands") is None
    assert data.resolve_data(Path("given"), "speech_commands", "prog") == Path("given")
    with pytest.raises(SystemExit, match="^prog: Speech Commands v0.02 test set not found"):
        data.resolve_data(None, "speech_commands", "prog")

    monkeypatch.delenv("MAMBANANO_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.data_roots()[-1] == tmp_path / "xdg" / "mambanano" / "data"
    assert data.data_roots()[0].name == "data" and data.data_roots()[0].parent.name == "shared"


def test_where_names_each_data_set_and_exits_1_for_a_missing_one(tmp_path, monkeypatch, capsys):
    (tmp_path / "hapt").mkdir()
    monkeypatch.setenv("MAMBANANO_DATA", str(tmp_path))
    assert data.main(["where", "hapt"]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'hapt'}\n"
    with pytest.raises(SystemExit, match="data fetch --full"):
        data.main(["where", "speech_commands_full"])
    data.main(["where"])
    table = capsys.readouterr().out
    assert (
        f"hapt                   {tmp_path / 'hapt'}" in table
        and "hapt_test              missing" in table
    )


def test_official_sources(tmp_path):
    """The URLs are the publishers' own; recorded checksums are full SHA-256 hex digests."""
    assert data.SOURCES["hapt"].url.startswith("https://archive.ics.uci.edu/static/public/341/")
    for name in ("speech_commands", "speech_commands_full"):
        source = data.SOURCES[name]
        assert source.url.startswith(
            "https://storage.googleapis.com/download.tensorflow.org/data/speech_commands_"
        )
        assert len(source.sha256) == 64 and int(source.sha256, 16) >= 0 and source.size > 0
