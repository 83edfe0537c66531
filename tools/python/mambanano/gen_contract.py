"""Generate the C, C# and Python constants of the model-file and engine contract from its one
description, native-interop/contract/contract.json.

    tools/mambanano gen-contract [--check]

Writes native-interop/include/mn_contract.h (enums, #defines, and X-macros of the tensor-kind table
and the status messages, included by mamba_nano.h), native-interop/managed/EngineConstants.cs (the
numbers the app uses) and tools/python/mambanano/contract.py (what model_file.py, frontend.py and the tools
use). --check exits 1 if a committed file differs from what contract.json generates.

Standard library only: the generated files are committed, so building the firmware, the app or the
C library needs no Python.
"""

import argparse
import json
import re
import sys

from mambanano.paths import REPO

PROG = "mambanano gen-contract"
CONTRACT = REPO / "native-interop" / "contract" / "contract.json"
C_HEADER = REPO / "native-interop" / "include" / "mn_contract.h"
CSHARP = REPO / "native-interop" / "managed" / "EngineConstants.cs"
PYTHON = REPO / "tools" / "python" / "mambanano" / "contract.py"

SOURCE = CONTRACT.relative_to(REPO).as_posix()
REGENERATE = "tools/mambanano gen-contract"
C_WIDTH = 100  # longest generated C line before a member's comment moves above it

# A tensor dim of contract.json's "shape" -> (mn_sym suffix of mn_model.c, Python dim expression
# of model_file.eval_dim). Constant names resolve to their values.
DIMS = {
    "1": ("1", "1"),
    "2": ("2", "2"),
    "3": ("3", "3"),
    "256": ("LUT256", "256"),
    "CLASS_NAME_BYTES": ("NAME", None),
    "EXP2_LUT_SIZE": ("EXP2", None),
    "ACT_COUNT": ("ACT", None),
    "F": ("F", "F"),
    "D": ("D", "D"),
    "E": ("E", "E"),
    "2E": ("2E", "2*E"),
    "N": ("N", "N"),
    "R": ("R", "R"),
    "R+2N": ("R2N", "R+2*N"),
    "K": ("K", "K"),
    "C": ("C", "C"),
}


# ---------------------------------------------------------------------------------------------
# The description, resolved


def load(path=CONTRACT):
    """contract.json with every constant's and enum member's value resolved (expr, same_as), and
    its rules checked: names and values unique within an enum, the three status enums disjoint but
    for same_as aliases, global tensor kinds below 32 and per-layer ones from 32."""
    contract = json.loads(path.read_text())
    values = {}
    for group in contract["constants"]:
        for item in group["items"]:
            if "expr" in item:
                item["value"] = _eval_expr(item["expr"], values)
            values[item["name"]] = item["value"]
    enums = {e["c_type"]: e for e in contract["enums"] + [contract["tensor_kinds"]]}
    status = {m["name"]: m["value"] for m in enums["mn_status"]["members"]}
    for enum in enums.values():
        for m in enum["members"]:
            if "same_as" in m:
                m["value"] = status[m["same_as"]]
        own = [m["value"] for m in enum["members"] if "same_as" not in m]
        names = [m["name"] for m in enum["members"]]
        if len(set(names)) != len(names) or len(set(own)) != len(own):
            raise ValueError(f"{enum['c_type']}: a member name or value twice")
        if enum.get("count"):
            values[f"{enum['prefix'][len('MN_') :]}COUNT"] = len(enum["members"])
    codes = [
        m["value"]
        for e in ("mn_status", "mn_fe_status", "mn_engine_status")
        for m in enums[e]["members"]
        if "same_as" not in m
    ]
    if len(set(codes)) != len(codes):
        raise ValueError("a status code is in two status enums (use same_as for a shared meaning)")
    for kind in contract["tensor_kinds"]["members"]:
        if kind["scope"] != ("global" if kind["value"] < 32 else "layer") or any(
            d not in DIMS for d in kind["shape"]
        ):
            raise ValueError(
                f"tensor kind {kind['name']}: global below 32, layer from 32; "
                f"shape symbols from gen_contract.DIMS"
            )
    contract["values"] = values
    return contract


