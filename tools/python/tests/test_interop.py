"""The interop surface of MambaNano.Interop where no compiler or runtime checks it.

The real toolchain (bash tools/nanoclr/build.sh) compiles native-interop/managed/*.cs against the
real nanoFramework reference assemblies, makes the .pe with the real MetadataProcessor (MDP), and
compiles nf/*.cpp into the POSIX nanoCLR against the real nanoCLR headers; tools/nanoclr/run_tests.py
and replay.sh then call every NativeEngine method on that nanoCLR, which refuses the assembly if
its native checksum is not the firmware's. What none of that sees, checked here:

  - nf/MambaNano_Interop.cpp's method table, in order, is the MDP's
    (build/nanoclr/app/MambaNano.Interop.native.txt): nanoCLR calls the entries by index, so two
    swapped entries keep the checksum and call the wrong method. The checksum and native version,
    read back by nf-interpreter's own CMake code as the firmware build reads them (the POSIX build
    does not), are the MDP's checksum and AssemblyNativeVersion (the deployer compares the
    version; nothing here does). The READMEs quote that checksum.
  - managed/host/NativeEngine.cs, the P/Invoke twin: the device class's methods, each calling the
    mn_engine_* function of mn_engine.h by a DllImport whose parameters are that function's C types
    (no compiler sees both sides of a P/Invoke).
  - nf/*.cpp compile where int32_t is not `signed int` (ESP-IDF 5's Xtensa and arm-none-eabi
    newlib: long), which the x86-64 POSIX build cannot see.

    /usr/bin/python3 -m pytest -q -p no:cacheprovider tools/python/tests/test_interop.py
"""

import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
INTEROP = ROOT / "native-interop"
NF = INTEROP / "nf"
INCLUDE = INTEROP / "include"
MANAGED = INTEROP / "managed"
NANOCLR = ROOT / "build" / "nanoclr"


def strip_c_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)


@pytest.fixture(scope="module")
def toolchain():
    """The real toolchain's outputs under build/nanoclr. The build is cached (seconds when nothing
    changed) and decides itself what is stale, so it always runs: a table left from before a
    change of the C# would be compared otherwise."""
    r = subprocess.run(
        ["bash", str(ROOT / "tools/nanoclr/build.sh")], cwd=ROOT, capture_output=True, text=True
    )
    assert r.returncode == 0, (
        f"bash tools/nanoclr/build.sh failed:\n{r.stdout[-3000:]}{r.stderr[-3000:]}"
    )
    return NANOCLR


# ---------------------------------------------------------------------------------------------
# nf/MambaNano_Interop.cpp against the MetadataProcessor


def mdp_native_table(toolchain):
    """(assembly, checksum, table entries) the MDP printed for MambaNano.Interop."""
    first, *table = (toolchain / "app" / "MambaNano.Interop.native.txt").read_text().splitlines()
    m = re.fullmatch(r"(\S+) native checksum (0x[0-9A-F]{8})", first)
    assert m, first
    return m.group(1), m.group(2), table


# nf-interpreter's CMake/Modules/FindNF_NativeAssemblies.cmake reads each native assembly's
# checksum and version out of its sources with AddNativeAssemblyVersion() for the firmware's
# native_assemblies.csv; this runs that macro, as the pinned nf-interpreter has it, on our .cpp.
READ_VERSION_CMAKE = r"""
file(READ "${module}" text)
string(FIND "${text}" "macro(AddNativeAssemblyVersion" start)
string(SUBSTRING "${text}" ${start} -1 text)
string(FIND "${text}" "endmacro()" end)
string(SUBSTRING "${text}" 0 ${end} text)
cmake_language(EVAL CODE "${text}endmacro()")
AddNativeAssemblyVersion("MambaNano.Interop" "MambaNano_Interop" "${source}")
message("${NF_NativeAssemblies_VERSIONS}")
"""


def test_method_table_is_the_metadata_processors(toolchain):
    """method_lookup[] lists the MDP's entries in the MDP's order: nanoCLR calls entry i for the
    assembly's i-th method, and a swap that keeps every name compiles and keeps the checksum."""
    _, _, want = mdp_native_table(toolchain)
    cpp = strip_c_comments((NF / "MambaNano_Interop.cpp").read_text())
    m = re.search(r"\bmethod_lookup\s*\[\s*\]\s*=\s*\{(.*?)\}\s*;", cpp, re.S)
    assert m, "nf/MambaNano_Interop.cpp: no method_lookup[] table"
    got = [re.sub(r"\s+", "", e) for e in m.group(1).split(",") if e.strip()]
    assert got == want, "copy the table from build/nanoclr/app/MambaNano.Interop.native.txt"


