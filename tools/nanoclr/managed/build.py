"""Builds the .NET nanoFramework managed toolchain and assemblies from the pinned sources.

    /usr/bin/python3 tools/nanoclr/managed/build.py [--src DIR] [--out build/nanoclr]
        the MetadataProcessor (OUT/mdp) and every nanoFramework library the project references:
        OUT/ref/<Assembly>.dll (what projects compile against), OUT/pe/<Assembly>.pe and .pdbx,
        and OUT/pe/<Assembly>.native.txt (native checksum + method table) for an assembly with
        native methods
    /usr/bin/python3 tools/nanoclr/managed/build.py project PATH.nfproj [--out DIR]
        one project, and first its ProjectReferences, into DIR (default OUT/app):
        <Assembly>.dll or .exe, .pe, .pdbx, and <Assembly>.load.txt, the .pe files a nanoCLR
        loads for it in load order (mscorlib first, the assembly last)

An assembly is compiled by Roslyn's csc (-nostdlib -noconfig) from its .nfproj's compile items
(see nfproj.py), references resolved by assembly name to the libraries below (HintPaths are
ignored), then turned into a .pe by the MDP with the whole reference closure as load hints.
Each step is skipped when its stamp (sha-256 of the pinned commit, project file, compile files,
resources, key, referenced assemblies' stamps and tool versions) is unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import nfproj  # beside this script: on sys.path when it runs
import sources

MDP_PROJECT = sources.ROOT / "tools" / "nanoclr" / "MetadataProcessor"

# The nanoFramework libraries the project's .nfproj files reference (and theirs), as
# (source tree, .nfproj in it). mscorlib is CoreLibrary's reflection-enabled variant: the one
# nanoFramework.CoreLibrary.nuspec packs as lib/mscorlib.dll (NoReflection is another package).
LIBRARIES = (
    ("CoreLibrary", "nanoFramework.CoreLibrary/CoreLibrary.nfproj"),
    (
        "nanoFramework.Runtime.Events",
        "nanoFramework.Runtime.Events/nanoFramework.Runtime.Events.nfproj",
    ),
    (
        "nanoFramework.Runtime.Native",
        "nanoFramework.Runtime.Native/nanoFramework.Runtime.Native.nfproj",
    ),
    ("nanoFramework.System.Text", "nanoFramework.System.Text/nanoFramework.System.Text.nfproj"),
    ("System.Math", "nanoFramework.System.Math/nanoFramework.System.Math.nfproj"),
    (
        "nanoFramework.ResourceManager",
        "nanoFramework.ResourceManager/nanoFramework.ResourceManager.nfproj",
    ),
    ("System.IO.Streams", "System.IO.Streams/System.IO.Streams.nfproj"),
    ("System.Device.Gpio", "System.Device.Gpio/System.Device.Gpio.nfproj"),
    ("System.Device.I2c", "System.Device.I2c/System.Device.I2c.nfproj"),
    ("System.Device.I2s", "System.Device.I2s/System.Device.I2s.nfproj"),
    ("System.IO.Ports", "System.IO.Ports/System.IO.Ports.nfproj"),
    (
        "nanoFramework.Hardware.Esp32",
        "nanoFramework.Hardware.Esp32/nanoFramework.Hardware.Esp32.nfproj",
    ),
    (
        "nanoFramework.IoT.Device",
        "devices/System.Diagnostics.Stopwatch/System.Diagnostics.Stopwatch.nfproj",
    ),
    ("nanoFramework.TestFramework", "source/TestFramework/nanoFramework.TestFramework.nfproj"),
    (
        "nanoFramework.TestFramework",
        "source/UnitTestLauncher/nanoFramework.UnitTestLauncher.nfproj",
    ),
)

DIAGNOSTIC = re.compile(r"(?:^|: )(warning|error) [A-Z]+\d+: ")
NATIVE_CHECKSUM = re.compile(r"native checksum (0x[0-9A-F]{8})$", re.M)


class BuildError(RuntimeError):
    """A build step failed; the message carries the tool's output."""


@dataclass(frozen=True)
class Layout:
    """Where an assembly's outputs go."""

    dll_dir: Path
    pe_dir: Path
    obj_dir: Path


@dataclass
class Assembly:
    name: str
    dll: Path
    pe: Path
    key: str
    closure: list[Assembly]  # what it references, directly or not, in load order
    native_checksum: str
    warnings: list[str]
    cached: bool


