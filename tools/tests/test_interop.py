"""The interop surface in step on all sides: the C# of MambaNano.Interop (native-interop/managed/),
its host P/Invoke twin (managed/host/), the nanoFramework native side (native-interop/nf/) and the
C headers (native-interop/include/).

  (a) NativeEngine's InternalCall methods (names, order, parameter and return types) against the
      method lookup table, NANOCLR_NATIVE_DECLAREs, marshalling, class header and implementation
      in nf/, with the mangled names and the native checksum computed from the C# by the metadata
      processor's rules (tools/nf_checksum.py);
  (b) host/NativeEngine.cs: the same public methods with the same signatures, each DllImport an
      mn_engine_* function of mn_engine.h with a matching parameter list;
  (c) every mn_engine_* call in nf/ declared in mn_engine.h, with its argument count, and the same
      function per method as the host build and the method's doc summary;
  (d) every constant of EngineConstants.cs equal to its C counterpart, and every C status, info
      index, signal index, task and front-end code present in C#;
  (e) AssemblyNativeVersion equal to the version in the native assembly data.

The checks are functions of the texts, so the drift tests at the end feed them modified copies.
Also compiles nf/*.cpp on the host against stand-in nanoCLR headers (nf/hostcheck/), if g++ or
cmake is there.

    /usr/bin/python3 -m pytest tools/tests/test_interop.py
"""
from __future__ import annotations

import ast
import re
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

import nf_checksum as nfc

ROOT = Path(__file__).resolve().parents[2]
INTEROP = ROOT / "native-interop"
MANAGED = INTEROP / "managed"
NF = INTEROP / "nf"
INCLUDE = INTEROP / "include"
HEADERS = ("mamba_nano.h", "mn_frontend.h", "mn_engine.h")


# ---------------------------------------------------------------------------------------------
# Sources: every text the checks read, so tests can swap one for a modified copy

@dataclass
class Sources:
    device: dict[str, str]        # the assembly's C# files, by name (NativeEngine.cs, ...)
    host: str                     # host/NativeEngine.cs
    headers: dict[str, str]       # mamba_nano.h, mn_frontend.h, mn_engine.h
    nf: dict[str, str] = field(default_factory=dict)  # nf/ files by name

    def with_device(self, name: str, text: str) -> "Sources":
        return replace(self, device={**self.device, name: text})

    def with_nf(self, name: str, text: str) -> "Sources":
        return replace(self, nf={**self.nf, name: text})


def load_sources() -> Sources:
    device = {p.name: p.read_text(encoding="utf-8-sig") for p in nfc.assembly_sources(MANAGED)}
    nf = {p.name: p.read_text(encoding="utf-8") for p in sorted(NF.iterdir()) if p.is_file()}
    return Sources(device, (MANAGED / "host" / "NativeEngine.cs").read_text(encoding="utf-8-sig"),
                   {h: (INCLUDE / h).read_text(encoding="utf-8") for h in HEADERS}, nf)


@pytest.fixture(scope="module")
def sources() -> Sources:
    return load_sources()


def _ws(s: str) -> str:
    """Whitespace-insensitive form of a C++ declaration."""
    s = re.sub(r"\s+", " ", s).strip()
    return re.sub(r"\s*([(),&*<>])\s*", r"\1", s)


def _body(text: str, open_brace: int) -> str:
    return text[open_brace + 1:nfc._match_brace(text, open_brace)]


def _differ(got: list, want: list) -> str:
    """What differs between two lists, briefly."""
    missing = [w for w in want if w not in got]
    extra = [g for g in got if g not in want]
    if missing or extra:
        return f"missing {missing}, unexpected {extra}"
    return f"in the order {got}, expected {want}"


# ---------------------------------------------------------------------------------------------
# C headers: integer constants and mn_engine_* prototypes

def _c_int(expr: str, known: dict[str, int]) -> int | None:
    """Value of an integer constant expression of literals and known names, else None."""
    expr = re.sub(r"\b(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]+\b", r"\1", expr.strip())
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        return None

    def ev(n):
        if isinstance(n, ast.Expression):
            return ev(n.body)
        if isinstance(n, ast.Constant) and isinstance(n.value, int):
            return n.value
        if isinstance(n, ast.Name) and n.id in known:
            return known[n.id]
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            v = ev(n.operand)
            return -v if isinstance(n.op, ast.USub) else v
        if isinstance(n, ast.BinOp):
            ops = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
                   ast.LShift: lambda a, b: a << b, ast.RShift: lambda a, b: a >> b, ast.BitOr: lambda a, b: a | b}
            if type(n.op) in ops:
                return ops[type(n.op)](ev(n.left), ev(n.right))
        raise ValueError(expr)

    try:
        return ev(tree)
    except (ValueError, TypeError):
        return None


@dataclass
class CConstants:
    enums: dict[str, dict[str, int]]   # typedef name -> {member: value}
    defines: dict[str, int]

    def all(self) -> dict[str, int]:
        out = dict(self.defines)
        for members in self.enums.values():
            out.update(members)
        return out


def parse_c_constants(headers: dict[str, str]) -> CConstants:
    enums: dict[str, dict[str, int]] = {}
    defines: dict[str, int] = {}
    known: dict[str, int] = {}
    for name in HEADERS:  # include order: later headers use earlier names
        text = nfc.strip_comments(headers[name])
        for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+(.+)$", text, re.M):
            v = _c_int(m.group(2), known)
            if v is not None:
                defines[m.group(1)] = known[m.group(1)] = v
        for m in re.finditer(r"typedef\s+enum\s*\w*\s*\{(.*?)\}\s*(\w+)\s*;", text, re.S):
            members, nxt = {}, 0
            for item in (i.strip() for i in m.group(1).split(",")):
                if not item:
                    continue
                ident, _, expr = item.partition("=")
                v = _c_int(expr, known) if expr.strip() else nxt
                if v is None:
                    raise AssertionError(f"{name}: cannot evaluate enum member '{item}'")
                members[ident.strip()] = known[ident.strip()] = v
                nxt = v + 1
            enums[m.group(2)] = members
    return CConstants(enums, defines)


