"""The native side of a nanoFramework interop assembly, computed from its C# source the way the
metadata processor (MDP, github.com/nanoframework/metadata-processor) computes it when it builds the
assembly with stub generation on: the mangled name of every native method, the method lookup table
(with a NULL for every method that is not native) and the native checksum that the firmware's
CLR_RT_NativeAssemblyData must carry for the device to bind the assembly.

    /usr/bin/python3 tools/nf_checksum.py                      # MambaNano.Interop: names, table, checksum
    /usr/bin/python3 tools/nf_checksum.py --emit native-interop/nf
        rewrite the generated-layout files there (assembly .h/.cpp, class .h, _mshl.cpp); the
        implementation file <...>_NativeEngine.cpp is hand-written and never touched

The checksum (MDP NativeMethodsCrc): CRC-32/MPEG-2 arithmetic (polynomial 0x04C11DB7, MSB first,
no reflection, no final XOR) chained over the methods of every class or struct of the assembly, in
table order. A native method (extern, not abstract) feeds the ASCII of the assembly name, of the
class name (namespace + '_' + name, dots as '_') and of the mangled method name; any other method
feeds "NULL". The running value is read through a property that is 0 until the first native method
has been counted, so everything before the first native method's name, including that method's
assembly and class names, drops out: the chain effectively starts at CRC(first native name, 0).
Checked against the MDP's own unit-test values and two published generated tables (see
tools/tests/test_interop.py).

Table order: types sorted by full name (the MDP also moves a type before a type whose method bodies
use it; for an assembly whose only methods are extern, as MambaNano.Interop, that cannot happen),
and in each type its virtual methods, then its other instance methods, then its static methods,
each group in declaration order. A C# static class has no constructor and a const has no
initializer code, so const-only static classes add nothing.

The C# reader handles what an interop surface uses (classes and structs with fields, constants,
methods, constructors and properties) and raises UnsupportedCSharp on anything else rather than
guess; the approximations it does make (compiler-synthesized constructors placed last, multi-type
ordering) are noted where they are made.
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INTEROP = ROOT / "native-interop"
MANAGED = INTEROP / "managed"
NF_DIR = INTEROP / "nf"


class UnsupportedCSharp(ValueError):
    """C# this reader does not model; the checksum would be a guess."""


# ---------------------------------------------------------------------------------------------
# CRC-32/MPEG-2 (the MDP's Crc32.Compute)

def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        c = i << 24
        for _ in range(8):
            c = ((c << 1) ^ 0x04C11DB7) if c & 0x80000000 else (c << 1)
        table.append(c & 0xFFFFFFFF)
    return table


_CRC_TABLE = _crc_table()


def crc32_mpeg2(data: bytes, crc: int = 0) -> int:
    for b in data:
        crc = _CRC_TABLE[((crc >> 24) ^ b) & 0xFF] ^ ((crc << 8) & 0xFFFFFFFF)
    return crc


# ---------------------------------------------------------------------------------------------
# C# types -> nanoCLR data type names, native (C++) and marshalling names

_ALIASES = {
    "System.Void": "void", "System.Boolean": "bool", "System.Char": "char", "System.SByte": "sbyte",
    "System.Byte": "byte", "System.Int16": "short", "System.UInt16": "ushort", "System.Int32": "int",
    "System.UInt32": "uint", "System.Int64": "long", "System.UInt64": "ulong", "System.Single": "float",
    "System.Double": "double", "System.String": "string", "System.Object": "object",
}
_ALIASES.update({k.split(".")[1]: v for k, v in list(_ALIASES.items())})

# keyword -> (DATATYPE_ suffix in mangled names, native C++ type, marshalling suffix)
_PRIMITIVES = {
    "void": ("VOID", "void", "void"),
    "bool": ("BOOLEAN", "bool", "bool"),
    "char": ("CHAR", "char", "CHAR"),
    "sbyte": ("I1", "int8_t", "INT8"),
    "byte": ("U1", "uint8_t", "UINT8"),
    "short": ("I2", "int16_t", "INT16"),
    "ushort": ("U2", "uint16_t", "UINT16"),
    "int": ("I4", "signed int", "INT32"),
    "uint": ("U4", "unsigned int", "UINT32"),
    "long": ("I8", "int64_t", "INT64"),
    "ulong": ("U8", "uint64_t", "UINT64"),
    "float": ("R4", "float", "float"),
    "double": ("R8", "double", "double"),
    "string": ("STRING", "const char*", "LPCSTR"),
}


