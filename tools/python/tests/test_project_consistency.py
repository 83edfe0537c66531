"""The parts of the nanoFramework side that cannot be built here stay consistent with what is:
every C# file the .nfproj projects compile exists and the platform-free ones are compiled by the
host projects too; packages.config and the <Reference> HintPaths agree both ways; the solution
opens every project; the app's compiled-in board settings are nf.config's, and the contract's
generated files are contract.json's."""

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
NFPROJS = [
    REPO / "native-interop/managed/MambaNano.Interop.nfproj",
    REPO / "MambaNano/MambaNano.nfproj",
    REPO / "MambaNano.Tests/MambaNano.Tests.nfproj",
    REPO / "tools/nanoclr/Replay/MambaNano.Replay.nfproj",
]
NS = {"m": "http://schemas.microsoft.com/developer/msbuild/2003"}


def compile_items(nfproj):
    root = ET.parse(nfproj).getroot()
    return [
        (nfproj.parent / c.get("Include").replace("\\", "/")).resolve()
        for c in root.iterfind(".//m:Compile", NS)
    ]


def references(nfproj):
    root = ET.parse(nfproj).getroot()
    return [
        (r.get("Include"), r.findtext("m:HintPath", namespaces=NS))
        for r in root.iterfind(".//m:Reference", NS)
    ]


def packages(nfproj):
    root = ET.parse(nfproj.parent / "packages.config").getroot()
    return {p.get("id"): p.get("version") for p in root.iter("package")}


@pytest.mark.parametrize("nfproj", NFPROJS, ids=lambda p: p.name)
def test_every_compile_item_exists(nfproj):
    missing = [str(p) for p in compile_items(nfproj) if not p.is_file()]
    assert not missing


@pytest.mark.parametrize("nfproj", NFPROJS, ids=lambda p: p.name)
def test_every_cs_file_of_the_project_folder_is_compiled(nfproj):
    compiled = set(compile_items(nfproj))
    own = {
        p.resolve()
        for p in nfproj.parent.rglob("*.cs")
        if not ({"bin", "obj", "host"} & set(p.relative_to(nfproj.parent).parts))
    }
    assert sorted(map(str, own - compiled)) == []


def test_platform_free_sources_are_in_both_nfprojs_and_the_host_projects():
    core = {p.resolve() for p in (REPO / "MambaNano/Core").glob("*.cs")}
    for nfproj in NFPROJS[1:]:
        assert core <= set(compile_items(nfproj)), nfproj.name
    for csproj in (
        "tools/dotnet/MambaNano.Host/MambaNano.Host.csproj",
        "tools/dotnet/MambaNano.TestHost/MambaNano.TestHost.csproj",
    ):
        text = (REPO / csproj).read_text()
        assert "../../../MambaNano/Core/**/*.cs" in text
        assert "../../../native-interop/managed/EngineConstants.cs" in text
        assert "../../../native-interop/managed/host/NativeEngine.cs" in text
    assert (
        "../../../MambaNano.Tests/**/*.cs"
        in (REPO / "tools/dotnet/MambaNano.TestHost/MambaNano.TestHost.csproj").read_text()
    )


def test_device_only_sources_stay_out_of_the_host_build():
    """The desktop projects compile neither MambaNano/Device/ nor MambaNano.Tests/Device/ (the
    device-only tests): an Include of the tests' folder excludes its Device/ subfolder."""
    for csproj in (
        "tools/dotnet/MambaNano.Host/MambaNano.Host.csproj",
        "tools/dotnet/MambaNano.TestHost/MambaNano.TestHost.csproj",
    ):
        for include, exclude in re.findall(
            r'<Compile Include="([^"]+)"(?:\s+Exclude="([^"]*)")?', (REPO / csproj).read_text()
        ):
            assert "Device" not in include, f"{csproj}: compiles {include}"
            if "MambaNano.Tests/" in include:
                assert any(e.endswith("MambaNano.Tests/Device/**") for e in exclude.split(";")), (
                    f"{csproj}: {include} without excluding MambaNano.Tests/Device/"
                )


@pytest.mark.parametrize("nfproj", NFPROJS, ids=lambda p: p.name)
def test_packages_config_and_references_agree_both_ways(nfproj):
    pinned = packages(nfproj)
    hinted = {}
    for name, hint in references(nfproj):
        # NuGet restores packages.config projects into the solution's packages/ folder
        path = (nfproj.parent / (hint or "").replace("\\", "/")).resolve()
        m = re.fullmatch(
            r"(.+?)\.(\d+(?:\.\d+)+)/lib/[^/]+\.dll",
            path.relative_to(REPO / "packages").as_posix()
            if path.is_relative_to(REPO / "packages")
            else "",
        )
        assert m, (
            f"{nfproj.name}: reference {name} has no HintPath into the solution's packages folder"
        )
        hinted[m.group(1)] = m.group(2)
    assert hinted == pinned