@dataclass
class CFunction:
    name: str
    ret: str
    params: list[str]   # parameter declarations, whitespace-normalized


def parse_c_functions(header: str, prefix: str = "mn_engine_") -> dict[str, CFunction]:
    text = nfc.strip_comments(header)
    out = {}
    for m in re.finditer(r"([A-Za-z_][\w\s\*]*?)\b(" + prefix + r"\w+)\s*\(([^)]*)\)\s*;", text):
        params = [_ws(p) for p in m.group(3).split(",") if p.strip() and p.strip() != "void"]
        out[m.group(2)] = CFunction(m.group(2), _ws(m.group(1)), params)
    return out


# ---------------------------------------------------------------------------------------------
# The device assembly's C#

def device_table(src: Sources) -> nfc.NativeTable:
    texts = list(src.device.values())
    return nfc.build_table(nfc.assembly_name(texts), nfc.merge_types(texts))


def summary_functions(cs_text: str) -> dict[str, str]:
    """Method -> the mn_engine_* function its doc summary starts with."""
    out = {}
    for m in re.finditer(r"///\s*<summary>\s*(mn_engine_\w+)(?:(?!///\s*<summary>).)*?\bextern\s+\S+\s+(\w+)\s*\(",
                         cs_text, re.S):
        out[m.group(2)] = m.group(1)
    return out


def engine_calls(code: str) -> list[tuple[str, int]]:
    """mn_engine_* calls in C or C# code: (function, argument count)."""
    calls = []
    for m in re.finditer(r"\b(mn_engine_\w+)\s*\(", code):
        close = nfc._close_paren(code, m.end() - 1)
        args = nfc._split_top(code[m.end():close])
        calls.append((m.group(1), len(args)))
    return calls


# ---------------------------------------------------------------------------------------------
# (a) native side against the C#

_ASSEMBLY_DATA_RE = re.compile(
    r"\bconst\s+CLR_RT_NativeAssemblyData\s+g_CLR_AssemblyNative_(\w+)\s*=\s*\{\s*\"([^\"]*)\"\s*,\s*"
    r"(0x[0-9A-Fa-f]+)\s*,\s*(\w+)\s*,\s*\{\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\}\s*\}\s*;")


def cmake_can_read_version(cpp: str, safe: str) -> bool:
    """nf-interpreter's FindNF_NativeAssemblies.cmake reads version and checksum (for
    native_assemblies.csv) with a regex over the raw file: from 'CLR_RT_NativeAssemblyData
    g_CLR_AssemblyNative_<safe> =', up to the initializer's '{', then any text without a '0' up
    to the checksum's '0x', then any text without a '{' up to the version's '{'. Comments count."""
    m = re.search(rf"\sCLR_RT_NativeAssemblyData\s+g_CLR_AssemblyNative_{safe}\s*=([^{{]+)\{{", cpp)
    if not m:
        return False
    rest = cpp[m.end():]
    x = rest.find("0")
    if x < 1 or not rest.startswith("0x", x):
        return False
    after = rest[x + 2:]
    brace = after.find("{")
    return brace > 0 and re.match(r"[0-9A-Za-z]+", after) is not None and \
        re.match(r"\{\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+", after[brace:]) is not None


def assembly_data(cpp: str) -> dict | None:
    m = _ASSEMBLY_DATA_RE.search(nfc.strip_comments(cpp))
    if not m:
        return None
    return dict(symbol=m.group(1), name=m.group(2), checksum=int(m.group(3), 16), table=m.group(4),
                version=tuple(int(g) for g in m.groups()[4:]))


def lookup_entries(cpp: str) -> list[str | None] | None:
    text = nfc.strip_comments(cpp)
    m = re.search(r"\bCLR_RT_MethodHandler\s+method_lookup\s*\[\s*\]\s*=\s*\{", text)
    if not m:
        return None
    entries = [e.strip() for e in _body(text, m.end() - 1).split(",") if e.strip()]
    return [None if e in ("NULL", "nullptr", "0") else re.sub(r"\s+", "", e) for e in entries]