@dataclass(frozen=True)
class CsType:
    """A parameter or return type: element keyword, array rank (0 or 1) and by-reference."""
    name: str
    array: bool = False
    byref: bool = False

    def __str__(self) -> str:
        return ("ref " if self.byref else "") + self.name + ("[]" if self.array else "")


def parse_type(text: str, modifier: str = "") -> CsType:
    t = re.sub(r"\s+", "", text)
    array = t.endswith("[]")
    if array:
        t = t[:-2]
    if "[" in t or "<" in t or "?" in t or "*" in t:
        raise UnsupportedCSharp(f"type '{text}' (multi-dimensional/jagged arrays, generics, nullable, "
                                f"pointers are not modelled)")
    t = _ALIASES.get(t, t)
    return CsType(t, array, modifier in ("ref", "out", "in"))


def _primitive(t: CsType) -> tuple[str, str, str]:
    if t.name not in _PRIMITIVES:
        raise UnsupportedCSharp(f"type '{t}': only primitive types and their 1-D arrays are modelled")
    return _PRIMITIVES[t.name]


def mangle_type(t: CsType) -> str:
    """MDP NativeMethodsCrc.GetParameterType: I4, SZARRAY_U1, BYREF_I4, BYREF_SZARRAY_U1..."""
    elem = ("SZARRAY_" if t.array else "") + _primitive(t)[0]
    return ("BYREF_" + elem) if t.byref else elem


def native_type(t: CsType) -> str:
    """MDP ToNativeTypeAsString as used for the class header: 'signed int', CLR_RT_TypedArray_UINT8..."""
    if t.array:
        return "CLR_RT_TypedArray_" + _primitive(t)[2]
    return _primitive(t)[1] + ("&" if t.byref else "")


def marshal_type(t: CsType) -> str:
    """MDP ToCLRTypeAsString: INT32, UINT8_ARRAY... (Interop_Marshal_<this>, SetResult_<this>)."""
    return _primitive(t)[2] + ("_ARRAY" if t.array else "")


# ---------------------------------------------------------------------------------------------
# A small C# reader

@dataclass
class Param:
    type: CsType
    name: str


@dataclass
class Method:
    name: str               # metadata name: Load, get_X, .ctor, .cctor
    ret: CsType
    params: list[Param]
    static: bool
    extern: bool = False
    virtual: bool = False
    abstract: bool = False
    internal_call: bool = False
    dll_import: str | None = None   # entry point of a [DllImport] extern
    public: bool = False
    body: str = ""

    @property
    def native(self) -> bool:
        """What the MDP treats as implemented natively (RVA 0 and not abstract)."""
        return self.extern and not self.abstract

    def mangled(self) -> str:
        """MDP NativeMethodsCrc.GetMethodName."""
        parts = [mangle_type(self.ret)] + [mangle_type(p.type) for p in self.params]
        return (self.name + ("___STATIC__" if self.static else "___") + "__".join(parts)).replace(".", "_")


@dataclass
class Const:
    name: str
    type: str
    value: str


@dataclass
class TypeDecl:
    namespace: str
    name: str
    kind: str               # class | struct
    static: bool
    methods: list[Method] = field(default_factory=list)
    consts: list[Const] = field(default_factory=list)
    fields: list[tuple[str, bool, bool]] = field(default_factory=list)  # (name, static, has initializer)
    has_instance_ctor: bool = False
    has_static_ctor: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.namespace}.{self.name}" if self.namespace else self.name

    @property
    def class_name(self) -> str:
        """MDP NativeMethodsCrc.GetClassName (top-level types)."""
        return self.full_name.replace(".", "_")

    def table_methods(self) -> list[Method]:
        """The type's methods in the MDP's table order, compiler-synthesized ones included."""
        methods = list(self.methods)
        # Roslyn adds these after the declared members (their place only matters among
        # non-native methods of the same group, which all read NULL).
        if self.kind == "class" and not self.static and not self.has_instance_ctor:
            methods.append(Method(".ctor", CsType("void"), [], static=False, public=True))
        if not self.has_static_ctor and any(s and init for _, s, init in self.fields):
            methods.append(Method(".cctor", CsType("void"), [], static=True))
        return ([m for m in methods if m.virtual]
                + [m for m in methods if not (m.virtual or m.static)]
                + [m for m in methods if m.static])


