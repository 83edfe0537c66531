"""Reads a nanoFramework .nfproj (an MSBuild project) into what a csc + MDP build needs.

Evaluates the subset of MSBuild these projects use: properties in document order with $(Name)
expansion, conditions made of '...' == / != '...', Exists(...), and/or; Compile items (with
wildcards), Reference, ProjectReference, EmbeddedResource, NFMDP_PE_ExcludeClassByName, and
shared-project .projitems imports. The nanoFramework project system's own props/targets (a Visual
Studio extension, not part of the snapshots) are stood in for by the defaults they set, for the
Release configuration the NuGet packages are built in. Anything outside that subset raises
NfprojError instead of being guessed.
"""

from __future__ import annotations

import glob
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

# NFProjectSystem.Default.props (Release) and Microsoft.CSharp.targets defaults.
PROJECT_SYSTEM_DEFAULTS = {
    "Configuration": "Release",
    "Platform": "AnyCPU",
    "DefineConstants": "TRACE",
    "LangVersion": "9.0",
    "WarningLevel": "4",
}
# NFProjectSystem.CSharp.targets appends this after the project's own properties.
FRAMEWORK_DEFINE = "NANOFRAMEWORK_1_0"
# Microsoft.CSharp.targets adds these to NoWarn (assembly unification notices).
DEFAULT_NOWARN = ("1701", "1702")

IGNORED_ELEMENTS = {"Target", "ProjectExtensions", "UsingTask"}
ITEM_KINDS = {
    "Compile",
    "Reference",
    "ProjectReference",
    "EmbeddedResource",
    "NFMDP_PE_ExcludeClassByName",
}


class NfprojError(ValueError):
    """The project uses MSBuild this reader does not evaluate."""


@dataclass
class Resource:
    resx: Path
    manifest_name: str  # e.g. MambaNano.Resources.resources


@dataclass
class Nfproj:
    path: Path
    assembly_name: str
    output_type: str  # Library or Exe
    sources: list[Path]
    defines: list[str]
    lang_version: str
    allow_unsafe: bool
    key_file: Path | None
    delay_sign: bool
    references: list[str]  # assembly names
    project_references: list[Path]
    resources: list[Resource]
    exclude_classes: list[str]
    is_core_library: bool  # NF_IsCoreLibrary: the MDP's isCoreLibrary flag
    response_file: Path | None
    warning_level: str
    nowarn: list[str]
    warnings_as_errors: bool

    @property
    def directory(self) -> Path:
        return self.path.parent


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _truthy(value: str) -> bool:
    return value.strip().lower() == "true"


class _Evaluator:
    def __init__(self, project: Path, properties: dict[str, str]):
        self.project = project
        self.props = dict(properties)
        self.props.update(
            {
                "MSBuildProjectDirectory": str(project.parent),
                "MSBuildProjectName": project.stem,
                "MSBuildProjectFullPath": str(project),
            }
        )
        self.items: list[tuple[str, list[Path] | str, dict[str, str]]] = []

    def expand(self, text: str) -> str:
        if "$([" in text or "@(" in text or "%(" in text:
            raise NfprojError(
                f"{self.project}: property functions and item transforms are not "
                f"evaluated: {text!r}"
            )
        return re.sub(r"\$\(([A-Za-z_][\w.]*)\)", lambda m: self.props.get(m.group(1), ""), text)

    def condition(self, element: ET.Element) -> bool:
        text = element.get("Condition")
        if text is None:
            return True
        text = self.expand(text).strip()
        return any(
            all(self._clause(c) for c in re.split(r"\s+and\s+", alt, flags=re.I))
            for alt in re.split(r"\s+or\s+", text, flags=re.I)
        )

    def _clause(self, clause: str) -> bool:
        clause = clause.strip()
        exists = re.fullmatch(r"(!?)\s*Exists\(\s*'([^']*)'\s*\)", clause)
        if exists:
            found = self.path_of(exists.group(2)).exists() if exists.group(2) else False
            return found != bool(exists.group(1))
        compare = re.fullmatch(r"'([^']*)'\s*(==|!=)\s*'([^']*)'", clause)
        if compare:
            equal = compare.group(1).strip().lower() == compare.group(3).strip().lower()
            return equal if compare.group(2) == "==" else not equal
        raise NfprojError(f"{self.project}: condition not evaluated: {clause!r}")

    def path_of(self, text: str, base: Path | None = None) -> Path:
        path = Path(text.replace("\\", "/"))
        return _on_disk(path if path.is_absolute() else (base or self.project.parent) / path)

    def load(self, file: Path) -> None:
        root = ET.parse(file).getroot()
        self.props["MSBuildThisFileDirectory"] = str(file.parent) + "/"
        self.props["MSBuildThisFileFullPath"] = str(file)
        for element in root:
            if not isinstance(element.tag, str):
                continue
            kind = _local(element.tag)
            if kind in IGNORED_ELEMENTS or not self.condition(element):
                continue
            if kind == "PropertyGroup":
                for prop in element:
                    if isinstance(prop.tag, str) and self.condition(prop):
                        self.props[_local(prop.tag)] = self.expand(prop.text or "").strip()
            elif kind == "ItemGroup":
                for item in element:
                    if isinstance(item.tag, str) and self.condition(item):
                        self._item(_local(item.tag), item)
            elif kind == "Import":
                target = self.path_of(self.expand(element.get("Project", "")), file.parent)
                # Shared projects are followed; the nanoFramework project system's and NuGet
                # packages' imports are stood in for (see the module docstring).
                if target.suffix == ".projitems":
                    self.load(target.resolve())
                    self.props["MSBuildThisFileDirectory"] = str(file.parent) + "/"
                    self.props["MSBuildThisFileFullPath"] = str(file)
            else:
                raise NfprojError(f"{file}: <{kind}> is not evaluated")

    def _item(self, kind: str, item: ET.Element) -> None:
        if kind not in ITEM_KINDS:
            return
        unsupported = set(item.attrib) - {"Include", "Exclude", "Condition"}
        if unsupported:
            raise NfprojError(
                f"{self.project}: <{kind}> attribute(s) {sorted(unsupported)} are not evaluated"
            )
        include = self.expand(item.get("Include", ""))
        metadata = {
            _local(m.tag): self.expand(m.text or "").strip() for m in item if isinstance(m.tag, str)
        }
        if kind in ("Reference", "NFMDP_PE_ExcludeClassByName"):
            self.items.append((kind, include, metadata))
            return
        excluded = {
            p
            for spec in self.expand(item.get("Exclude", "")).split(";")
            if spec.strip()
            for p in self._files(spec.strip())
        }
        files = [
            p
            for spec in include.split(";")
            if spec.strip()
            for p in self._files(spec.strip())
            if p not in excluded
        ]
        self.items.append((kind, files, metadata))

    def _files(self, spec: str) -> list[Path]:
        path = self.path_of(spec)
        if any(ch in spec for ch in "*?"):
            return [Path(p) for p in sorted(glob.glob(str(path), recursive=True))]
        return [path]


