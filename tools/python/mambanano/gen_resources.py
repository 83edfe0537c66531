"""Generate the .resx and Resources.Designer.cs of the nanoFramework programs' binary resources.

    tools/mambanano gen-resources [--check]

Two resource sets: the app's (MambaNano/Device: the lean device files weights/device/*.mnm, which
this writes from weights/*.mnm) and the nanoCLR replay's (tools/nanoclr/Replay: the full
weights/*.mnm, as the host runner it is compared with, plus the input recordings
build/nanoclr/replay/*.mnrec, which tools/nanoclr/replay.sh writes before it builds the replay).

The lean file of a model (tools/python/mambanano/model_file.py lean_model_bytes, format 1.1 with
MN_FLAG_LEAN) is the full file without the f32 tensors only the float reference and the PC tools
read: the device's INT8 path is bit-exact on both, and the file it embeds (and copies into its
arena) is 3.6 KB (HAR) and 5.2 KB (KWS) smaller.

The INT8 model files ship as nanoFramework managed binary resources: the .resx references each
weights/<name>.mnm (a ResXFileRef to System.Byte[]), the build embeds the bytes in the app's .pe,
so a new model reaches the device with the app deployment and needs no firmware reflash. The
device loads a model with Resources.Model(Resources.BinaryResources.<name>), which the engine
reads in place in the deployed assembly (MambaNano/Device/ModelResource.cs); Resources.GetBytes
copies a resource's bytes (nanoFramework.Runtime.Native.ResourceUtility.GetObject).

The runtime finds a resource by a 16-bit id, not by name. The build (the metadata processor, from
the resource's name in the compiled .resources) and nanoFramework's ResX code generator (the enum
value in the .Designer.cs) both compute that id with the same hash of the resource name;
resource_id() reproduces it, so what this writes is what the Visual Studio custom tool
(nFResXFileCodeGenerator) would write, and no Visual Studio is needed to regenerate it.

--check exits 1 if the committed files differ from what the current files generate: the .resx
and Designer (only the set of file names matters: the .resx references the files, it does not
embed their bytes) and each weights/device/*.mnm (the lean file of weights/*.mnm, byte for byte).
"""

import argparse
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from mambanano.contract import IN_PLACE_ALIGN
from mambanano.model_file import lean_model_bytes
from mambanano.paths import REPO

PROG = "mambanano gen-resources"

WEIGHTS = REPO / "weights"
DEVICE_WEIGHTS = "device"  # weights/device/: the lean files the app embeds
DEVICE = REPO / "MambaNano" / "Device"
REPLAY = REPO / "tools" / "nanoclr" / "Replay"
REPLAY_INPUT = REPO / "build" / "nanoclr" / "replay"
REPLAY_RECORDINGS = ("imu_input.mnrec", "mic_input.mnrec")
TESTS_DEVICE = REPO / "MambaNano.Tests" / "Device"
FIXTURES = REPO / "native-interop" / "tests" / "fixtures"
TESTS_MODELS = ("imu.mnm", "logmel.mnm")  # the fixtures MambaNano.Tests/TestModels.cs holds too

CLASS_NAME = "Resources"
BINARY_ENUM = "BinaryResources"


@dataclass(frozen=True)
class ResourceSet:
    """One program's binary resources: where its .resx and Designer go, its namespace (the
    runtime looks for "<namespace>.Resources.nanoresources" among the program's resource files;
    the build names that file after the EmbeddedResource's ManifestResourceName, which the .nfproj
    must set to that), what the files are (for the comments) and the files."""

    folder: Path
    namespace: str
    what: str
    source: str

    def files(self, weights=WEIGHTS):
        models = model_files(weights)
        if self.folder == DEVICE:
            return [lean_path(p) for p in models]
        if self.folder == REPLAY:
            return models + [REPLAY_INPUT / name for name in REPLAY_RECORDINGS]
        if self.folder == TESTS_DEVICE:
            return [FIXTURES / name for name in TESTS_MODELS]
        return models

    @property
    def base_name(self):
        return f"{self.namespace}.{CLASS_NAME}"


APP = ResourceSet(
    DEVICE,
    "MambaNano",
    "The lean INT8 model files (weights/device/*.mnm, no PC-only f32 tensors)",
    "weights/device/*.mnm (lean files of weights/*.mnm)",
)
REPLAY_SET = ResourceSet(
    REPLAY,
    "MambaNano.Replay",
    "The INT8 model files (weights/*.mnm) and the recorded sensor input "
    "(build/nanoclr/replay/*.mnrec)",
    "weights/*.mnm and build/nanoclr/replay/*.mnrec",
)
TESTS_SET = ResourceSet(
    TESTS_DEVICE,
    "MambaNano.Tests",
    "Two test models (native-interop/tests/fixtures/imu.mnm and logmel.mnm), for the device-only "
    "tests of models read in place",
    "native-interop/tests/fixtures/{imu,logmel}.mnm",
)
RESOURCE_SETS = (APP, REPLAY_SET, TESTS_SET)