def strip_comments(text: str) -> str:
    """Comments out (newlines kept), string and char literals kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == '"' or c == "'" or text.startswith('@"', i):
            verbatim = c == "@"
            q = '"' if verbatim else c
            j = i + (2 if verbatim else 1)
            while j < n:
                if verbatim and text.startswith('""', j):
                    j += 2
                elif not verbatim and text[j] == "\\":
                    j += 2
                elif text[j] == q:
                    j += 1
                    break
                else:
                    j += 1
            out.append(text[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _skip_literal(text: str, i: int) -> int:
    """Index after the string/char literal starting at i (text without comments)."""
    verbatim = text.startswith('@"', i)
    q = '"' if verbatim else text[i]
    j = i + (2 if verbatim else 1)
    while j < len(text):
        if verbatim and text.startswith('""', j):
            j += 2
        elif not verbatim and text[j] == "\\":
            j += 2
        elif text[j] == q:
            return j + 1
        else:
            j += 1
    return j


def _match_brace(text: str, i: int) -> int:
    """Index of the '}' matching the '{' at i."""
    depth = 0
    j = i
    while j < len(text):
        c = text[j]
        if c in "\"'" or text.startswith('@"', j):
            j = _skip_literal(text, j)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    raise UnsupportedCSharp("unbalanced braces")


def _split_members(body: str) -> list[str]:
    """Member declarations of a type body: each ends at a top-level ';' or at the close of a
    top-level block not followed by '=' or ';' (property initializers, array initializers)."""
    members, start, i, depth = [], 0, 0, 0
    while i < len(body):
        c = body[i]
        if c in "\"'" or body.startswith('@"', i):
            i = _skip_literal(body, i)
            continue
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "{" and depth == 0:
            end = _match_brace(body, i)
            rest = body[end + 1:].lstrip()
            header = body[start:i]
            if rest.startswith(";"):
                i = body.index(";", end) + 1
                members.append(body[start:i])
                start = i
                continue
            if rest.startswith("=") or re.search(r"=\s*(new\b[^;]*)?$", header.strip()):
                i = end + 1
                continue
            members.append(body[start:end + 1])
            start = i = end + 1
            continue
        elif c == ";" and depth == 0:
            members.append(body[start:i + 1])
            start = i + 1
        i += 1
    if body[start:].strip():
        raise UnsupportedCSharp(f"unterminated member: {body[start:].strip()[:60]}")
    return [m.strip() for m in members if m.strip()]


_ATTR_RE = re.compile(r"^\s*\[")
_MODIFIERS = {"public", "private", "protected", "internal", "static", "extern", "virtual", "override",
              "abstract", "sealed", "readonly", "const", "new", "unsafe", "volatile", "partial"}


def _take_attributes(text: str) -> tuple[list[str], str]:
    attrs = []
    while _ATTR_RE.match(text):
        i = text.index("[")
        depth, j = 0, i
        while j < len(text):
            if text[j] in "\"'":
                j = _skip_literal(text, j)
                continue
            if text[j] == "[":
                depth += 1
            elif text[j] == "]":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        attrs.append(text[i + 1:j].strip())
        text = text[j + 1:]
    return attrs, text.strip()


def _split_top(text: str, sep: str = ",") -> list[str]:
    parts, depth, start = [], 0, 0
    i = 0
    while i < len(text):
        c = text[i]
        if c in "\"'":
            i = _skip_literal(text, i)
            continue
        if c in "([{<":
            depth += 1
        elif c in ")]}>":
            depth -= 1
        elif c == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _parse_params(text: str) -> list[Param]:
    params = []
    for p in _split_top(text):
        _, p = _take_attributes(p)
        p = p.split("=")[0].strip()
        m = re.fullmatch(r"(?:(ref|out|in|params|this)\s+)?(.+?)\s+(@?\w+)", p)
        if not m:
            raise UnsupportedCSharp(f"parameter '{p}'")
        if m.group(1) in ("params", "this"):
            raise UnsupportedCSharp(f"'{m.group(1)}' parameter '{p}'")
        params.append(Param(parse_type(m.group(2), m.group(1) or ""), m.group(3).lstrip("@")))
    return params


def _dll_import_entry(attrs: list[str], name: str) -> str | None:
    for a in attrs:
        for one in _split_top(a):
            m = re.match(r"(?:System\.Runtime\.InteropServices\.)?DllImport(?:Attribute)?\s*\((.*)\)$", one, re.S)
            if m:
                e = re.search(r"EntryPoint\s*=\s*\"([^\"]*)\"", m.group(1))
                return e.group(1) if e else name
    return None


def _is_internal_call(attrs: list[str]) -> bool:
    return any(re.search(r"\bMethodImpl(?:Attribute)?\s*\(.*\bInternalCall\b", a, re.S) for a in attrs)


def _parse_member(decl: TypeDecl, text: str) -> None:
    attrs, text = _take_attributes(text)
    head = text
    # cut the body / initializer / accessor block off the header
    cut = len(head)
    for tok in ("=>", "{", ";"):
        k = head.find(tok)
        if k >= 0:
            cut = min(cut, k)
    paren = head.find("(")
    eq = head.find("=")
    header = head[:cut].strip()
    words = header.split()
    mods = set()
    for w in words:
        if w in _MODIFIERS:
            mods.add(w)
        else:
            break
    rest_words = [w for w in words if w not in mods] if words else []
    if any(w in ("class", "struct", "interface", "enum", "delegate", "event", "operator", "implicit",
                 "explicit", "this") for w in re.findall(r"\w+", header.split("(")[0])):
        raise UnsupportedCSharp(f"member '{header[:60]}' (nested types, events, operators, indexers)")
    static = "static" in mods
    if 0 <= paren < cut and (eq < 0 or paren < eq):
        # method or constructor
        close = _close_paren(head, paren)
        sig = head[:paren].strip()
        sig_words = [w for w in sig.split() if w not in _MODIFIERS]
        params = _parse_params(head[paren + 1:close])
        body = head[close + 1:]
        if "<" in sig:
            raise UnsupportedCSharp(f"generic method '{sig}'")
        if len(sig_words) == 1 and sig_words[0] == decl.name:
            name, ret = (".cctor" if static else ".ctor"), CsType("void")
            if static:
                decl.has_static_ctor = True
            else:
                decl.has_instance_ctor = True
        elif len(sig_words) >= 2:
            name, ret = sig_words[-1], parse_type(" ".join(sig_words[:-1]))
        else:
            raise UnsupportedCSharp(f"member '{header[:60]}'")
        decl.methods.append(Method(
            name, ret, params, static, extern="extern" in mods,
            virtual=bool(mods & {"virtual", "override", "abstract"}), abstract="abstract" in mods,
            internal_call=_is_internal_call(attrs), dll_import=_dll_import_entry(attrs, name),
            public="public" in mods, body=body))
        return
    if "const" in mods:
        m = re.fullmatch(r"(?:[\w\s]*?\s)?(\w+)\s+(\w+)\s*=\s*(.+?)\s*;", text, re.S)
        if not m:
            raise UnsupportedCSharp(f"constant '{text[:60]}'")
        decl.consts.append(Const(m.group(2), _ALIASES.get(m.group(1), m.group(1)), m.group(3)))
        return
    block = head.find("{")
    if 0 <= block and (eq < 0 or block < eq) and re.search(r"\b(get|set|init)\b", head[block:]):
        # property: get_/set_ accessors
        ptype = parse_type(" ".join(rest_words[:-1]))
        pname = rest_words[-1]
        acc = head[block:]
        getter = re.search(r"\bget\b", acc)
        setter = re.search(r"\b(set|init)\b", acc)
        common = dict(static=static, extern="extern" in mods, virtual=bool(mods & {"virtual", "override", "abstract"}),
                      abstract="abstract" in mods, public="public" in mods)
        if getter:
            decl.methods.append(Method("get_" + pname, ptype, [], **common))
        if setter:
            decl.methods.append(Method("set_" + pname, CsType("void"), [Param(ptype, "value")], **common))
        if re.search(r"}\s*=", head):  # auto-property initializer
            decl.fields.append(("<" + pname + ">k__BackingField", static, True))
        return
    if head.find("=>") >= 0 and (eq < 0 or head.find("=>") <= eq):
        ptype = parse_type(" ".join(rest_words[:-1]))
        decl.methods.append(Method("get_" + rest_words[-1], ptype, [], static, extern="extern" in mods,
                                   public="public" in mods))
        return
    # field(s)
    declarators = _split_top(text.rstrip(";"))
    first = declarators[0]
    fw = [w for w in first.split("=")[0].split() if w not in _MODIFIERS]
    if len(fw) < 2:
        raise UnsupportedCSharp(f"member '{text[:60]}'")
    decl.fields.append((fw[-1], static, "=" in first))
    for d in declarators[1:]:
        decl.fields.append((d.split("=")[0].strip(), static, "=" in d))


def _close_paren(text: str, i: int) -> int:
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return j
    raise UnsupportedCSharp("unbalanced parentheses")


_TYPE_RE = re.compile(
    r"((?:\[[^\]]*\]\s*)*)((?:(?:public|internal|private|protected|static|sealed|abstract|partial|unsafe|readonly|ref)\s+)*)"
    r"(class|struct|interface|enum|record)\s+(\w+)([^{;]*)\{")
_NS_RE = re.compile(r"\bnamespace\s+([\w.]+)\s*([{;])")


def parse_csharp(text: str) -> list[TypeDecl]:
    """Top-level classes and structs (with their members) of one C# file. Enums are skipped
    (no methods); interfaces, records, nested and generic types raise UnsupportedCSharp."""
    src = strip_comments(text)
    types: list[TypeDecl] = []

    def scan(region: str, namespace: str) -> None:
        pos = 0
        while True:
            ns = _NS_RE.search(region, pos)
            ty = _TYPE_RE.search(region, pos)
            if ns and (not ty or ns.start() < ty.start()):
                name = ns.group(1) if not namespace else f"{namespace}.{ns.group(1)}"
                if ns.group(2) == ";":
                    scan(region[ns.end():], name)
                    return
                end = _match_brace(region, ns.end() - 1)
                scan(region[ns.end():end], name)
                pos = end + 1
                continue
            if not ty:
                return
            start = ty.end() - 1
            end = _match_brace(region, start)
            kind, name, tail = ty.group(3), ty.group(4), ty.group(5)
            pos = end + 1
            if kind == "enum":
                continue
            if kind in ("interface", "record") or "<" in tail:
                raise UnsupportedCSharp(f"{kind} {name}{tail.strip()} (not modelled)")
            decl = TypeDecl(namespace, name, kind, "static" in ty.group(2).split())
            for member in _split_members(region[start + 1:end]):
                _parse_member(decl, member)
            types.append(decl)

    scan(src, "")
    return types


def merge_types(texts: list[str]) -> list[TypeDecl]:
    """The types of an assembly made of these files (partial types merged in file order)."""
    merged: dict[str, TypeDecl] = {}
    for text in texts:
        for t in parse_csharp(text):
            if t.full_name in merged:
                m = merged[t.full_name]
                m.methods += t.methods
                m.consts += t.consts
                m.fields += t.fields
                m.has_instance_ctor |= t.has_instance_ctor
                m.has_static_ctor |= t.has_static_ctor
                m.static |= t.static
            else:
                merged[t.full_name] = t
    return list(merged.values())


def table_types(types: list[TypeDecl]) -> list[TypeDecl]:
    """Types in the MDP's table order. Approximation: by full name, case-insensitively (the MDP
    sorts with the culture comparer and then moves types used by method bodies first; exact for
    an assembly with at most one type that has methods, or none whose bodies use another)."""
    return sorted(types, key=lambda t: (t.full_name.lower(), t.full_name))


# ---------------------------------------------------------------------------------------------
# The native table and checksum

@dataclass
class NativeTable:
    assembly: str                         # MambaNano.Interop
    entries: list[tuple[TypeDecl, Method]]  # every method, table order
    checksum: int

    @property
    def safe_name(self) -> str:
        return self.assembly.replace(".", "_")

    def struct_name(self, t: TypeDecl) -> str:
        return f"Library_{self.safe_name}_{t.class_name}"

    def lookup(self) -> list[str | None]:
        """method_lookup[] entries: Library_<...>::<mangled> for native methods, None (NULL) else."""
        return [f"{self.struct_name(t)}::{m.mangled()}" if m.native else None for t, m in self.entries]

    def native_methods(self) -> list[tuple[TypeDecl, Method]]:
        return [(t, m) for t, m in self.entries if m.native]


def native_checksum(assembly: str, entries: list[tuple[str, str | None]]) -> int:
    """MDP NativeMethodsCrc over (class name, mangled name or None for a non-native method)."""
    crc, count = 0, 0
    name = assembly.encode("ascii")
    for cls, method in entries:
        if method is None:
            crc = crc32_mpeg2(b"NULL", crc if count else 0)
            continue
        crc = crc32_mpeg2(name, crc if count else 0)
        crc = crc32_mpeg2(cls.encode("ascii"), crc if count else 0)
        crc = crc32_mpeg2(method.encode("ascii"), crc if count else 0)
        count += 1
    return crc if count else 0


def build_table(assembly: str, types: list[TypeDecl]) -> NativeTable:
    entries = [(t, m) for t in table_types(types) for m in t.table_methods()]
    crc = native_checksum(assembly, [(t.class_name, m.mangled() if m.native else None) for t, m in entries])
    return NativeTable(assembly, entries, crc)


# ---------------------------------------------------------------------------------------------
# The MambaNano.Interop assembly

def assembly_sources(managed: Path = MANAGED) -> list[Path]:
    """The C# files compiled into the device assembly: the <Compile> items of an .nfproj in
    managed/ if there is one, else every .cs under managed/ except host/ (the P/Invoke twin)."""
    projects = sorted(managed.glob("*.nfproj"))
    if projects:
        items = re.findall(r"<Compile\s+Include=\"([^\"]+)\"", projects[0].read_text(encoding="utf-8-sig"))
        return [managed / i.replace("\\", "/") for i in items]
    return sorted(p for p in managed.rglob("*.cs") if "host" not in p.relative_to(managed).parts
                  and "obj" not in p.relative_to(managed).parts and "bin" not in p.relative_to(managed).parts)


def assembly_name(texts: list[str], default: str = "MambaNano.Interop") -> str:
    for t in texts:
        m = re.search(r"\[assembly:\s*AssemblyTitle\(\"([^\"]+)\"\)\]", t)
        if m:
            return m.group(1)
    return default


def native_version(texts: list[str]) -> tuple[int, int, int, int] | None:
    for t in texts:
        m = re.search(r"\[assembly:\s*AssemblyNativeVersion(?:Attribute)?\(\"(\d+)\.(\d+)\.(\d+)\.(\d+)\"\)\]",
                      strip_comments(t))
        if m:
            return tuple(int(g) for g in m.groups())  # type: ignore[return-value]
    return None


def load_assembly(managed: Path = MANAGED) -> tuple[NativeTable, tuple[int, int, int, int] | None]:
    texts = [p.read_text(encoding="utf-8-sig") for p in assembly_sources(managed)]
    return build_table(assembly_name(texts), merge_types(texts)), native_version(texts)


# ---------------------------------------------------------------------------------------------
# Files in the metadata processor's layout (all but the hand-written implementation)

_GENERATED = ("// Generated by tools/nf_checksum.py --emit from the C# of the assembly, in the layout\n"
              "// and naming of the nanoFramework metadata processor's interop stubs (NFMDP_GENERATE_STUBS).\n"
              "// Do not edit: change the C# and re-emit. tools/tests/test_interop.py checks it.\n")


def emit(table: NativeTable, version: tuple[int, int, int, int], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    safe = table.safe_name
    by_type: dict[str, tuple[TypeDecl, list[Method]]] = {}
    for t, m in table.native_methods():
        by_type.setdefault(t.full_name, (t, []))[1].append(m)
    written = []

    def write(name: str, text: str) -> None:
        p = out / name
        p.write_text(text, encoding="utf-8", newline="\n")
        written.append(p)

    # <assembly>.h
    lines = [_GENERATED, f"#ifndef {safe.upper()}_H", f"#define {safe.upper()}_H", "",
             "#include <nanoCLR_Interop.h>", "#include <nanoCLR_Runtime.h>", "#include <nanoPackStruct.h>", ""]
    for t, methods in by_type.values():
        lines.append(f"struct {table.struct_name(t)}")
        lines.append("{")
        lines += [f"    NANOCLR_NATIVE_DECLARE({m.mangled()});" for m in methods]
        lines += ["", "    //--//", "};", ""]
    lines += [f"extern const CLR_RT_NativeAssemblyData g_CLR_AssemblyNative_{safe};", "",
              f"#endif // {safe.upper()}_H", ""]
    write(f"{safe}.h", "\n".join(lines))

    # <assembly>.cpp
    lines = [_GENERATED, f'#include "{safe}.h"', "", "// clang-format off", "",
             "static const CLR_RT_MethodHandler method_lookup[] =", "{"]
    lines += [f"    {e or 'NULL'}," for e in table.lookup()]
    lines += ["};", "", f"const CLR_RT_NativeAssemblyData g_CLR_AssemblyNative_{safe} =", "{",
              f'    "{table.assembly}",', f"    0x{table.checksum:08X},", "    method_lookup,",
              "    { " + ", ".join(str(v) for v in version) + " }", "};", "", "// clang-format on", ""]
    write(f"{safe}.cpp", "\n".join(lines))

    for t, methods in by_type.values():
        stem = f"{safe}_{t.class_name}"
        guard = f"{safe}_{safe}_{t.class_name}".upper() + "_H"
        # class header: the C++ methods the marshalling calls (implemented in <stem>.cpp)
        lines = [_GENERATED, f"#ifndef {guard}", f"#define {guard}", "", f"namespace {safe}", "{",
                 f"    namespace {safe}", "    {", f"        struct {t.name}", "        {"]
        lines += [f"            static {user_declaration(m)};" for m in methods]
        lines += ["        };", "    }", "}", "", f"#endif // {guard}", ""]
        write(f"{stem}.h", "\n".join(lines))
        # marshalling
        lines = [_GENERATED, f'#include "{safe}.h"', f'#include "{stem}.h"', "",
                 f"using namespace {safe}::{safe};", ""]
        for m in methods:
            lines += [f"HRESULT {table.struct_name(t)}::{m.mangled()}( CLR_RT_StackFrame& stack )", "{",
                      "    NANOCLR_HEADER(); hr = S_OK;", "    {"]
            first = 0 if m.static else 1
            for i, p in enumerate(m.params):
                if p.type.byref:
                    raise UnsupportedCSharp(f"{m.name}: by-reference parameters are not emitted")
                lines.append(f"        {native_type(p.type)} param{i};")
                lines.append(f"        NANOCLR_CHECK_HRESULT( Interop_Marshal_{marshal_type(p.type)}"
                             f"( stack, {i + first}, param{i} ) );")
            args = "".join(f"param{i}, " for i in range(len(m.params)))
            call = f"{t.name}::{m.name}( {args}hr )" if m.params else f"{t.name}::{m.name}(  hr )"
            if m.ret.name == "void" and not m.ret.array:
                lines.append(f"        {call};")
                lines.append("        NANOCLR_CHECK_HRESULT( hr );")
            else:
                lines.append(f"        {native_type(m.ret)} retValue = {call};")
                lines.append("        NANOCLR_CHECK_HRESULT( hr );")
                lines.append(f"        SetResult_{marshal_type(m.ret)}( stack, retValue );")
            lines += ["    }", "    NANOCLR_NOCLEANUP();", "}", ""]
        write(f"{stem}_mshl.cpp", "\n".join(lines))
    return written


def user_declaration(m: Method) -> str:
    """'signed int Load( signed int param0, CLR_RT_TypedArray_UINT8 param1, ..., HRESULT &hr )'."""
    params = "".join(f"{native_type(p.type)} param{i}, " for i, p in enumerate(m.params))
    inner = f"{params}HRESULT &hr" if m.params else " HRESULT &hr"
    return f"{native_type(m.ret)} {m.name}( {inner} )"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--managed", type=Path, default=MANAGED, help="folder of the assembly's C# (default: %(default)s)")
    ap.add_argument("--emit", type=Path, metavar="DIR", help="write the generated-layout files into DIR")
    args = ap.parse_args(argv)
    table, version = load_assembly(args.managed)
    if version is None:
        print("error: no [assembly: AssemblyNativeVersion(\"a.b.c.d\")] in the assembly", file=sys.stderr)
        return 1
    print(f"assembly        {table.assembly}")
    print(f"native version  {'.'.join(map(str, version))}")
    print(f"native checksum 0x{table.checksum:08X}")
    print("method_lookup:")
    for i, e in enumerate(table.lookup()):
        print(f"  [{i:2}] {e or 'NULL'}")
    if args.emit:
        for p in emit(table, version, args.emit):
            print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