def _sha256(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _run(cmd: list[str], what: str) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise BuildError(f"{what} failed (exit {proc.returncode}):\n{output.strip()}")
    return output


def _read_stamp(stamp: Path, key: str) -> dict | None:
    try:
        data = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return None
    return data if data.get("key") == key else None


def _resx_files(resx: Path) -> list[Path]:
    """The files a .resx links (ResXFileRef values are 'path;type[;encoding]')."""
    files = []
    for data in ET.parse(resx).getroot().iter("data"):
        if (data.get("type") or "").startswith("System.Resources.ResXFileRef,"):
            link = (data.findtext("value") or "").split(";")[0].strip().replace("\\", "/")
            file = (resx.parent / link).resolve()
            if not file.is_file():
                raise BuildError(
                    f"{resx}: resource '{data.get('name')}' links {file}, which does not exist"
                )
            files.append(file)
    return files


def assembly_version(project_dir: Path, tree: Path, ref: str) -> str | None:
    """The AssemblyVersion Nerdbank.GitVersioning stamps at build time, for a project under a
    version.json: major.minor from it, and at 'build' precision the git height, read from the
    pinned tag (vMAJOR.MINOR.HEIGHT); a pin that is not such a tag gives height 0. None without
    a version.json (the project states its own version)."""
    config_file = next(
        (
            folder / "version.json"
            for folder in _folders_up(project_dir, tree)
            if (folder / "version.json").is_file()
        ),
        None,
    )
    if config_file is None:
        return None
    config = json.loads(config_file.read_text(encoding="utf-8-sig"))
    major, minor = re.match(r"(\d+)\.(\d+)", config["version"]).groups()
    precision = config.get("assemblyVersion", {}).get("precision", "minor")
    tag = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)", ref)
    height = tag.group(3) if tag and tag.group(1, 2) == (major, minor) else "0"
    if precision == "minor":
        return f"{major}.{minor}.0.0"
    if precision == "build":
        return f"{major}.{minor}.{height}.0"
    raise BuildError(f"{config_file}: assemblyVersion precision {precision!r} is not reproduced")


def _folders_up(folder: Path, top: Path) -> list[Path]:
    """FOLDER and its parents up to TOP, which contains it."""
    return [folder, *folder.parents[: len(folder.relative_to(top).parts)]]