def check_native(src: Sources) -> list[str]:
    problems: list[str] = []
    try:
        table = device_table(src)
    except nfc.UnsupportedCSharp as e:
        return [f"C# of the assembly not modelled by tools/nf_checksum.py: {e}"]
    safe = table.safe_name
    natives = table.native_methods()
    if not natives:
        return ["no InternalCall methods in the assembly"]
    for t, m in natives:
        if not m.internal_call:
            problems.append(f"{t.name}.{m.name}: extern without [MethodImpl(MethodImplOptions.InternalCall)]")
    for t, m in table.entries:
        if not m.native:
            problems.append(f"{t.name}.{m.name}: a method that is not native puts a NULL in the lookup table "
                            f"(fine for the firmware, but this checker and nf/ assume only natives)")

    # <assembly>.cpp: lookup table, name, checksum
    cpp = src.nf.get(f"{safe}.cpp")
    if cpp is None:
        return problems + [f"nf/{safe}.cpp missing"]
    got = lookup_entries(cpp)
    want = table.lookup()
    if got is None:
        problems.append(f"nf/{safe}.cpp: no method_lookup[] table")
    elif got != want:
        for i in range(max(len(got), len(want))):
            g = got[i] if i < len(got) else "(none)"
            w = want[i] if i < len(want) else "(none)"
            if g != w:
                problems.append(f"nf/{safe}.cpp: method_lookup[{i}] is {g or 'NULL'}, the C# gives {w or 'NULL'}")
    data = assembly_data(cpp)
    if data is None:
        problems.append(f"nf/{safe}.cpp: no CLR_RT_NativeAssemblyData initializer in the generated form")
    else:
        if data["symbol"] != safe:
            problems.append(f"nf/{safe}.cpp: g_CLR_AssemblyNative_{data['symbol']}, expected g_CLR_AssemblyNative_{safe}")
        if data["name"] != table.assembly:
            problems.append(f"nf/{safe}.cpp: assembly name \"{data['name']}\", expected \"{table.assembly}\"")
        if data["checksum"] != table.checksum:
            problems.append(f"nf/{safe}.cpp: native checksum 0x{data['checksum']:08X}, the C# gives "
                            f"0x{table.checksum:08X} (tools/nf_checksum.py)")
        if data["table"] != "method_lookup":
            problems.append(f"nf/{safe}.cpp: assembly data points at {data['table']}, not method_lookup")
        if not cmake_can_read_version(cpp, safe):
            problems.append(f"nf/{safe}.cpp: nf-interpreter's FindNF_NativeAssemblies.cmake regex would not find "
                            f"the version and checksum (no '0' may precede the checksum in the initializer)")

    # <assembly>.h: one struct per class with native methods, its NANOCLR_NATIVE_DECLAREs in order
    h = nfc.strip_comments(src.nf.get(f"{safe}.h", ""))
    if not h:
        problems.append(f"nf/{safe}.h missing")
    structs = {m.group(1): _body(h, m.end() - 1) for m in re.finditer(r"\bstruct\s+(\w+)\s*\{", h)}
    by_type: dict[str, tuple[nfc.TypeDecl, list[nfc.Method]]] = {}
    for t, m in natives:
        by_type.setdefault(t.full_name, (t, []))[1].append(m)
    for t, methods in by_type.values():
        sname = table.struct_name(t)
        if sname not in structs:
            problems.append(f"nf/{safe}.h: no struct {sname}")
            continue
        declared = re.findall(r"NANOCLR_NATIVE_DECLARE\s*\(\s*(\w+)\s*\)", structs[sname])
        want_names = [m.mangled() for m in methods]
        if declared != want_names:
            problems.append(f"nf/{safe}.h: {sname} declares methods not as the C#: {_differ(declared, want_names)}")
    for extra in set(structs) - {table.struct_name(t) for t, _ in by_type.values()}:
        if extra.startswith("Library_"):
            problems.append(f"nf/{safe}.h: struct {extra} has no C# counterpart")
    if h and not re.search(rf"\bextern\s+const\s+CLR_RT_NativeAssemblyData\s+g_CLR_AssemblyNative_{safe}\s*;", h):
        problems.append(f"nf/{safe}.h: no extern declaration of g_CLR_AssemblyNative_{safe}")

    # per class: class header, marshalling, implementation
    for t, methods in by_type.values():
        stem = f"{safe}_{t.class_name}"
        problems += _check_class_header(src, stem, safe, t, methods)
        problems += _check_marshalling(src, stem, table, t, methods)
        problems += _check_implementation(src, stem, t, methods)

    # the files nf-interpreter compiles: exactly these .cpp, all listed in the CMake module
    want_cpp = {f"{safe}.cpp"} | {f"{safe}_{t.class_name}{s}.cpp" for t, _ in by_type.values() for s in ("", "_mshl")}
    have_cpp = {n for n in src.nf if n.endswith(".cpp")}
    for n in sorted(want_cpp - have_cpp):
        problems.append(f"nf/{n} missing")
    for n in sorted(have_cpp - want_cpp):
        problems.append(f"nf/{n}: not a file of the assembly's layout (stale class?)")
    module = src.nf.get(f"FindINTEROP-{table.assembly}.cmake")
    if module is None:
        problems.append(f"nf/FindINTEROP-{table.assembly}.cmake missing")
    else:
        m = re.search(rf"set\(\s*{re.escape(table.assembly)}_SRCS\s+([^)]*)\)", module)
        listed = set(m.group(1).split()) if m else set()
        if listed != want_cpp:
            problems.append(f"nf/FindINTEROP-{table.assembly}.cmake lists {sorted(listed)}, expected {sorted(want_cpp)}")
    return problems


def _check_class_header(src, stem, safe, t, methods) -> list[str]:
    text = src.nf.get(f"{stem}.h")
    if text is None:
        return [f"nf/{stem}.h missing"]
    code = nfc.strip_comments(text)
    m = re.search(rf"namespace\s+{safe}\s*\{{\s*namespace\s+{safe}\s*\{{\s*struct\s+{t.name}\s*\{{", code)
    if not m:
        return [f"nf/{stem}.h: no struct {t.name} in namespace {safe}::{safe}"]
    got = [_ws(d) for d in re.findall(r"\bstatic\s+([^;]+);", _body(code, m.end() - 1))]
    want = [_ws(nfc.user_declaration(x)) for x in methods]
    if got != want:
        return [f"nf/{stem}.h: {t.name} declares methods not as the C#: {_differ(got, want)}"]
    return []