def _eval_expr(expr, values):
    """'1 << EXP2_FRAC_BITS' with the names of earlier constants."""
    m = re.fullmatch(r"1 << (\w+)", expr)
    if not m:
        raise ValueError(f"expression {expr!r}: only '1 << NAME' is supported")
    return 1 << values[m.group(1)]


def _doc(item):
    return " ".join(item["doc"]) if isinstance(item.get("doc"), list) else item.get("doc", "")


def _wrap(text, width):
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + ([line] if line else [])


def _pascal(name):
    """ERR_TENSOR_TABLE -> TensorTable, D_MODEL -> DModel (a leading ERR_ dropped)."""
    return "".join(part.capitalize() for part in re.sub(r"^ERR_", "", name).split("_"))


# ---------------------------------------------------------------------------------------------
# C: native-interop/include/mn_contract.h


def _c_value(item):
    """A constant's C value: "MNMB", 16, or (1 << MN_EXP2_FRAC_BITS) for an expr."""
    if "expr" in item:
        return "(" + re.sub(r"\b([A-Z][A-Z0-9_]+)\b", r"MN_\1", item["expr"]) + ")"
    return f'"{item["value"]}"' if isinstance(item["value"], str) else str(item["value"])


def _c_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _c_members(rows, indent="    "):
    """rows of (code, comment) -> lines, the comments in one column and wrapped within C_WIDTH."""
    width = max(len(code) for code, _ in rows)
    out = []
    for code, comment in rows:
        if not comment:
            out.append(f"{indent}{code}")
            continue
        column = len(indent) + width + 1
        lines = (
            [comment]
            if column + len(comment) + 6 <= C_WIDTH
            else _wrap(comment, max(C_WIDTH - column - 6, 30))
        )
        out.append(
            f"{indent}{code.ljust(width)} /* {lines[0]}" + (" */" if len(lines) == 1 else "")
        )
        out += [
            " " * (column + 3) + l + (" */" if i == len(lines) - 2 else "")
            for i, l in enumerate(lines[1:])
        ]
    return out


def _c_banner(title):
    lines = _wrap(title, C_WIDTH - 3)
    return (
        ["/* " + "-" * (C_WIDTH - 6)]
        + [f" * {l}" for l in lines]
        + [" * " + "-" * (C_WIDTH - 6) + "*/"]
    )


def _c_enum(enum):
    members = enum["members"]
    rows = []
    for i, m in enumerate(members):
        value = f"MN_{m['same_as']}" if "same_as" in m else str(m["value"])
        last = i == len(members) - 1 and not enum.get("count")
        rows.append((f"{enum['prefix']}{m['name']} = {value}{'' if last else ','}", _doc(m)))
    if enum.get("count"):
        rows.append((f"{enum['prefix']}COUNT = {len(members)}", ""))
    out = _c_comment(_doc(enum))
    return out + ["typedef enum {"] + _c_members(rows) + [f"}} {enum['c_type']};", ""]


def _c_comment(text, indent=""):
    lines = _wrap(text, C_WIDTH - len(indent) - 6)
    if len(lines) == 1:
        return [f"{indent}/* {lines[0]} */"]
    return [f"{indent}/*"] + [f"{indent} * {l}" for l in lines] + [f"{indent} */"]


def _c_macro(name, doc, entries):
    out = _c_comment(doc) + [f"#define {name}(X) \\"]
    out += [f"    X({e}) \\" for e in entries[:-1]] + [f"    X({entries[-1]})", ""]
    return out


def _c_kind_comment(kind, values):
    """'i8   (2E, D)       rows [0,E) -> xi ...': dtype, shape (constants by value), doc."""
    dims = [str(values.get(d, d)) for d in kind["shape"]]
    shape = f"({dims[0]})" if dims[1] == "1" else f"({dims[0]}, {dims[1]})"
    return f"{kind['dtype'].lower():<4} {shape:<12} {_doc(kind)}".rstrip()