class Builder:
    def __init__(self, out: Path, trees: dict[str, Path]):
        self.out = out.resolve()
        self.trees = trees
        self.pins = {pin.name: pin for pin in sources.read_manifest()}
        self.sdk = _run(["dotnet", "--version"], "dotnet --version").strip()
        dotnet_root = Path(shutil.which("dotnet")).resolve().parent
        self.csc = dotnet_root / "sdk" / self.sdk / "Roslyn" / "bincore" / "csc.dll"
        if not self.csc.is_file():
            raise BuildError(f"Roslyn not found at {self.csc}")
        self.mdp, mdp_key = self._build_mdp()
        # Everything an assembly's build depends on besides its own inputs.
        self.tool_key = _sha256(
            self.sdk, mdp_key, Path(__file__).read_bytes(), Path(nfproj.__file__).read_bytes()
        )
        self.library_layout = Layout(self.out / "ref", self.out / "pe", self.out / "obj")
        self.catalog: dict[str, Path] = {}
        for tree, relative in LIBRARIES:
            path = trees[tree] / relative
            self.catalog[nfproj.read(path).assembly_name] = path
        self.done: dict[Path, Assembly] = {}

    # -- the MetadataProcessor -------------------------------------------------------------

    def _build_mdp(self) -> tuple[Path, str]:
        pin = self.pins["metadata-processor"]
        key = _sha256(
            pin.commit, self.sdk, *(p.read_bytes() for p in sorted(MDP_PROJECT.glob("*.cs*")))
        )
        work = self.out / "mdp"
        dll = work / "bin" / "MetadataProcessor" / "release" / "nfmdp.dll"
        stamp = work / "stamp.json"
        if dll.is_file() and _read_stamp(stamp, key):
            return dll, key
        started = time.monotonic()
        stamp.unlink(missing_ok=True)
        _run(
            [
                "dotnet",
                "build",
                str(MDP_PROJECT / "MetadataProcessor.csproj"),
                "-c",
                "Release",
                "--artifacts-path",
                str(work),
                "--disable-build-servers",
                "-nologo",
                "-v:q",
                f"-p:MdpSourceDir={self.trees['metadata-processor']}",
            ],
            "building the MetadataProcessor",
        )
        stamp.write_text(json.dumps({"key": key}) + "\n")
        print(f"built   MetadataProcessor ({pin.commit[:10]})  {time.monotonic() - started:.1f} s")
        return dll, key

    def mdp_command(self, *args: str) -> str:
        return _run(["dotnet", str(self.mdp), *args], f"nfmdp {args[0]} {Path(args[1]).name}")

    # -- assemblies ------------------------------------------------------------------------

    def libraries(self) -> list[Assembly]:
        return [self.build(path, self.library_layout) for path in self.catalog.values()]

    def project(self, path: Path, out: Path) -> Assembly:
        """Build a project (and its ProjectReferences) into OUT, libraries into the toolchain."""
        return self.build(path, Layout(out, out, out / "obj"))

    def build(self, path: Path, layout: Layout) -> Assembly:
        """Build the project at PATH (after what it references) unless its stamp is current."""
        path = path.resolve()
        if path in self.done:
            return self.done[path]
        project = nfproj.read(path)
        references: dict[str, Assembly] = {}
        for reference in project.project_references:
            built = self.build(reference, layout)
            references[built.name] = built
        for name in project.references:
            if name not in references:
                if name not in self.catalog:
                    raise BuildError(f"{path.name}: no pinned library builds assembly '{name}'")
                references[name] = self.build(self.catalog[name], self.library_layout)
        closure: list[Assembly] = []
        for reference in references.values():
            for assembly in [*reference.closure, reference]:
                if assembly not in closure:
                    closure.append(assembly)

        tree = next((name for name, t in self.trees.items() if path.is_relative_to(t)), None)
        pin = self.pins[tree] if tree else None
        version = assembly_version(project.directory, self.trees[tree], pin.ref) if pin else None
        attributes = _generated_attributes(version)
        key = self._key(project, pin, attributes, references.values())

        suffix = ".exe" if project.output_type.lower() in ("exe", "winexe") else ".dll"
        dll = layout.dll_dir / f"{project.assembly_name}{suffix}"
        pe = layout.pe_dir / f"{project.assembly_name}.pe"
        obj = layout.obj_dir / project.assembly_name
        stamp = _read_stamp(obj / "stamp.json", key)
        if stamp and dll.is_file() and pe.is_file():
            assembly = Assembly(
                project.assembly_name,
                dll,
                pe,
                key,
                closure,
                stamp["native_checksum"],
                stamp["warnings"],
                cached=True,
            )
        else:
            assembly = self._compile(
                project, obj, dll, pe, key, closure, attributes, list(references.values())
            )
        if layout != self.library_layout:
            load = [str(a.pe) for a in [*closure, assembly]]
            (layout.dll_dir / f"{project.assembly_name}.load.txt").write_text(
                "\n".join(load) + "\n"
            )
        self.done[path] = assembly
        return assembly

    def _key(
        self, project: nfproj.Nfproj, pin: sources.Pin | None, attributes: str, references
    ) -> str:
        files = [project.path, *project.sources]
        for resource in project.resources:
            files += [resource.resx, *_resx_files(resource.resx)]
        files += [f for f in (project.key_file, project.response_file) if f]
        parts = [self.tool_key, pin.commit if pin else "", attributes]
        for file in files:
            parts += [os.path.relpath(file, project.directory), file.read_bytes()]
        parts += sorted(f"{r.name}={r.key}" for r in references)
        return _sha256(*parts)

    def _compile(
        self,
        project: nfproj.Nfproj,
        obj: Path,
        dll: Path,
        pe: Path,
        key: str,
        closure: list[Assembly],
        attributes: str,
        references: list[Assembly],
    ) -> Assembly:
        started = time.monotonic()
        for folder in (obj, dll.parent, pe.parent):
            folder.mkdir(parents=True, exist_ok=True)
        (obj / "stamp.json").unlink(missing_ok=True)
        generated = obj / f"{project.assembly_name}.AssemblyAttributes.g.cs"
        generated.write_text(attributes)

        args = [
            "-nologo",
            "-nostdlib+",
            "-deterministic+",
            "-utf8output",
            f"-target:{'exe' if dll.suffix == '.exe' else 'library'}",
            f"-out:{dll}",
            f"-langversion:{project.lang_version}",
            f"-define:{';'.join(project.defines)}",
            f"-warn:{project.warning_level}",
            f"-nowarn:{','.join(project.nowarn)}",
            "-optimize+",
            "-debug-",
        ]
        if project.allow_unsafe:
            args.append("-unsafe+")
        if project.warnings_as_errors:
            args.append("-warnaserror+")
        if project.key_file:
            args.append(f"-keyfile:{project.key_file}")
            if project.delay_sign:
                args.append("-delaysign+")
        if project.response_file:
            args.append(f"@{project.response_file}")
        args += [f"-reference:{r.dll}" for r in references]
        for resource in project.resources:
            binary = obj / resource.manifest_name
            self.mdp_command("resx", str(resource.resx), str(binary))
            args.append(f"-resource:{binary},{resource.manifest_name}")
        args += [str(generated), *map(str, project.sources)]
        rsp = obj / "csc.rsp"
        rsp.write_text("".join(f'"{a}"\n' if " " in a else f"{a}\n" for a in args))

        # -noconfig only counts on the command line, not in a response file.
        proc = subprocess.run(
            ["dotnet", str(self.csc), "-noconfig", f"@{rsp}"], capture_output=True, text=True
        )
        output = proc.stdout + proc.stderr
        (obj / "csc.log").write_text(output)
        diagnostics = {"warning": set(), "error": set()}
        for line in output.splitlines():
            match = DIAGNOSTIC.search(line)
            if match:
                diagnostics[match.group(1)].add(line.strip())
        if proc.returncode != 0:
            errors = "\n".join(sorted(diagnostics["error"])) or output.strip()
            raise BuildError(f"csc {project.path.name} failed:\n{errors}")
        warnings = sorted(diagnostics["warning"])

        mdp_args = ["compile", str(dll), str(pe), "--native-table"]
        if project.is_core_library:
            mdp_args.append("--corelib")
        for assembly in closure:
            mdp_args += ["--ref", str(assembly.dll)]
        for name in project.exclude_classes:
            mdp_args += ["--exclude", name]
        output = self.mdp_command(*mdp_args)
        summary = NATIVE_CHECKSUM.search(output)
        checksum, table = summary.group(1), output[summary.end() :].split()
        native = pe.with_suffix(".native.txt")
        native.unlink(missing_ok=True)
        if checksum != "0x00000000":
            native.write_text(
                f"{project.assembly_name} native checksum {checksum}\n"
                + "".join(f"{entry}\n" for entry in table)
            )

        (obj / "stamp.json").write_text(
            json.dumps({"key": key, "native_checksum": checksum, "warnings": warnings}, indent=1)
            + "\n"
        )
        print(
            f"built   {project.assembly_name:<40} {checksum}  {len(warnings):3d} warnings"
            f"  {time.monotonic() - started:5.1f} s"
        )
        return Assembly(
            project.assembly_name, dll, pe, key, closure, checksum, warnings, cached=False
        )