# How the .resx types a file reference to raw bytes (the .NET Framework form Visual Studio writes;
# MSBuild's own ResX reader also recognises any "System.Byte[]" + "mscorlib" type as bytes).
BYTE_ARRAY_TYPE = (
    "System.Byte[], mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"
)
WINFORMS = "System.Windows.Forms, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CSHARP_KEYWORDS = frozenset(
    """
    abstract as base bool break byte case catch char checked class const continue decimal default
    delegate do double else enum event explicit extern false finally fixed float for foreach goto if
    implicit in int interface internal is lock long namespace new null object operator out override
    params private protected public readonly ref return sbyte sealed short sizeof stackalloc static
    string struct switch this throw true try typeof uint ulong unchecked unsafe ushort using virtual
    void volatile while""".split()
)


def _int32(x):
    x &= 0xFFFFFFFF
    return x - (1 << 32) if x & 0x80000000 else x


def _int16(x):
    x &= 0xFFFF
    return x - (1 << 16) if x & 0x8000 else x


def resource_id(name):
    """The 16-bit id nanoFramework gives the resource called `name`.

    Two interleaved djb2-xor hashes over the name's UTF-16 code units (even positions into one,
    odd into the other, both seeded (5381 << 16) + 5381), combined as h1 + h2 * 1566083941 in
    wrapping 32-bit arithmetic, then folded to 16 bits as (short)(hash >> 16) ^ (short)hash.
    Source: GenerateIdFromResourceName in nanoframework/nf-Visual-Studio-extension
    Tools.BuildTasks-2019/ProcessResourceFiles.cs (the ResX code generator's enum values) and in
    nanoframework/metadata-processor MetadataProcessor.Shared/Tables/nanoResourcesTable.cs (the id
    the build stores with each resource). The code generator first replaces '.' with '_' in the
    name and the metadata processor does not, so a name must not contain '.' (checked in entries()).
    """
    units = name.encode("utf-16-le")
    h1 = h2 = (5381 << 16) + 5381
    for i in range(0, len(units), 2):
        c = units[i] | (units[i + 1] << 8)
        if (i // 2) % 2 == 0:
            h1 = (((h1 << 5) + h1) & 0xFFFFFFFF) ^ c
        else:
            h2 = (((h2 << 5) + h2) & 0xFFFFFFFF) ^ c
    h = _int32(h1 + h2 * 1566083941)
    return _int16(_int16(h >> 16) ^ _int16(h))


def model_files(weights=WEIGHTS):
    """weights/*.mnm, sorted by name."""
    return sorted(weights.glob("*.mnm"), key=lambda p: p.name)


def lean_path(full):
    """weights/device/<name>.mnm: where the lean file of weights/<name>.mnm goes."""
    return Path(full).parent / DEVICE_WEIGHTS / Path(full).name


def lean_bytes(full):
    """The lean device file of the full model file at `full` (model_file.lean_model_bytes)."""
    return lean_model_bytes(Path(full).read_bytes())


def entries(files, resx_dir=DEVICE):
    """[(resource name, id, .resx path)] for the model files, sorted by id as the generator sorts.

    The resource name is the file's stem ("har" for har.mnm); it must be a C# identifier without
    '.' (see resource_id), and no two names may share an id (the generator rejects that too).
    """
    out = []
    by_id = {}
    for path in files:
        name = path.stem
        if not _IDENTIFIER.match(name) or name in _CSHARP_KEYWORDS:
            raise ValueError(f"{path}: resource name {name!r} is not a C# identifier without '.'")
        rid = resource_id(name)
        if rid in by_id:
            raise ValueError(f"resources {by_id[rid]!r} and {name!r} have the same id {rid}")
        by_id[rid] = name
        rel = os.path.relpath(Path(path).resolve(), Path(resx_dir).resolve()).replace(os.sep, "\\")
        out.append((name, rid, rel))
    return sorted(out, key=lambda e: e[1])


# The app reads its models in place in the deployed assembly (MambaNano/Device/ModelResource.cs),
# which needs each model at a multiple of IN_PLACE_ALIGN bytes (the contract's MN_IN_PLACE_ALIGN).
# The metadata processor writes the binary resources of an assembly one after the other, in id
# order, without padding (it aligns only bitmaps and fonts), from a word-aligned start: a model is
# aligned when the resources before it add up to a multiple of IN_PLACE_ALIGN.


def check_models_aligned(files):
    """Raise ValueError unless every .mnm of files starts at a multiple of IN_PLACE_ALIGN in the
    resource data the build lays out from them (in id order)."""
    offset = 0  # None once a file before this one is missing (its size unknown)
    for path in sorted(map(Path, files), key=lambda f: resource_id(f.stem)):
        if path.suffix == ".mnm":
            if offset is None:
                raise ValueError(f"{path.name}: a resource before it in id order is missing")
            if offset % IN_PLACE_ALIGN:
                raise ValueError(
                    f"{path.name} would start at byte {offset} of the assembly's resource data, "
                    f"not a multiple of {IN_PLACE_ALIGN}: the engine cannot read it in place "
                    "(rename a resource before it, which moves it in id order, or pad it)"
                )
        offset = offset + path.stat().st_size if offset is not None and path.exists() else None


def render_resx(items, rset=APP):
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<root>",
        f"  <!-- Generated by `mambanano gen-resources` from {rset.source}: run",
        "       tools/mambanano gen-resources instead of editing. Each entry links one",
        "       file, embedded as a nanoFramework binary resource (System.Byte[]). -->",
    ]
    for key, value in (
        ("resmimetype", "text/microsoft-resx"),
        ("version", "2.0"),
        ("reader", "System.Resources.ResXResourceReader, " + WINFORMS),
        ("writer", "System.Resources.ResXResourceWriter, " + WINFORMS),
    ):
        lines += [
            f"  <resheader name={quoteattr(key)}>",
            f"    <value>{escape(value)}</value>",
            "  </resheader>",
        ]
    lines.append(f'  <assembly alias="System.Windows.Forms" name={quoteattr(WINFORMS)} />')
    for name, _rid, rel in sorted(items):
        lines += [
            f'  <data name={quoteattr(name)} type="System.Resources.ResXFileRef, System.Windows.Forms">',
            f"    <value>{escape(rel + ';' + BYTE_ARRAY_TYPE)}</value>",
            "  </data>",
        ]
    lines += ["</root>", ""]
    return "\n".join(lines)


