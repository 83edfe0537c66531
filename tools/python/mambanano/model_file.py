"""Writer and reader of MambaNano's model file (format: native-interop/include/mamba_nano.h).

The C loader (native-interop/src/mn_model.c, mn_model_validate) is the authority on what a valid
file is; this module writes files that satisfy its structural rules (kinds, layers, dtypes, shapes,
alignment, CRC) and reads them back. Value ranges (rq shifts, bias limits, exp2 table, SSM
parameters) are the quantizer's job and are checked by the C loader.

Only numpy and zlib: no torch here. The format's constants, enums and tensor-kind table
(KIND_TABLE: kind -> (dtype, per_layer, (dim0, dim1) expressions over the symbols below)) come
from contract.py, which gen_contract.py generates from native-interop/contract/contract.json
as it does the C side's mn_contract.h.

Usage::

    header = dict(task=Task.HAR, frontend=Frontend.IMU, pooling=Pooling.MEAN, n_layers=1,
                  n_features=3, d_model=4, d_inner=8, d_state=2, dt_rank=1, d_conv=2, n_classes=3)
    data = write_model_file("model.mnm", header, [(TensorKind.IN_W, 0, w_int8), ...])
    header, tensors = read_model_file("model.mnm")      # tensors[(TensorKind.IN_W, 0)] -> ndarray

Symbols: F features, D d_model, E d_inner, N d_state, R dt_rank, K d_conv, L layers, C classes.
"""

import os
import struct
import zlib

import numpy as np

# The format's numbers, enums and kind table; the tools use them as model_file.X.
from .contract import (  # noqa: F401 (Act, EXP2_LUT_SIZE and Status are for the tools)
    CLASS_NAME_BYTES,
    CRC_START,
    EXP2_LUT_SIZE,
    FLAG_LEAN,
    HEADER_SIZE,
    KIND_TABLE,
    MAGIC,
    MAX_CLASSES,
    MAX_D_CONV,
    MAX_D_INNER,
    MAX_D_MODEL,
    MAX_D_STATE,
    MAX_DT_RANK,
    MAX_FEATURES,
    MAX_LAYERS,
    SCALAR_A_MINOR,
    TENSOR_ALIGN,
    TENSOR_ENTRY_SIZE,
    VERSION_MAJOR,
    VERSION_MINOR,
    Act,
    DType,
    Frontend,
    Pooling,
    Status,
    Task,
    TensorKind,
)

PROG = "mambanano model-file"

NUMPY_DTYPE = {
    DType.I8: np.dtype(np.int8),
    DType.U8: np.dtype(np.uint8),
    DType.I16: np.dtype("<i2"),
    DType.U16: np.dtype("<u2"),
    DType.I32: np.dtype("<i4"),
    DType.F32: np.dtype("<f4"),
}

# The header fields a writer supplies, in file order (bytes 20..37).
HEADER_FIELDS = (
    "task",
    "frontend",
    "pooling",
    "n_layers",
    "n_features",
    "d_model",
    "d_inner",
    "d_state",
    "dt_rank",
    "d_conv",
    "n_classes",
)
DIM_LIMITS = {
    "n_layers": MAX_LAYERS,
    "n_features": MAX_FEATURES,
    "d_model": MAX_D_MODEL,
    "d_inner": MAX_D_INNER,
    "d_state": MAX_D_STATE,
    "dt_rank": MAX_DT_RANK,
    "d_conv": MAX_D_CONV,
    "n_classes": MAX_CLASSES,
}
_SYMBOLS = {
    "F": "n_features",
    "D": "d_model",
    "E": "d_inner",
    "N": "d_state",
    "R": "dt_rank",
    "K": "d_conv",
    "C": "n_classes",
}
# Header and table entry layouts of mamba_nano.h (little-endian; reserved bytes zero).
_HEADER_STRUCT = struct.Struct("<4sHHIII4B8HII16x")
_ENTRY_STRUCT = struct.Struct("<BBBxHHII")
assert _HEADER_STRUCT.size == HEADER_SIZE and _ENTRY_STRUCT.size == TENSOR_ENTRY_SIZE
_KNOWN_KINDS = {int(k) for k in TensorKind}


def eval_dim(expr, dims):
    """Value of a KIND_TABLE dim expression (sums of products of ints and symbols, e.g. "R+2*N")
    for dims {symbol: value}."""
    total = 0
    for term in expr.split("+"):
        product = 1
        for factor in term.split("*"):
            factor = factor.strip()
            product *= int(factor) if factor.isdigit() else int(dims[factor])
        total += product
    return total


