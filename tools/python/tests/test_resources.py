"""The model files as nanoFramework managed resources (mambanano gen-resources): the resource-id hash
matches what nanoFramework's tools generate, the committed Resources.resx / Resources.Designer.cs
are up to date, every weights/*.mnm has an entry and every entry points at an existing file."""

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mambanano import gen_resources as gr

REPO = Path(__file__).resolve().parents[3]

# Known answers: resource names and the enum values nanoFramework's nFResXFileCodeGenerator wrote
# for them in the published samples, github.com/nanoframework/Samples at commit
# 121ef044699d4c0fa3938c83f18e16ab61dca175 (each name is also the <data name> in the sample's .resx).
KNOWN_IDS = [
    # samples/ManagedResources/Resources.Designer.cs (the managed-resources sample itself)
    ("String1", 1228),
    ("String2", 1225),
    ("nano_Framework_logo_32_border_trans", 23065),
    # samples/HTTP/HttpWebRequest/Resources.Designer.cs, samples/SSL/ParseCertificate/Resources.Designer.cs
    ("DigiCertGlobalRootCA", 1766),
    # samples/SSL/SecureClient_WiFi/Resources.Designer.cs
    ("DigiCert_Global_G2_Azure", -5408),
    # samples/MQTT/AdvancedExample.Aws/Resources.Designer.cs
    ("AwsCAroot", -8728),
    # samples/AzureSDK/AzureSDKBasicFullyManaged/Resource.Designer.cs
    ("DigiCertGlobalRootG2", 26599),
    # samples/AzureSDK/AzureSDK/Resource.Designer.cs (and the other Azure samples)
    ("AzureRootCerts", -6742),
    # samples/WiFiAP/Resources.Designer.cs
    ("favicon", -22914),
    ("main", 4691),
    # samples/Graphics/Primitives/Resource.Designer.cs
    ("small", 13070),
    ("NinaB", 18060),
    ("MatrixFont", 28174),
    ("ComicSansMS16", -18137),
    ("strnSmallFont", -19509),
    # samples/Graphics/SimpleWpf/SimpleWpf/Resource.Designer.cs
    ("courierregular10", -25095),
    ("Scrollable_Panel_Icon", -20164),
    ("Vertical_Stack_Panel_Icon_Small", 31390),
    ("Diagonal_Panel_Icon_Small", 2069),
    # samples/Graphics/Screens/esp32-s3-box-lite/Resource.Designer.cs
    ("segoeuiregular12", 21930),
    # samples/Graphics/Tetris/nfResource.Designer.cs
    ("Consolas23", -31666),
    ("Logo", 16403),
    ("LinesCompleted", -27201),
    ("RookieLevel", 9176),
]


@pytest.mark.parametrize("name,expected", KNOWN_IDS)
def test_resource_id_reproduces_nanoframework_generator(name, expected):
    assert gr.resource_id(name) == expected


def test_resource_id_is_a_signed_16_bit_value():
    for name in ["", "a", "har", "kws", "x" * 200, "\u00e9\u4e2d"]:
        assert -32768 <= gr.resource_id(name) <= 32767