def _generated_attributes(version: str | None) -> str:
    """What the nanoFramework project system (TargetFramework) and, for a project under a
    version.json, Nerdbank.GitVersioning (AssemblyVersion) add to every compilation."""
    lines = [
        "// Generated by tools/nanoclr/managed/build.py.",
        "[assembly: global::System.Runtime.Versioning.TargetFramework("
        '".NETnanoFramework,Version=v1.0", FrameworkDisplayName = ".NET nanoFramework 1.0")]',
    ]
    if version:
        lines.append(f'[assembly: global::System.Reflection.AssemblyVersion("{version}")]')
    return "\n".join(lines) + "\n"


def _print_cached(assemblies: list[Assembly]) -> None:
    for a in assemblies:
        if a.cached:
            print(f"cached  {a.name:<40} {a.native_checksum}  {len(a.warnings):3d} warnings")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--src",
        type=Path,
        default=sources.DEFAULT_SRC,
        help="folder of the pinned archives, or of git clones at the pinned commits",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=sources.DEFAULT_OUT,
        help="toolchain build folder (default build/nanoclr)",
    )
    sub = ap.add_subparsers(dest="command")
    project = sub.add_parser("project", help="build one .nfproj (and its ProjectReferences)")
    project.add_argument("nfproj", type=Path)
    project.add_argument(
        "--out", dest="project_out", type=Path, help="output folder (default OUT/app)"
    )
    args = ap.parse_args()

    started = time.monotonic()
    try:
        builder = Builder(args.out, sources.prepare(args.src, args.out))
        libraries = builder.libraries()
        if args.command == "project":
            out = (args.project_out or args.out / "app").resolve()
            built = builder.project(args.nfproj, out)
            for assembly in builder.done.values():
                if assembly.pe.parent == out:
                    print(f"{assembly.name}: {len(assembly.warnings)} warnings")
                    for warning in assembly.warnings:
                        print(f"  {warning}")
            print(
                f"{built.name}: {built.pe} ({len(built.warnings)} warnings, native checksum "
                f"{built.native_checksum}); load order in {out / (built.name + '.load.txt')}"
            )
        else:
            _print_cached(libraries)
    except (sources.SourceError, nfproj.NfprojError, BuildError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"done in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