def _check_marshalling(src, stem, table, t, methods) -> list[str]:
    name = f"{stem}_mshl.cpp"
    text = src.nf.get(name)
    if text is None:
        return [f"nf/{name} missing"]
    code = nfc.strip_comments(text)
    problems = []
    sname = table.struct_name(t)
    defs = {m.group(1): _body(code, m.end() - 1) for m in re.finditer(
        rf"\bHRESULT\s+{sname}::(\w+)\s*\(\s*CLR_RT_StackFrame\s*&\s*stack\s*\)\s*\{{", code)}
    want_names = [m.mangled() for m in methods]
    if list(defs) != want_names:
        problems.append(f"nf/{name}: defines functions not as the C#: {_differ(list(defs), want_names)}")
    for m in methods:
        body = defs.get(m.mangled())
        if body is None:
            continue
        got = re.findall(r"(\w[\w ]*?)\s+param(\d+)\s*;\s*NANOCLR_CHECK_HRESULT\(\s*Interop_Marshal_(\w+)\(\s*stack\s*,"
                         r"\s*(\d+)\s*,\s*param(\d+)\s*\)\s*\)\s*;", body)
        first = 0 if m.static else 1
        want = [(_ws(nfc.native_type(p.type)), str(i), nfc.marshal_type(p.type), str(i + first), str(i))
                for i, p in enumerate(m.params)]
        if [(_ws(a), b, c, d, e) for a, b, c, d, e in got] != want:
            problems.append(f"nf/{name}: {m.mangled()} marshals {got}, the C# gives {want}")
        args = ", ".join([f"param{i}" for i in range(len(m.params))] + ["hr"])
        ret = "" if m.ret.name == "void" else rf"{re.escape(nfc.native_type(m.ret))}\s+retValue\s*=\s*"
        if not re.search(rf"{ret}{t.name}::{m.name}\(\s*{re.escape(args)}\s*\)\s*;", _ws(body).replace(",", ", ")):
            problems.append(f"nf/{name}: {m.mangled()} does not call {t.name}::{m.name}({args})"
                            + (f" into a {nfc.native_type(m.ret)} retValue" if ret else ""))
        if m.ret.name != "void" and not re.search(
                rf"SetResult_{nfc.marshal_type(m.ret)}\(\s*stack\s*,\s*retValue\s*\)", body):
            problems.append(f"nf/{name}: {m.mangled()} does not SetResult_{nfc.marshal_type(m.ret)}(stack, retValue)")
    return problems


def implementation_methods(text: str, cls: str) -> dict[str, tuple[str, str]]:
    """Definitions '<ret> <cls>::<Name>( ... ) { body }': Name -> (declaration, body)."""
    code = nfc.strip_comments(text)
    out = {}
    for m in re.finditer(rf"^([\w ]+?)\s+{cls}::(\w+)\s*\(([^)]*)\)\s*\{{", code, re.M):
        out[m.group(2)] = (_ws(f"{m.group(1)} {m.group(2)}( {m.group(3)} )"), _body(code, m.end() - 1))
    return out


def _check_implementation(src, stem, t, methods) -> list[str]:
    text = src.nf.get(f"{stem}.cpp")
    if text is None:
        return [f"nf/{stem}.cpp missing"]
    defs = implementation_methods(text, t.name)
    problems = []
    for m in methods:
        want = _ws(nfc.user_declaration(m))
        if m.name not in defs:
            problems.append(f"nf/{stem}.cpp: no definition of {t.name}::{m.name} ({want})")
        elif defs[m.name][0] != want:
            problems.append(f"nf/{stem}.cpp: {t.name}::{m.name} is defined as {defs[m.name][0]}, the C# gives {want}")
    for extra in set(defs) - {m.name for m in methods}:
        problems.append(f"nf/{stem}.cpp: {t.name}::{extra} has no C# counterpart")
    return problems


# ---------------------------------------------------------------------------------------------
# (b) host twin, (c) engine calls

_C_FOR_CS = {  # C# parameter type of a DllImport -> C parameter types it can be
    "int": {"int32_t"}, "byte[]": {"uint8_t*", "const uint8_t*"}, "sbyte[]": {"int8_t*", "const int8_t*"},
    "short[]": {"int16_t*", "const int16_t*"}, "int[]": {"int32_t*", "const int32_t*"},
}


def _c_param_type(decl: str) -> str:
    """'const uint8_t*file' -> 'const uint8_t*'."""
    return re.sub(r"\w+$", "", decl).strip()


def check_host(src: Sources) -> list[str]:
    problems = []
    device = [m for t in nfc.merge_types(list(src.device.values())) if t.name == "NativeEngine"
              for m in t.methods if m.native]
    host_types = [t for t in nfc.parse_csharp(src.host) if t.name == "NativeEngine"]
    if not host_types:
        return ["host/NativeEngine.cs: no class NativeEngine"]
    host = host_types[0]
    public = [m for m in host.methods if m.public and not m.extern]

    def sig(m: nfc.Method) -> tuple:
        return (m.name, str(m.ret), [(str(p.type), p.name) for p in m.params], m.static)

    if [sig(m) for m in public] != [sig(m) for m in device]:
        dev, hst = {m.name: sig(m) for m in device}, {m.name: sig(m) for m in public}
        for n in dict.fromkeys(list(dev) + list(hst)):
            if dev.get(n) != hst.get(n):
                problems.append(f"host/NativeEngine.cs: {n} is {hst.get(n)}, the device assembly has {dev.get(n)}")
        if not problems:
            problems.append(f"host/NativeEngine.cs: public methods in the order {list(hst)}, "
                            f"the device assembly has {list(dev)}")
    c_funcs = parse_c_functions(src.headers["mn_engine.h"])
    imports = {}
    for m in host.methods:
        if m.dll_import is None:
            continue
        entry = m.dll_import
        imports[m.name] = entry
        f = c_funcs.get(entry)
        if f is None:
            problems.append(f"host/NativeEngine.cs: DllImport {entry} is not an mn_engine_* function of mn_engine.h")
            continue
        if len(f.params) != len(m.params):
            problems.append(f"host/NativeEngine.cs: {entry} takes {len(m.params)} parameters, mn_engine.h {len(f.params)}")
            continue
        if f.ret != "int32_t" or str(m.ret) != "int":
            problems.append(f"host/NativeEngine.cs: {entry} returns {m.ret}, mn_engine.h {f.ret}")
        for i, (p, c) in enumerate(zip(m.params, f.params)):
            if _c_param_type(c) not in _C_FOR_CS.get(str(p.type), set()):
                problems.append(f"host/NativeEngine.cs: {entry} parameter {i} is {p.type}, mn_engine.h has {c}")
    for m in public:
        called = {f for f, _ in engine_calls(m.body)}
        if len(called) != 1:
            problems.append(f"host/NativeEngine.cs: {m.name} calls {sorted(called) or 'no mn_engine_* function'}")
        for f in called:
            if f not in imports:
                problems.append(f"host/NativeEngine.cs: {m.name} calls {f}, which has no DllImport")
    return problems