def test_committed_files_are_up_to_date():
    run = subprocess.run(
        [sys.executable, "-m", "mambanano", "gen-resources", "--check"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr


SETS = pytest.mark.parametrize("rset", gr.RESOURCE_SETS, ids=lambda r: r.namespace)


def _resx_entries(rset):
    root = ET.parse(rset.folder / "Resources.resx").getroot()
    out = {}
    for data in root.findall("data"):
        path, _, kind = data.findtext("value").partition(";")
        out[data.get("name")] = (data.get("type"), path, kind)
    return out


def _designer_enum(rset):
    text = (rset.folder / "Resources.Designer.cs").read_text(encoding="utf-8")
    body = re.search(r"enum BinaryResources : short\s*\{([^}]*)\}", text).group(1)
    return {n: int(v) for n, v in re.findall(r"(\w+) = (-?\d+),", body)}


@SETS
def test_every_file_has_a_resource_entry_and_enum_member(rset):
    resx = _resx_entries(rset)
    enum = _designer_enum(rset)
    for path in rset.files():
        name = path.stem
        assert name in resx, f"{path.name} has no <data> in {rset.folder / 'Resources.resx'}"
        assert (rset.folder / resx[name][1].replace("\\", "/")).resolve() == path.resolve()
        assert enum.get(name) == gr.resource_id(name), f"{name}: enum value is not the resource id"
    assert set(enum) == set(resx)


@SETS
def test_resx_entries_are_binary_file_references(rset):
    for name, (kind, path, value_type) in _resx_entries(rset).items():
        assert "." not in name
        assert kind == "System.Resources.ResXFileRef, System.Windows.Forms"
        assert value_type.startswith("System.Byte[], mscorlib")
        target = rset.folder / path.replace("\\", "/")
        if (
            target.suffix == ".mnm"
        ):  # the replay's recordings exist once tools/nanoclr/replay.sh ran
            assert target.is_file(), f"{name}: {path} (from {rset.folder}) does not exist"


@SETS
def test_designer_reads_the_manifest_resource_the_project_embeds(rset):
    text = (rset.folder / "Resources.Designer.cs").read_text(encoding="utf-8")
    assert (
        f'new System.Resources.ResourceManager("{rset.base_name}", typeof(Resources).Assembly)'
        in text
    )
    assert "nanoFramework.Runtime.Native.ResourceUtility.GetObject(ResourceManager, id)" in text
    assert "internal static byte[] GetBytes(Resources.BinaryResources id)" in text
    # the .nfproj sits beside the .resx (replay) or one folder up (the app's Device/)
    nfproj = next(rset.folder.glob("*.nfproj"), None) or next(rset.folder.parent.glob("*.nfproj"))
    assert f"<ManifestResourceName>{rset.base_name}</ManifestResourceName>" in nfproj.read_text()


def test_generation_follows_the_model_files(tmp_path):
    weights = tmp_path / "weights"
    device = tmp_path / "MambaNano" / "Device"
    weights.mkdir()
    device.mkdir(parents=True)
    empty = gr.generate(weights, device)
    assert "<data " not in empty["Resources.resx"]
    (weights / "kws.mnm").write_bytes(b"MNMB")
    (weights / "har.mnm").write_bytes(b"MNMB")
    out = gr.generate(weights, device)
    assert out != empty
    assert (
        "<value>..\\..\\weights\\device\\har.mnm;System.Byte[], mscorlib" in out["Resources.resx"]
    )
    for name in ("har", "kws"):
        assert f"            {name} = {gr.resource_id(name)}," in out["Resources.Designer.cs"]
    # the generator sorts enum members by id, as nanoFramework's generator does
    ids = [int(v) for v in re.findall(r" = (-?\d+),", out["Resources.Designer.cs"])]
    assert ids == sorted(ids)


def test_models_must_start_word_aligned_in_the_resource_data(tmp_path):
    """The build lays binary resources out in id order without padding; the engine reads models
    in place only at multiples of 4 (kws -8603 < imu -2787 < har 17833)."""
    (tmp_path / "kws.mnm").write_bytes(bytes(16))
    (tmp_path / "har.mnm").write_bytes(bytes(16))
    (tmp_path / "imu.mnrec").write_bytes(bytes(8))
    files = [tmp_path / n for n in ("har.mnm", "kws.mnm", "imu.mnrec")]
    gr.check_models_aligned(files)
    (tmp_path / "imu.mnrec").write_bytes(bytes(7))
    with pytest.raises(ValueError, match="har.mnm would start at byte 23"):
        gr.check_models_aligned(files)
    (tmp_path / "imu.mnrec").unlink()
    with pytest.raises(ValueError, match="before it in id order is missing"):
        gr.check_models_aligned(files)
    gr.check_models_aligned(gr.REPLAY_SET.files())  # the replay's recordings sort after its models


def test_names_the_build_would_hash_differently_are_rejected(tmp_path):
    for bad in ("har.v2.mnm", "2har.mnm", "class.mnm"):
        with pytest.raises(ValueError):
            gr.entries([tmp_path / bad], tmp_path)