def test_solution_opens_every_project():
    sln = (REPO / "MambaNano.sln").read_text()
    listed = {
        p.replace("\\", "/") for p in re.findall(r'= "[^"]+", "([^"]+\.(?:nfproj|csproj))"', sln)
    }
    expected = {str(p.relative_to(REPO)) for p in NFPROJS} | {
        str(p.relative_to(REPO)) for p in (REPO / "tools" / "dotnet").glob("*/*.csproj")
    }
    assert listed == expected


def test_board_config_is_generated_from_nf_config():
    result = subprocess.run(
        [sys.executable, "-m", "mambanano", "gen-board-config", "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_contract_files_are_generated_from_contract_json():
    """mn_contract.h, EngineConstants.cs and contract.py are what contract.json generates: an edit
    of a generated file, or of contract.json without regenerating, fails here."""
    result = subprocess.run(
        [sys.executable, "-m", "mambanano", "gen-contract", "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_one_contract_value_reaches_every_language():
    """A status code, a constant and a tensor kind changed in the description change the C, C#
    and Python output alike (each output is derived, none is kept by hand)."""
    from mambanano import gen_contract

    before = gen_contract.outputs(gen_contract.load())
    edited = gen_contract.load()
    edited["enums"][0]["members"][-1]["value"] = 99  # MN_ERR_LEAN
    edited["constants"][0]["items"][0]["value"] = "MNMX"  # MN_MAGIC
    edited["tensor_kinds"]["members"][-1]["dtype"] = "I16"  # MN_T_ACT_SCALES
    after = gen_contract.outputs(edited)
    for path in before:
        assert before[path] != after[path], path.name
    assert "MN_ERR_LEAN = 99" in after[gen_contract.C_HEADER]
    assert "public const int Lean = 99;" in after[gen_contract.CSHARP]
    assert "ERR_LEAN = 99" in after[gen_contract.PYTHON]
    assert 'MAGIC = b"MNMX"' in after[gen_contract.PYTHON]
    assert "X(ACT_SCALES, L, I16, ACT, 1)" in after[gen_contract.C_HEADER]
    assert "TensorKind.ACT_SCALES: (DType.I16," in after[gen_contract.PYTHON]


@pytest.mark.parametrize("edit", ["status twice", "alias as own code", "layer kind below 32"])
def test_contract_rules_refuse_a_clash(tmp_path, edit):
    """Codes the C, C# and Python sides could confuse are refused before anything is generated."""
    from mambanano import gen_contract

    contract = json.loads(gen_contract.CONTRACT.read_text())
    enums = {e["c_type"]: e for e in contract["enums"]}
    if edit == "status twice":
        enums["mn_status"]["members"][-1]["value"] = 18  # MN_ERR_LEAN = MN_ERR_TRAILING
    elif edit == "alias as own code":
        enums["mn_engine_status"]["members"][0]["value"] = 64  # = MN_FE_ERR_SAMPLE_RATE
    else:
        contract["tensor_kinds"]["members"][-1]["value"] = 31
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(contract))
    with pytest.raises(ValueError):
        gen_contract.load(path)


def test_nf_config_values_the_firmware_and_scripts_need():
    from mambanano.gen_board_config import read_config

    config = {k: v for k, (v, _) in read_config().items()}
    assert config["target"] in ("ESP32_S3_QUAD", "ESP32_S3_OCTAL", "ESP32_S3")
    assert int(config["imu_rate_hz"]) * 320 == int(config["mic_rate_hz"]), (
        "one IMU sample per 20 ms audio hop"
    )
    assert int(config["har_window_samples"]) % int(config["har_streams"]) == 0
    assert int(config["kws_window_hops"]) % int(config["kws_streams"]) == 0
    assert int(config["mic_bytes_per_sample"]) in (2, 4)


def test_firmware_state_buffers_hold_nf_config_streams():
    """mn_engine.h's firmware sizes reserve state for nf.config's streams of each slot, no more."""
    from mambanano.gen_board_config import config_int

    header = (REPO / "native-interop" / "include" / "mn_engine.h").read_text()
    for slot, key in ((0, "har_streams"), (1, "kws_streams")):
        reserved = re.search(rf"#define MN_ENGINE_STATE_BYTES_{slot} \((\d+) \* \d+\)", header)
        assert reserved, f"no firmware default of MN_ENGINE_STATE_BYTES_{slot}"
        assert int(reserved.group(1)) == config_int(key), key