def check_engine_calls(src: Sources) -> list[str]:
    problems = []
    c_funcs = parse_c_functions(src.headers["mn_engine.h"])
    table = device_table(src)
    host = {m.name: {f for f, _ in engine_calls(m.body)}
            for t in nfc.parse_csharp(src.host) if t.name == "NativeEngine" for m in t.methods if m.public}
    summaries = {}
    for text in src.device.values():
        summaries.update(summary_functions(text))
    types = {t.full_name: t for t, _ in table.native_methods()}
    for t in types.values():
        stem = f"{table.safe_name}_{t.class_name}"
        defs = implementation_methods(src.nf.get(f"{stem}.cpp", ""), t.name)
        for name, (_, body) in defs.items():
            calls = engine_calls(body)
            for f, n in calls:
                if f not in c_funcs:
                    problems.append(f"nf/{stem}.cpp: {name} calls {f}, not declared in mn_engine.h")
                elif n != len(c_funcs[f].params):
                    problems.append(f"nf/{stem}.cpp: {name} calls {f} with {n} arguments, mn_engine.h takes "
                                    f"{len(c_funcs[f].params)}")
            called = {f for f, _ in calls}
            if name in host and called != host[name]:
                problems.append(f"nf/{stem}.cpp: {name} calls {sorted(called)}, the host build {sorted(host[name])}")
            if name in summaries and summaries[name] not in called:
                problems.append(f"nf/{stem}.cpp: {name} does not call {summaries[name]}, which its C# summary names")
    return problems


# ---------------------------------------------------------------------------------------------
# (d) constants, (e) native version

@dataclass(frozen=True)
class ConstRule:
    enums: tuple[str, ...]          # C enums whose every value C# must have
    prefixes: tuple[str, ...]       # stripped from C names before comparing (longest first)
    defines: bool = False           # also match #defines


CONST_RULES = {
    "EngineStatus": ConstRule(("mn_status", "mn_fe_status", "mn_engine_status"),
                              ("MN_ENGINE_ERR_", "MN_FE_ERR_", "MN_ERR_", "MN_FE_", "MN_")),
    "EngineInfo": ConstRule(("mn_info_index",), ("MN_INFO_",)),
    "EngineSignal": ConstRule(("mn_signal_index",), ("MN_SIGNAL_",)),
    "ModelCodes": ConstRule(("mn_task", "mn_frontend"), ("MN_ENGINE_", "MN_"), defines=True),
}


def _norm(name: str) -> str:
    return name.replace("_", "").upper()


def check_constants(src: Sources) -> list[str]:
    problems = []
    c = parse_c_constants(src.headers)
    text = src.device.get("EngineConstants.cs")
    if text is None:
        return ["EngineConstants.cs is not part of the assembly"]
    for t in nfc.parse_csharp(text):
        rule = CONST_RULES.get(t.name)
        if rule is None:
            problems.append(f"EngineConstants.cs: class {t.name} has no rule in test_interop.CONST_RULES")
            continue
        if t.methods or t.fields:
            problems.append(f"EngineConstants.cs: {t.name} has members other than constants")
        pool = {}
        for e in rule.enums:
            pool.update(c.enums.get(e, {}))
        if rule.defines:
            pool.update(c.defines)
        index: dict[str, dict[str, int]] = {}
        for cname, v in pool.items():
            for p in rule.prefixes:
                if cname.startswith(p):
                    index.setdefault(_norm(cname[len(p):]), {})[cname] = v
        covered = set()
        for k in t.consts:
            v = _c_int(k.value, {})
            if k.type != "int" or v is None:
                problems.append(f"EngineConstants.cs: {t.name}.{k.name} = {k.value} is not an int literal")
                continue
            matches = index.get(_norm(k.name), {})
            if not matches:
                problems.append(f"EngineConstants.cs: {t.name}.{k.name} has no C counterpart "
                                f"({'/'.join(p + '*' for p in rule.prefixes)})")
            for cname, cv in matches.items():
                covered.add(cname)
                if cv != v:
                    problems.append(f"EngineConstants.cs: {t.name}.{k.name} = {v}, but {cname} = {cv}")
        # a C member without a C# constant of its name is fine only as an alias (same value) of
        # one that has one, e.g. MN_FE_ERR_NOT_RESET = MN_ERR_NOT_LOADED
        covered_values = {pool[n] for n in covered}
        for e in rule.enums:
            if e not in c.enums:
                problems.append(f"headers: enum {e} not found (CONST_RULES['{t.name}'])")
            for cname, v in c.enums.get(e, {}).items():
                if cname not in covered and v not in covered_values:
                    problems.append(f"EngineConstants.cs: {t.name} lacks {cname} = {v}")
    for cls in CONST_RULES:
        if not any(t.name == cls for t in nfc.parse_csharp(text)):
            problems.append(f"EngineConstants.cs: no class {cls}")
    return problems


def check_version(src: Sources) -> list[str]:
    version = nfc.native_version(list(src.device.values()))
    if version is None:
        return ["no [assembly: AssemblyNativeVersion(\"a.b.c.d\")] in the assembly"]
    table = device_table(src)
    data = assembly_data(src.nf.get(f"{table.safe_name}.cpp", ""))
    if data is None:
        return [f"nf/{table.safe_name}.cpp: no native assembly data"]
    if data["version"] != version:
        return [f"nf/{table.safe_name}.cpp: native version {'.'.join(map(str, data['version']))}, "
                f"AssemblyNativeVersion {'.'.join(map(str, version))}"]
    return []


def check_all(src: Sources) -> list[str]:
    return check_native(src) + check_host(src) + check_engine_calls(src) + check_constants(src) + check_version(src)