def test_checksum_and_native_version_as_the_firmware_build_reads_them(toolchain, tmp_path):
    """What nf-interpreter's firmware build reads out of MambaNano_Interop.cpp (the POSIX build
    does not read it) is the MDP's checksum and the C#'s AssemblyNativeVersion, which only a
    deployer to a board compares."""
    assembly, checksum, _ = mdp_native_table(toolchain)
    info = (MANAGED / "Properties" / "AssemblyInfo.cs").read_text(encoding="utf-8-sig")
    version = re.search(r'AssemblyNativeVersion\("([\d.]+)"\)', info).group(1)
    script = tmp_path / "read_version.cmake"
    script.write_text(READ_VERSION_CMAKE)
    r = subprocess.run(
        [
            "cmake",
            f"-Dmodule={toolchain / 'nf-interpreter/CMake/Modules/FindNF_NativeAssemblies.cmake'}",
            f"-Dsource={NF / 'MambaNano_Interop.cpp'}",
            "-P",
            str(script),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == f"{assembly},{version},{checksum}", (
        "nf/MambaNano_Interop.cpp's g_CLR_AssemblyNative_MambaNano_Interop, as nf-interpreter reads it, "
        "against the MDP's checksum and AssemblyNativeVersion (no '0' may precede the checksum in it)"
    )


@pytest.mark.parametrize("readme", ["README.md", "native-interop/nf/README.md"])
def test_readme_quotes_the_checksum(toolchain, readme):
    """Prose: no tool reads it."""
    _, checksum, _ = mdp_native_table(toolchain)
    assert checksum in (ROOT / readme).read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The host's P/Invoke twin against the device class and mn_engine.h

C_TO_CSHARP = {
    "int8_t": "sbyte",
    "uint8_t": "byte",
    "int16_t": "short",
    "uint16_t": "ushort",
    "int32_t": "int",
    "uint32_t": "uint",
}


def csharp_for_c(param):
    """The DllImport parameter type for a C parameter: 'const int16_t *counts' -> 'short[]',
    'int32_t *info' -> '[Out] int[]' (the engine writes it), 'int32_t slot' -> 'int'."""
    m = re.fullmatch(r"(const\s+)?(\w+)\s*(\*?)\s*\w+", param.strip())
    assert m and m.group(2) in C_TO_CSHARP, f"mn_engine.h: no P/Invoke type for '{param.strip()}'"
    const, base, pointer = m.groups()
    if not pointer:
        return C_TO_CSHARP[base]
    return f"{C_TO_CSHARP[base]}[]" if const else f"[Out] {C_TO_CSHARP[base]}[]"


def params(text):
    return [re.sub(r"\s+", " ", p.strip()) for p in text.split(",") if p.strip()]


def test_host_twin_matches_device_class_and_header():
    """The P/Invoke class has the InternalCall class's methods (names, parameter types and names, in
    order); each calls mn_engine_<snake_case name> through a DllImport whose parameter types are
    those of the C prototype. Neither the C# compiler nor the runtime sees the C side of a
    DllImport, and the shared Core code compiles against either class as long as the calls fit."""
    device_cs = (MANAGED / "NativeEngine.cs").read_text()
    device = re.findall(r"public static extern int (\w+)\(([^)]*)\);", device_cs)
    host_cs = (MANAGED / "host" / "NativeEngine.cs").read_text()
    host = re.findall(r"public static int (\w+)\(([^)]*)\)\s*=>\s*([^;]*);", host_cs)
    assert device and len(device) == device_cs.count(" extern "), (
        "an extern of another form than the others"
    )
    assert [(n, params(p)) for n, p, _ in host] == [(n, params(p)) for n, p in device]

    imports = {
        name: [re.sub(r"\s*\w+$", "", p) for p in params(ps)]
        for name, ps in re.findall(
            r"\[DllImport\(Library\)\]\s*private static extern int (mn_engine_\w+)\(([^)]*)\);",
            host_cs,
        )
    }
    header = {
        name: [csharp_for_c(p) for p in params(ps)]
        for name, ps in re.findall(
            r"\bint32_t (mn_engine_\w+)\(([^)]*)\);",
            strip_c_comments((INCLUDE / "mn_engine.h").read_text()),
        )
    }
    for name, _, body in host:
        function = "mn_engine_" + re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        assert f"{function}(" in body, f"host NativeEngine.{name} does not call {function}"
        assert function in header, f"{function} is not an int32_t function of mn_engine.h"
        assert imports.get(function) == header[function], (
            f"DllImport {function} against mn_engine.h"
        )


# ---------------------------------------------------------------------------------------------
# nf/*.cpp where int32_t is long

# Forced before each file: nanoCLR's headers and the C library as the POSIX build sees them, then
# int32_t and uint32_t as 4-byte types other than (unsigned) int, as long and unsigned long are on
# the firmware's toolchains. On x86-64 long has 8 bytes, so wchar_t and char32_t stand in for them.
LONG_INT32_PRELUDE = """#include "MambaNano_Interop.h"
#define int32_t wchar_t
#define uint32_t char32_t
"""


def nanoclr_compile_commands(toolchain):
    """nf/*.cpp -> the argument list the POSIX nanoCLR build compiles it with."""
    out = subprocess.run(
        ["ninja", "-C", str(toolchain / "posix"), "-t", "commands"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    commands = {}
    for line in out.splitlines():
        args = shlex.split(line)
        source = Path(args[args.index("-c") + 1]) if "-c" in args else None
        if source is not None and source.parent == NF:
            commands[source] = args
    return commands


def test_nf_compiles_where_int32_t_is_long(toolchain, tmp_path):
    """With the real nanoCLR headers and the POSIX build's own flags, every nf/*.cpp (all of them
    built into nanoCLR) compiles warning-free when int32_t is not the `signed int` of nanoCLR's
    CLR_RT_TypedArray_INT32: the engine's int32_t* parameters then need the Data<>() cast."""
    commands = nanoclr_compile_commands(toolchain)
    assert sorted(commands) == sorted(NF.glob("*.cpp"))
    (tmp_path / "prelude.h").write_text(LONG_INT32_PRELUDE)
    for source, args in commands.items():
        keep, skip = [], 0
        for a in args:
            if skip:
                skip -= 1
            elif a in ("-o", "-MF", "-MT", "-c"):
                skip = 1
            elif a != "-MD":
                keep.append(a)
        r = subprocess.run(
            [
                *keep,
                "-fsyntax-only",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-include",
                str(tmp_path / "prelude.h"),
                str(source),
            ],
            cwd=toolchain / "posix",
            capture_output=True,
            text=True,
        )
        assert r.returncode == 0, f"{source.name}:\n{r.stderr[-4000:]}"