def generate_c(contract):
    values = contract["values"]
    out = [
        "/*",
        f" * mn_contract.h — generated by tools/python/mambanano/gen_contract.py from {SOURCE}:",
        f" * do not edit. Edit contract.json, then run {REGENERATE}.",
        " *",
    ]
    out += [f" * {l}" for l in _wrap(" ".join(contract["about"]), C_WIDTH - 3)]
    out += [
        " *",
        " * Include mamba_nano.h (which includes this), not this file.",
        " */",
        "#ifndef MN_CONTRACT_H",
        "#define MN_CONTRACT_H",
        "",
    ]
    for group in contract["constants"]:
        out += _c_banner(group["group"])
        out += _c_members(
            [(f"#define MN_{i['name']} {_c_value(i)}", _doc(i)) for i in group["items"]], indent=""
        )
        out.append("")
    out += _c_banner("Enums")
    for enum in contract["enums"]:
        out += _c_enum(enum)
    kinds = contract["tensor_kinds"]
    rows = [
        (
            f"MN_T_{k['name']} = {k['value']}{',' if i < len(kinds['members']) - 1 else ''}",
            _c_kind_comment(k, values),
        )
        for i, k in enumerate(kinds["members"])
    ]
    out += (
        _c_comment(_doc(kinds)) + ["typedef enum {"] + _c_members(rows) + ["} mn_tensor_kind;", ""]
    )

    out += _c_banner(
        "X-macros: tables the C sources expand (mn_model.c, mn_frontend_imu.c, mn_engine.c)"
    )
    for enum in contract["enums"]:
        if any("message" in m for m in enum["members"]):
            out += _c_macro(
                f"{enum['c_type'].upper()}_MESSAGES",
                f"X(code, message) for every {enum['c_type']}: what its message function returns.",
                [
                    f"{enum['prefix']}{m['name']}, {_c_string(m['message'])}"
                    for m in enum["members"]
                ],
            )
    out += _c_macro(
        "MN_TENSOR_KINDS",
        "X(kind, scope, dtype, dim0, dim1) for every mn_tensor_kind: scope G (global, layer 0) "
        "or L (per layer), dtype the MN_DTYPE_ suffix, dims the mn_sym suffixes of mn_model.c.",
        [
            f"{k['name']}, {'G' if k['scope'] == 'global' else 'L'}, {k['dtype']}, "
            f"{DIMS[k['shape'][0]][0]}, {DIMS[k['shape'][1]][0]}"
            for k in kinds["members"]
        ],
    )
    out += ["#endif /* MN_CONTRACT_H */", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# C#: native-interop/managed/EngineConstants.cs


def _cs_class(name, summary, rows):
    out = [f"    /// <summary>{summary}</summary>", f"    public static class {name}", "    {"]
    for const, value, doc in rows:
        if doc:
            out.append(
                f"        /// <summary>{doc.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</summary>"
            )
        out.append(f"        public const int {const} = {value};")
    return out + ["    }"]


def generate_csharp(contract):
    enums = {e["c_type"]: e for e in contract["enums"]}

    def rows(enum, prefix="", aliases=True):
        out = [
            (prefix + _pascal(m["name"]), m["value"], m.get("message") or _doc(m))
            for m in enum["members"]
            if aliases or "same_as" not in m
        ]
        return out + ([(prefix + "Count", len(enum["members"]), "")] if enum.get("count") else [])

    status = (
        rows(enums["mn_status"])
        + rows(enums["mn_fe_status"], aliases=False)
        + rows(enums["mn_engine_status"])
    )
    codes = rows(enums["mn_task"], "Task") + rows(enums["mn_frontend"], "Frontend")
    codes += [
        (_pascal(i["name"]), i["value"], _doc(i))
        for g in contract["constants"]
        for i in g["items"]
        if i.get("csharp")
    ]
    classes = [
        (
            "EngineStatus",
            "Status codes every NativeEngine method returns (mn_status, mn_fe_status, "
            "mn_engine_status), with the text mn_engine_status_message() gives.",
            status,
        ),
        (
            "EngineInfo",
            "Indices into the array NativeEngine.Info fills (mn_info_index).",
            rows(enums["mn_info_index"]),
        ),
        (
            "EngineSignal",
            "Indices into the array NativeEngine.Signal fills (mn_signal_index).",
            rows(enums["mn_signal_index"]),
        ),
        (
            "ModelCodes",
            "Model-file codes (mn_task, mn_frontend) and the limits the app relies on.",
            codes,
        ),
    ]
    out = [
        f"// <auto-generated> by tools/python/mambanano/gen_contract.py from {SOURCE}:",
        f"// do not edit. Edit contract.json, then run {REGENERATE}. </auto-generated>",
        "namespace MambaNano.Interop",
        "{",
    ]
    for i, cls in enumerate(classes):
        out += ([""] if i else []) + _cs_class(*cls)
    return "\n".join(out + ["}", ""])


# ---------------------------------------------------------------------------------------------
# Python: tools/python/mambanano/contract.py


def _py_comment(code, doc, width=100):
    """code with its doc as a trailing comment, or as comment lines above it if that is too long."""
    if not doc:
        return code
    if len(code) + 4 + len(doc) <= width:
        return f"{code}  # {doc}"
    indent = code[: len(code) - len(code.lstrip())]
    return "\n".join([f"{indent}# {l}" for l in _wrap(doc, width - len(indent) - 2)] + [code])


def generate_python(contract):
    values = contract["values"]
    out = [
        '"""The model-file and engine contract: generated by tools/python/mambanano/gen_contract.py from',
        f"{SOURCE}: do not edit. Edit contract.json, then run",
        f'{REGENERATE}."""',
        "from enum import IntEnum",
        "",
    ]
    for group in contract["constants"]:
        out += [""] + [f"# {l}" for l in _wrap(group["group"], 96)]
        for i in group["items"]:
            value = (
                f'b"{i["value"]}"'
                if isinstance(i["value"], str)
                else i.get("expr", str(i["value"]))
            )
            out.append(_py_comment(f"{i['name']} = {value}", _doc(i)))
    for enum in contract["enums"] + [contract["tensor_kinds"]]:
        out += ["", "", f"class {enum['python']}(IntEnum):"]
        out += [
            f'    """{l}' if n == 0 else f"    {l}"
            for n, l in enumerate(
                _wrap(f"{enum['c_type']} ({enum['prefix']} dropped). {_doc(enum)}", 92)
            )
        ]
        out[-1] += '"""'
        for m in enum["members"]:
            out.append(
                _py_comment(
                    f"    {m['name']} = {m['value']}",
                    _doc(m) if enum is not contract["tensor_kinds"] else "",
                )
            )
        if enum.get("count"):
            out.append(f"    COUNT = {len(enum['members'])}")

    def dim(d):
        expr = DIMS[d][1]
        return f'"{expr if expr is not None else values[d]}"'

    out += [
        "",
        "",
        "# kind -> (dtype, per_layer, (dim0, dim1)): dims are model_file.eval_dim expressions over the",
        "# symbols F D E N R K C; vectors have dim1 = 1, rq tensors are (rows, 2) {mult, shift}.",
        "KIND_TABLE = {",
    ]
    for k in contract["tensor_kinds"]["members"]:
        out.append(
            f"    TensorKind.{k['name']}: (DType.{k['dtype']}, {k['scope'] == 'layer'}, "
            f"({dim(k['shape'][0])}, {dim(k['shape'][1])})),"
        )
    return "\n".join(out + ["}", ""])


# ---------------------------------------------------------------------------------------------


def outputs(contract):
    return {
        C_HEADER: generate_c(contract),
        CSHARP: generate_csharp(contract),
        PYTHON: generate_python(contract),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    ap.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if a committed file differs from what contract.json generates",
    )
    args = ap.parse_args(argv)
    stale = []
    for path, text in outputs(load()).items():
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(REPO)}")
    for path in stale:
        print(f"{path.relative_to(REPO)} is out of date: run {REGENERATE}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