# ---------------------------------------------------------------------------------------------
# The metadata processor's rules, against known answers

def test_crc_is_mpeg2():
    assert nfc.crc32_mpeg2(b"123456789", 0xFFFFFFFF) == 0x0376E6E7
    assert nfc.crc32_mpeg2(b"56789", nfc.crc32_mpeg2(b"1234", 0xFFFFFFFF)) == 0x0376E6E7


def test_checksum_matches_metadata_processor_unit_test():
    # MetadataProcessor.Tests NativeMethodsCrcTests.CrcWithMethodDefinitionTest: assembly TestNFApp,
    # class TestNFApp.OneClassOverAll; a non-native method, the extern DummyExternMethod twice, then
    # the non-native method again.
    chain, want = [], [0, 519713657, 1574868855, 2748897355]
    for step, method in enumerate([None, "DummyExternMethod___VOID", "DummyExternMethod___VOID", None]):
        chain.append(("TestNFApp_OneClassOverAll", method))
        assert nfc.native_checksum("TestNFApp", chain) == want[step]


def test_checksum_and_table_of_published_generated_stubs():
    # nanoframework/Samples samples/Interop NF.AwesomeLib: the C# surface (signatures only) and the
    # checksum and lookup table of its generated NF_AwesomeLib.cpp.
    cs = """
    using System.Runtime.CompilerServices;
    namespace NF.AwesomeLib
    {
        public class Math
        {
            public double SuperComplicatedCalculation(double value) { return NativeSuperComplicatedCalculation(value); }
            [MethodImpl(MethodImplOptions.InternalCall)]
            private static extern double NativeSuperComplicatedCalculation(double value);
        }
        public class Utilities
        {
            private static byte[] _hardwareSerial;
            public static byte[] HardwareSerial { get { NativeGetHardwareSerial(_hardwareSerial); return _hardwareSerial; } }
            [MethodImpl(MethodImplOptions.InternalCall)]
            private static extern void NativeGetHardwareSerial(byte[] data);
        }
    }"""
    table = nfc.build_table("NF.AwesomeLib", nfc.merge_types([cs]))
    assert table.checksum == 0xEE794AFB
    assert table.lookup() == [
        None, None, "Library_NF_AwesomeLib_NF_AwesomeLib_Math::NativeSuperComplicatedCalculation___STATIC__R8__R8",
        None, None, "Library_NF_AwesomeLib_NF_AwesomeLib_Utilities::NativeGetHardwareSerial___STATIC__VOID__SZARRAY_U1"]
    # nf-interpreter's nf_sys_io_hashing.cpp: seven NULLs, then its only native method
    entries = [("System_IO_Hashing_Crc32", None)] * 7 + [
        ("System_IO_Hashing_Crc32", "ComputeHash___STATIC__U4__U4__SystemSpanByte")]
    assert nfc.native_checksum("nanoFramework.System.IO.Hashing", entries) == 0xEBD8ED20


def test_mangled_names_follow_metadata_processor_rules():
    cs = """
    namespace A.B
    {
        public class C
        {
            public extern void DummyMethodWithParams(int a, string b);
            public static extern void DummyStaticMethod();
            public static extern int Arrays(byte[] a, sbyte[] b, short[] c, ushort[] d, int[] e, uint[] f);
            public static extern bool Scalars(long a, ulong b, float c, double d, char e, bool f);
            public static extern void ByRef(ref int a, out byte[] b);
        }
    }"""
    (t,) = nfc.parse_csharp(cs)
    names = {m.name: m.mangled() for m in t.methods}
    assert names == {
        "DummyMethodWithParams": "DummyMethodWithParams___VOID__I4__STRING",
        "DummyStaticMethod": "DummyStaticMethod___STATIC__VOID",
        "Arrays": "Arrays___STATIC__I4__SZARRAY_U1__SZARRAY_I1__SZARRAY_I2__SZARRAY_U2__SZARRAY_I4__SZARRAY_U4",
        "Scalars": "Scalars___STATIC__BOOLEAN__I8__U8__R4__R8__CHAR__BOOLEAN",
        "ByRef": "ByRef___STATIC__VOID__BYREF_I4__BYREF_SZARRAY_U1",
    }
    # table order: instance methods (and the implicit constructor) before static ones
    assert [m.name for m in t.table_methods()] == [
        "DummyMethodWithParams", ".ctor", "DummyStaticMethod", "Arrays", "Scalars", "ByRef"]


def test_reader_refuses_what_it_does_not_model():
    for cs in ("namespace N { public interface I { void F(); } }",
               "namespace N { public class G<T> { } }",
               "namespace N { public class C { public static extern int F(System.Collections.Generic.List<int> a); } }",
               "namespace N { public class C { public event System.EventHandler E; } }"):
        with pytest.raises(nfc.UnsupportedCSharp):
            nfc.merge_types([cs])


# ---------------------------------------------------------------------------------------------
# The repository

def test_assembly_is_only_the_native_methods(sources):
    table = device_table(sources)
    assert table.assembly == "MambaNano.Interop"
    assert [m.name for _, m in table.entries] == [
        "Load", "Unload", "Info", "ClassName", "StatusText", "Start", "Reset", "Steps", "PushImuCounts",
        "PushImuPhysical", "PushPcm", "PushFeatures", "Read", "Signal"]
    assert all(m.native and m.static for _, m in table.entries)


def test_a_native_side_matches_csharp(sources):
    assert check_native(sources) == []


def test_b_host_twin_matches_device_and_header(sources):
    assert check_host(sources) == []


def test_c_native_calls_are_declared_engine_functions(sources):
    assert check_engine_calls(sources) == []


def test_d_constants_match_headers(sources):
    assert check_constants(sources) == []


def test_e_native_version_matches(sources):
    assert check_version(sources) == []