def read(path: Path) -> Nfproj:
    """Evaluate PATH (.nfproj) as the nanoFramework project system would for Release."""
    path = path.resolve()
    ev = _Evaluator(path, PROJECT_SYSTEM_DEFAULTS)
    ev.load(path)
    props = ev.props

    def files(kind: str) -> list[tuple[list[Path], dict[str, str]]]:
        return [(v, m) for k, v, m in ev.items if k == kind]

    sources = [p.resolve() for paths, _ in files("Compile") for p in paths]
    missing = [str(p) for p in sources if not p.is_file()]
    if missing:
        raise NfprojError(f"{path}: compile items not found: {', '.join(missing)}")

    resources = []
    for paths, meta in files("EmbeddedResource"):
        for resx in paths:
            if resx.suffix.lower() != ".resx":
                raise NfprojError(f"{path}: embedded resource {resx.name}: only .resx is built")
            resources.append(Resource(resx.resolve(), _manifest_name(resx, meta, props, path)))

    key_file = None
    if _truthy(props.get("SignAssembly", "")):
        key_file = ev.path_of(props["AssemblyOriginatorKeyFile"]).resolve()

    response_file = None
    if _truthy(props.get("IsCoreAssembly", "")):
        # NFProjectSystem.CSharp.targets: a core assembly compiles with coreAssembly.rsp.
        response_file = path.parent / "coreAssembly.rsp"

    defines = [d.strip() for d in re.split(r"[;,]", props.get("DefineConstants", "")) if d.strip()]
    return Nfproj(
        path=path,
        assembly_name=props.get("AssemblyName") or path.stem,
        output_type=props.get("OutputType", "Library"),
        sources=sources,
        defines=defines + [FRAMEWORK_DEFINE],
        lang_version=props["LangVersion"],
        allow_unsafe=_truthy(props.get("AllowUnsafeBlocks", "")),
        key_file=key_file,
        delay_sign=_truthy(props.get("DelaySign", "")),
        references=[name.split(",")[0].strip() for k, name, _ in ev.items if k == "Reference"],
        project_references=[p.resolve() for paths, _ in files("ProjectReference") for p in paths],
        resources=resources,
        exclude_classes=[name for k, name, _ in ev.items if k == "NFMDP_PE_ExcludeClassByName"],
        is_core_library=_truthy(props.get("NF_IsCoreLibrary", "")),
        response_file=response_file,
        nowarn=list(DEFAULT_NOWARN)
        + [w.strip() for w in re.split(r"[;,]", props.get("NoWarn", "")) if w.strip()],
        warning_level=props["WarningLevel"],
        warnings_as_errors=_truthy(props.get("TreatWarningsAsErrors", "")),
    )


def _on_disk(path: Path) -> Path:
    """PATH with each component's case as on disk: projects are written on Windows, where
    'Rtc.cs' names RTC.cs. Unmatched components are kept as written."""
    if path.exists():
        return path
    result = Path(path.parts[0])
    for part in path.parts[1:]:
        candidate = result / part
        if not candidate.exists() and result.is_dir() and part not in ("..", "."):
            matches = [c for c in result.iterdir() if c.name.lower() == part.lower()]
            if len(matches) == 1:
                candidate = matches[0]
        result = candidate
    return result


def _manifest_name(resx: Path, meta: dict[str, str], props: dict[str, str], project: Path) -> str:
    """The name MSBuild's resource generation gives the .resources made from RESX."""
    if meta.get("ManifestResourceName"):
        return meta["ManifestResourceName"] + ".resources"
    relative = resx.resolve().relative_to(project.parent).with_suffix("")
    parts = [props.get("RootNamespace", "")] + list(relative.parts)
    return ".".join(p for p in parts if p) + ".resources"