def render_designer(items, rset=APP):
    c = CLASS_NAME
    out = [
        "//------------------------------------------------------------------------------",
        "// <auto-generated>",
        f"//     Generated by `mambanano gen-resources` from {rset.source}, with the resource ids",
        "//     nanoFramework's nFResXFileCodeGenerator computes. Do not edit: run",
        "//     tools/mambanano gen-resources",
        "// </auto-generated>",
        "//------------------------------------------------------------------------------",
        "",
        f"namespace {rset.namespace}",
        "{",
        "    /// <summary>",
        f"    /// {rset.what}: managed binary resources",
        "    /// (Resources.resx), deployed with the program, replaceable without reflashing the firmware.",
        "    /// </summary>",
        f"    internal partial class {c}",
        "    {",
        "        private static System.Resources.ResourceManager manager;",
        "",
        "        internal static System.Resources.ResourceManager ResourceManager",
        "        {",
        "            get",
        "            {",
        f"                if ({c}.manager == null)",
        "                {",
        f"                    {c}.manager =",
        f'                        new System.Resources.ResourceManager("{rset.base_name}", typeof({c}).Assembly);',
        "                }",
        f"                return {c}.manager;",
        "            }",
        "        }",
        "",
        "        /// <summary>A copy of the resource's bytes.</summary>",
        f"        internal static byte[] GetBytes({c}.{BINARY_ENUM} id)",
        "        {",
        "            return (byte[])nanoFramework.Runtime.Native.ResourceUtility.GetObject(ResourceManager, id);",
        "        }",
        "",
        "        /// <summary>The resource as a model file the engine reads in place (no copy).</summary>",
        f"        internal static MambaNano.ModelResource Model({c}.{BINARY_ENUM} id)",
        "        {",
        "            return new MambaNano.ModelResource(ResourceManager, id, (short)id);",
        "        }",
        "",
        "        /// <summary>One member per file, named after it; the value is the resource id.</summary>",
        "        [System.SerializableAttribute()]",
        f"        internal enum {BINARY_ENUM} : short",
        "        {",
    ]
    for name, rid, _rel in items:
        out.append(f"            {name} = {rid},")
    out += ["        }", "    }", "}", ""]
    return "\n".join(out)


def generate(weights=WEIGHTS, resx_dir=DEVICE, rset=APP):
    """{output path name: text} for resource set `rset` with the model files in `weights`."""
    items = entries(rset.files(weights), resx_dir)
    return {
        "Resources.resx": render_resx(items, rset),
        "Resources.Designer.cs": render_designer(items, rset),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    ap.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the committed files differ from what would be generated",
    )
    args = ap.parse_args(argv)
    stale = []
    for full in model_files():
        lean, path = lean_bytes(full), lean_path(full)
        if args.check:
            if not path.exists() or path.read_bytes() != lean:
                stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != lean:
            path.write_bytes(lean)
            print(f"wrote {path} ({len(lean)} bytes, lean file of {full.name})")
    for rset in RESOURCE_SETS:
        check_models_aligned(rset.files())
        outputs = generate(resx_dir=rset.folder, rset=rset)
        if args.check:
            stale += [
                rset.folder / n
                for n, text in outputs.items()
                if not (rset.folder / n).exists()
                or (rset.folder / n).read_text(encoding="utf-8") != text
            ]
            continue
        rset.folder.mkdir(parents=True, exist_ok=True)
        for n, text in outputs.items():
            with open(rset.folder / n, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            print(f"wrote {rset.folder / n}")
    for path in stale:
        print(f"{path} is out of date: run tools/mambanano gen-resources", file=sys.stderr)
    return 1 if stale else 0