def test_generated_layout_files_are_as_emitted(sources, tmp_path):
    table = device_table(sources)
    version = nfc.native_version(list(sources.device.values()))
    for p in nfc.emit(table, version, tmp_path):
        assert sources.nf.get(p.name) == p.read_text(encoding="utf-8"), (
            f"nf/{p.name} differs from its generated form: /usr/bin/python3 tools/nf_checksum.py --emit native-interop/nf")


def test_readme_and_cpp_quote_the_same_checksum(sources):
    table = device_table(sources)
    assert f"0x{table.checksum:08X}" in sources.nf["README.md"]


# ---------------------------------------------------------------------------------------------
# The checker catches drift (modified copies in memory)

def _edit(text: str, old: str, new: str, count: int = 1) -> str:
    assert old in text, old
    return text.replace(old, new, count)


def _problems_after(sources, check, **edits) -> list[str]:
    src = sources
    for key, (old, new) in edits.items():
        if key == "host":
            src = replace(src, host=_edit(src.host, old, new))
        elif key == "impl":
            name = "MambaNano_Interop_MambaNano_Interop_NativeEngine.cpp"
            src = src.with_nf(name, _edit(src.nf[name], old, new))
        elif key == "cpp":
            src = src.with_nf("MambaNano_Interop.cpp", _edit(src.nf["MambaNano_Interop.cpp"], old, new))
        elif key == "mn_engine_h":
            src = replace(src, headers={**src.headers, "mn_engine.h": _edit(src.headers["mn_engine.h"], old, new)})
        else:
            name = {"native": "NativeEngine.cs", "consts": "EngineConstants.cs", "info": "AssemblyInfo.cs"}[key]
            src = src.with_device(name, _edit(src.device[name], old, new))
    return check(src)


def _has(problems: list[str], *words: str) -> bool:
    return any(all(w in p for w in words) for p in problems)


def test_drift_renamed_method(sources):
    p = _problems_after(sources, check_all, native=("int Unload(int slot)", "int Release(int slot)"))
    assert _has(p, "method_lookup[1]", "Release___STATIC__I4__I4")
    assert _has(p, "native checksum")
    assert _has(p, "host/NativeEngine.cs", "Release")


def test_drift_parameter_type(sources):
    p = _problems_after(sources, check_native, native=("short[] counts", "int[] counts"))
    assert _has(p, "PushImuCounts___STATIC__I4__I4__SZARRAY_I4__I4__I4")
    assert _has(p, "native checksum")


def test_drift_return_type(sources):
    p = _problems_after(sources, check_native, native=("extern int Steps(", "extern uint Steps("))
    assert _has(p, "Steps___STATIC__U4__I4__I4")


def test_drift_method_order(sources):
    cs = sources.device["NativeEngine.cs"]
    a = re.search(r"[ \t]*/// <summary>mn_engine_start:.*?;\n", cs, re.S).group(0)
    b = re.search(r"[ \t]*/// <summary>mn_engine_reset:.*?;\n", cs, re.S).group(0)
    swapped = cs.replace(a, "\0").replace(b, a).replace("\0", b)
    p = check_native(sources.with_device("NativeEngine.cs", swapped))
    assert _has(p, "method_lookup[5]", "Reset___STATIC__I4__I4__I4")
    assert _has(p, "declares")


def test_drift_non_native_method_adds_null_entry(sources):
    p = _problems_after(sources, check_native, native=(
        "public static extern int Unload(int slot);",
        "public static extern int Unload(int slot);\n        public static int Twice(int x) { return 2 * x; }"))
    assert _has(p, "Twice", "NULL")
    assert _has(p, "method_lookup[14]")


def test_drift_missing_internal_call(sources):
    cs = sources.device["NativeEngine.cs"]
    i = cs.index("public static extern int Signal(")
    j = cs.rindex("[MethodImpl(MethodImplOptions.InternalCall)]", 0, i)
    p = check_native(sources.with_device("NativeEngine.cs", cs[:j] + cs[j:i].replace(
        "[MethodImpl(MethodImplOptions.InternalCall)]", "") + cs[i:]))
    assert _has(p, "Signal", "InternalCall")


def test_drift_checksum_in_cpp(sources):
    table = device_table(sources)
    p = _problems_after(sources, check_native, cpp=(f"0x{table.checksum:08X}", "0x12345678"))
    assert _has(p, "native checksum 0x12345678")


def test_drift_implementation_signature(sources):
    p = _problems_after(sources, check_native, impl=(
        "NativeEngine::Info( signed int param0, CLR_RT_TypedArray_INT32 param1",
        "NativeEngine::Info( signed int param0, CLR_RT_TypedArray_UINT32 param1"))
    assert _has(p, "NativeEngine::Info is defined as")


def test_drift_host_signature(sources):
    p = _problems_after(sources, check_host, host=("int Read(int slot, int stream, int[] probsQ15)",
                                                   "int Read(int slot, int[] probsQ15, int stream)"))
    assert _has(p, "host/NativeEngine.cs: Read")


def test_drift_host_entry_point(sources):
    p = _problems_after(sources, check_host, host=("private static extern int mn_engine_signal(",
                                                   "private static extern int mn_engine_signals("))
    assert _has(p, "DllImport mn_engine_signals is not an mn_engine_* function")


def test_drift_host_parameter_type(sources):
    p = _problems_after(sources, check_host, host=("mn_engine_push_features(int slot, sbyte[] features, int n)",
                                                   "mn_engine_push_features(int slot, byte[] features, int n)"))
    assert _has(p, "mn_engine_push_features parameter 1")


def test_drift_implementation_calls_undeclared_function(sources):
    p = _problems_after(sources, check_engine_calls, impl=("return mn_engine_steps(", "return mn_engine_stepz("))
    assert _has(p, "Steps calls mn_engine_stepz, not declared in mn_engine.h")
    assert _has(p, "Steps does not call mn_engine_steps")