def tensor_shape(kind, header):
    """(dim0, dim1) of a tensor kind for the dims in header (a dict with HEADER_FIELDS). For A2
    this is the (E, N) of A per (channel, state); see a2_heads for the scalar-A (H, 1)."""
    dims = {sym: int(header[name]) for sym, name in _SYMBOLS.items()}
    return tuple(eval_dim(expr, dims) for expr in KIND_TABLE[kind][2])


def a2_heads(shape, header):
    """The A2 variant a shape (dim0, dim1) gives, as the C loader infers it: None for A per
    (channel, state), shape (E, N); H for scalar-A heads, shape (H, 1) with H dividing E (from
    version minor SCALAR_A_MINOR). Raises ValueError for any other shape."""
    e, n = int(header["d_inner"]), int(header["d_state"])
    if tuple(shape) == (e, n):
        return None
    h = int(shape[0])
    if int(shape[1]) == 1 and 1 <= h <= e and e % h == 0:
        return h
    raise ValueError(
        f"A2 shape {tuple(shape)}: the dims need ({e}, {n}), or (H, 1) with H dividing {e}"
    )


def pc_only(kind):
    """True for a kind only the float reference and the tools read (every f32 kind): a lean
    file has none of them."""
    return KIND_TABLE[TensorKind(int(kind))][0] == DType.F32


def is_lean(header):
    return bool(int(header.get("flags", 0)) & FLAG_LEAN)


def required_tensors(header):
    """Every (kind, layer) the architecture needs, in kind order (a lean header: without the
    PC-only kinds, which it must not have)."""
    out = []
    lean = is_lean(header)
    for kind, (_, per_layer, _) in KIND_TABLE.items():
        if lean and pc_only(kind):
            continue
        out += [(kind, l) for l in range(int(header["n_layers"]))] if per_layer else [(kind, 0)]
    return out