def test_drift_header_changes_argument_count(sources):
    p = _problems_after(sources, check_engine_calls, mn_engine_h=(
        "int32_t mn_engine_reset(int32_t slot, int32_t stream);",
        "int32_t mn_engine_reset(int32_t slot, int32_t stream, int32_t flags);"))
    assert _has(p, "Reset calls mn_engine_reset with 2 arguments")


def test_drift_constant_value(sources):
    p = _problems_after(sources, check_constants, consts=("public const int Hop = 66;", "public const int Hop = 67;"))
    assert _has(p, "EngineStatus.Hop = 67, but MN_FE_ERR_HOP = 66")
    p = _problems_after(sources, check_constants, consts=("public const int DInner = 5;", "public const int DInner = 6;"))
    assert _has(p, "EngineInfo.DInner = 6, but MN_INFO_D_INNER = 5")
    p = _problems_after(sources, check_constants, consts=("public const int MaxStreams = 8;", "public const int MaxStreams = 4;"))
    assert _has(p, "ModelCodes.MaxStreams = 4, but MN_ENGINE_MAX_STREAMS = 8")


def test_drift_constant_missing_or_unknown(sources):
    p = _problems_after(sources, check_constants, consts=("public const int Stream = 83;", ""))
    assert _has(p, "EngineStatus lacks MN_ENGINE_ERR_STREAM = 83")
    p = _problems_after(sources, check_constants, consts=("public const int Peak = 0;", "public const int Top = 0;"))
    assert _has(p, "EngineSignal.Top has no C counterpart")
    p = _problems_after(sources, check_constants, mn_engine_h=("MN_SIGNAL_SAMPLES,", "MN_SIGNAL_SAMPLES,\n    MN_SIGNAL_RMS,"))
    assert _has(p, "EngineSignal.Count = 5") or _has(p, "EngineSignal.Count = 4, but MN_SIGNAL_COUNT = 5")
    assert _has(p, "EngineSignal lacks MN_SIGNAL_RMS = 4")


def test_drift_native_version(sources):
    p = _problems_after(sources, check_version, info=('AssemblyNativeVersion("1.0.0.0")', 'AssemblyNativeVersion("1.0.0.1")'))
    assert _has(p, "native version 1.0.0.0, AssemblyNativeVersion 1.0.0.1")


def test_drift_cmake_regex_breaker(sources):
    # a '0' between the initializer's '{' and the checksum hides the version from nf-interpreter
    p = _problems_after(sources, check_native, cpp=('"MambaNano.Interop",', '"MambaNano.Interop", // v0'))
    assert _has(p, "FindNF_NativeAssemblies.cmake regex")


# ---------------------------------------------------------------------------------------------
# Host compile of nf/ against stand-in nanoCLR headers

_ILP32_LONG = ["-m32", "-ffreestanding", "-U__INT32_TYPE__", "-D__INT32_TYPE__=long",
               "-U__UINT32_TYPE__", "-D__UINT32_TYPE__=long unsigned int"]


def _gxx(extra: list[str], source: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["g++", "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra", "-Wshadow", "-Werror",
                           *extra, f"-I{NF / 'hostcheck'}", f"-I{NF}", f"-I{INCLUDE}", str(source)],
                          capture_output=True, text=True)


@pytest.mark.skipif(shutil.which("g++") is None, reason="no g++")
@pytest.mark.parametrize("source", sorted(p.name for p in NF.glob("*.cpp")))
def test_nf_compiles_on_host(source):
    r = _gxx(["-pedantic"], NF / source)
    assert r.returncode == 0, r.stderr


@pytest.mark.skipif(shutil.which("g++") is None, reason="no g++")
@pytest.mark.parametrize("source", sorted(p.name for p in NF.glob("*.cpp")))
def test_nf_compiles_where_int32_t_is_long(source, tmp_path):
    # ESP-IDF 5's Xtensa toolchains: 32-bit long, int32_t = long, so nanoCLR's signed int arrays
    # are not int32_t arrays to the C++ compiler. Modelled with -m32 and GCC's own <stdint.h>.
    probe = tmp_path / "probe.cpp"
    probe.write_text("#include <stdint.h>\nstatic_assert(sizeof(long) == 4, \"\");\n"
                     "long *p = (int32_t *)0;\n")
    if _gxx(_ILP32_LONG, probe).returncode != 0:
        pytest.skip("g++ cannot model a 32-bit target here")
    r = _gxx(_ILP32_LONG, NF / source)
    assert r.returncode == 0, r.stderr


@pytest.mark.skipif(shutil.which("cmake") is None or shutil.which("g++") is None, reason="no cmake or g++")
@pytest.mark.parametrize("layout", ["in-place", "copied"])
def test_cmake_module_builds(layout, tmp_path):
    args = []
    if layout == "copied":  # as a copy in nf-interpreter's CMake/Modules: needs MAMBANANO_NATIVE_DIR
        modules = tmp_path / "Modules"
        modules.mkdir()
        shutil.copy(NF / "FindINTEROP-MambaNano.Interop.cmake", modules)
        failing = subprocess.run(["cmake", "-S", str(NF / "hostcheck"), "-B", str(tmp_path / "b0"),
                                  f"-DMN_MODULE_DIR={modules}"], capture_output=True, text=True)
        assert failing.returncode != 0 and "MAMBANANO_NATIVE_DIR" in failing.stderr
        args = [f"-DMN_MODULE_DIR={modules}", f"-DMAMBANANO_NATIVE_DIR={INTEROP}"]
    build = tmp_path / "b"
    r = subprocess.run(["cmake", "-S", str(NF / "hostcheck"), "-B", str(build), *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    handed = {Path(p).name for p in (build / "interop_sources.txt").read_text().split(";")}
    c_sources = {p.name for p in (INTEROP / "src").glob("*.c") if not p.name.startswith("mnf_")}
    assert handed == {p.name for p in NF.glob("*.cpp")} | c_sources
    r = subprocess.run(["cmake", "--build", str(build), "-j", "4"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