def class_names_array(names):
    """Class names -> (C, 16) uint8 NUL-padded UTF-8 (at most 15 bytes each), for CLASS_NAMES."""
    out = np.zeros((len(names), CLASS_NAME_BYTES), dtype=np.uint8)
    for c, name in enumerate(names):
        raw = name.encode("utf-8")
        if len(raw) >= CLASS_NAME_BYTES:
            raise ValueError(f"class name {name!r} longer than {CLASS_NAME_BYTES - 1} bytes")
        out[c, : len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    return out


def class_names_list(array):
    """(C, 16) uint8 CLASS_NAMES -> list of str."""
    return [bytes(row).split(b"\0", 1)[0].decode("utf-8") for row in np.asarray(array, np.uint8)]


def _check_header(header):
    missing = [f for f in HEADER_FIELDS if f not in header]
    if missing:
        raise ValueError(f"header fields missing: {missing}")
    Task(int(header["task"]))
    Frontend(int(header["frontend"]))
    Pooling(int(header["pooling"]))
    for name, limit in DIM_LIMITS.items():
        if not 1 <= int(header[name]) <= limit:
            raise ValueError(f"{name} = {header[name]} outside [1, {limit}]")


def _as_2d(kind, layer, array, shape):
    """array with the kind's exact dtype, as (dim0, dim1); 1-D arrays stand for a (n, 1) vector
    or, when dim0 is 1, a (1, n) row (GATE_RQ, RES_RQ)."""
    dtype = NUMPY_DTYPE[KIND_TABLE[kind][0]]
    a = np.asarray(array)
    if a.dtype.kind != dtype.kind or a.dtype.itemsize != dtype.itemsize:
        raise TypeError(
            f"{TensorKind(kind).name} layer {layer}: dtype {a.dtype}, the format "
            f"needs {dtype} (cast explicitly, after range checks)"
        )
    if a.ndim == 1 and shape[1] == 1:
        a = a[:, None]
    elif a.ndim == 1 and shape[0] == 1:
        a = a[None, :]
    if a.shape != shape:
        raise ValueError(
            f"{TensorKind(kind).name} layer {layer}: shape {np.shape(array)}, the dims need {shape}"
        )
    return np.ascontiguousarray(a, dtype=dtype)


def write_model_file(path, header, tensors):
    """Write a model file; returns its bytes.

    path:    where to write, or None to only return the bytes.
    header:  dict with task, frontend, pooling, n_layers, n_features, d_model, d_inner, d_state,
             dt_rank, d_conv, n_classes (each dim in [1, MAX_*]); optional version_minor and
             flags (FLAG_LEAN: no PC-only tensor may be given; needs version_minor >= 1).
             A2 may instead be (H, 1), or 1-D (H,), with H dividing E: scalar-A heads
             (a2_heads), which need version_minor >= SCALAR_A_MINOR.
    tensors: iterable of (kind, layer, ndarray): every (kind, layer) of required_tensors(header)
             exactly once (layer 0 for global kinds). Each array must already have the kind's
             numpy dtype (KIND_TABLE, NUMPY_DTYPE; no silent casts) and shape tensor_shape(kind);
             a 1-D array stands for a (n, 1) vector, or a (1, n) row for GATE_RQ / RES_RQ.
    Layout: 64-byte header, tensor table at offset 64, then the tensors in the order given, each at
    a multiple of TENSOR_ALIGN with zero padding; CRC-32 (zlib) over [20, file_size).
    """
    _check_header(header)
    entries = []
    seen = set()
    scalar_a = False  # A2 is (H, 1): scalar-A heads
    for kind, layer, array in tensors:
        kind, layer = TensorKind(int(kind)), int(layer)
        per_layer = KIND_TABLE[kind][1]
        if not (0 <= layer < int(header["n_layers"]) if per_layer else layer == 0):
            raise ValueError(f"{kind.name}: layer {layer} out of range")
        if (kind, layer) in seen:
            raise ValueError(f"{kind.name} layer {layer} given twice")
        if is_lean(header) and pc_only(kind):
            raise ValueError(f"{kind.name}: a PC-only (f32) tensor in a lean file")
        seen.add((kind, layer))
        shape = tensor_shape(kind, header)
        if kind == TensorKind.A2:  # (E, N), or (H, 1) / (H,): scalar-A heads
            shape = (len(array), 1) if np.ndim(array) == 1 else tuple(np.shape(array))
            scalar_a |= a2_heads(shape, header) is not None
        entries.append((kind, layer, _as_2d(kind, layer, array, shape)))
    missing = [(k.name, l) for k, l in required_tensors(header) if (k, l) not in seen]
    if missing:
        raise ValueError(f"tensors missing: {missing}")

    table_offset = HEADER_SIZE
    data = bytearray(table_offset + TENSOR_ENTRY_SIZE * len(entries))  # header, table: filled below
    for i, (kind, layer, a) in enumerate(entries):
        data += bytes(-len(data) % TENSOR_ALIGN)
        raw = a.tobytes()
        _ENTRY_STRUCT.pack_into(
            data,
            table_offset + i * TENSOR_ENTRY_SIZE,
            kind,
            layer,
            KIND_TABLE[kind][0],
            a.shape[0],
            a.shape[1],
            len(data),
            len(raw),
        )
        data += raw
    dims = [int(header[f]) for f in HEADER_FIELDS]
    minor = int(header.get("version_minor", VERSION_MINOR))
    flags = int(header.get("flags", 0))
    if flags & ~FLAG_LEAN or (flags and minor < 1):
        raise ValueError(f"flags {flags:#x} with version minor {minor}: only FLAG_LEAN, from 1.1")
    if scalar_a and minor < SCALAR_A_MINOR:
        raise ValueError(
            f"scalar-A heads (A2 (H, 1)) with version minor {minor}: needs 1.{SCALAR_A_MINOR}"
        )
    _HEADER_STRUCT.pack_into(
        data,
        0,
        MAGIC,
        VERSION_MAJOR,
        minor,
        HEADER_SIZE,
        len(data),
        0,
        *dims,
        len(entries),
        table_offset,
        flags,
    )
    struct.pack_into("<I", data, 16, zlib.crc32(bytes(data[CRC_START:])) & 0xFFFFFFFF)
    data = bytes(data)
    if path is not None:
        with open(path, "wb") as f:
            f.write(data)
    return data


def read_model_file(source):
    """Read a model file (bytes or a path). Returns (header, tensors):
    header:  dict with version_major, version_minor, file_size, crc32, n_tensors, table_offset,
             flags (0 for a 1.0 file) and the HEADER_FIELDS;
    tensors: {(kind, layer): ndarray}, shaped (dim0,) for vectors (dim1 == 1) else (dim0, dim1);
             kinds this module does not know (from a newer minor) keep their int kind.
    Raises ValueError for a file that is not readable (magic, version, size, CRC, bounds) and for
    bytes after header.file_size (the C loader refuses those too)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        with open(os.fspath(source), "rb") as f:
            data = f.read()
    if len(data) < HEADER_SIZE:
        raise ValueError(f"{len(data)} bytes: shorter than the {HEADER_SIZE}-byte header")
    (magic, major, minor, header_size, file_size, crc, *rest) = _HEADER_STRUCT.unpack_from(data)
    if magic != MAGIC:
        raise ValueError(f"magic {magic!r} is not {MAGIC!r}: not a MambaNano model file")
    if major != VERSION_MAJOR:
        raise ValueError(f"format version {major}.{minor}; this reader reads {VERSION_MAJOR}.x")
    if file_size > len(data) or file_size < header_size:
        raise ValueError(f"header says {file_size} bytes, have {len(data)}: truncated")
    if file_size < len(data):
        raise ValueError(
            f"header says {file_size} bytes, have {len(data)}: "
            f"{len(data) - file_size} bytes appended after the model"
        )
    if zlib.crc32(data[CRC_START:file_size]) & 0xFFFFFFFF != crc:
        raise ValueError("CRC-32 mismatch: corrupt file")
    header = dict(zip(HEADER_FIELDS, rest[: len(HEADER_FIELDS)]))
    n_tensors, table_offset, flags = rest[len(HEADER_FIELDS) :]
    header.update(
        version_major=major,
        version_minor=minor,
        file_size=file_size,
        crc32=crc,
        n_tensors=n_tensors,
        table_offset=table_offset,
        flags=flags if minor >= 1 else 0,
    )
    if table_offset + n_tensors * TENSOR_ENTRY_SIZE > file_size:
        raise ValueError("tensor table outside the file")
    tensors = {}
    for i in range(n_tensors):
        kind, layer, dtype, dim0, dim1, offset, nbytes = _ENTRY_STRUCT.unpack_from(
            data, table_offset + i * TENSOR_ENTRY_SIZE
        )
        if offset + nbytes > file_size:
            raise ValueError(f"tensor {i} (kind {kind}) outside the file")
        np_dtype = NUMPY_DTYPE[DType(dtype)]
        if dim0 * dim1 * np_dtype.itemsize != nbytes:
            raise ValueError(f"tensor {i} (kind {kind}): {nbytes} bytes for ({dim0}, {dim1})")
        a = np.frombuffer(data, dtype=np_dtype, count=dim0 * dim1, offset=offset).copy()
        key_kind = TensorKind(kind) if kind in _KNOWN_KINDS else kind
        tensors[(key_kind, layer)] = a if dim1 == 1 else a.reshape(dim0, dim1)
    return header, tensors


def lean_model_bytes(source):
    """The lean device file of a model file (bytes or a path): the same header, tensors and
    tensor order without the PC-only (f32) tensors, with FLAG_LEAN, at the source's version
    minor (at least 1.1, where the flag exists: a 1.1 file stays 1.1). The INT8 path
    reads the same bytes from both, so it is bit-exact; only the CRC (the model's identity) and
    the size differ. A file that is already lean comes back unchanged."""
    if not isinstance(source, (bytes, bytearray, memoryview)):
        with open(os.fspath(source), "rb") as f:
            source = f.read()
    header, tensors = read_model_file(source)
    if is_lean(header):
        return bytes(source)
    unknown = [k for k, _ in tensors if not isinstance(k, TensorKind)]
    if unknown:
        raise ValueError(
            f"kinds {unknown} of a newer minor: cannot tell whether the device reads them"
        )
    lean_header = {f: header[f] for f in HEADER_FIELDS}
    lean_header.update(version_minor=max(1, header["version_minor"]), flags=FLAG_LEAN)
    kept = [(k, l, a) for (k, l), a in tensors.items() if not pc_only(k)]
    return write_model_file(None, lean_header, kept)


def main(argv=None):
    """tools/mambanano model-file --lean IN.mnm OUT.mnm: write the lean device file."""
    import argparse

    ap = argparse.ArgumentParser(
        prog=PROG,
        description="MambaNano model files: write the lean device file "
        "(no PC-only f32 tensors) of a full one.",
    )
    ap.add_argument("--lean", nargs=2, metavar=("IN", "OUT"), required=True)
    args = ap.parse_args(argv)
    src, dst = args.lean
    data = lean_model_bytes(src)
    with open(dst, "wb") as f:
        f.write(data)
    print(f"{dst}: {len(data)} bytes (from {os.path.getsize(src)})")
    return 0
