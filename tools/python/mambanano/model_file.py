"""Writer and reader of MambaNano's model file (format: native-interop/include/mamba_nano.h).

The C loader (native-interop/src/mn_model.c, mn_model_validate) is the authority on what a valid
file is; this module writes files that satisfy its structural rules (kinds, layers, dtypes, shapes,
alignment, CRC) and reads them back. Value ranges (rq shifts, bias limits, exp2 table, SSM
parameters) are the quantizer's job and are checked by the C loader.

Only numpy and zlib: no torch here. Every constant below mirrors mamba_nano.h and is checked
against it by tools/python/tests/test_model_file.py.

Usage::

    header = dict(task=Task.HAR, frontend=Frontend.IMU, pooling=Pooling.MEAN, n_layers=1,
                  n_features=3, d_model=4, d_inner=8, d_state=2, dt_rank=1, d_conv=2, n_classes=3)
    data = write_model_file("model.mnm", header, [(TensorKind.IN_W, 0, w_int8), ...])
    header, tensors = read_model_file("model.mnm")      # tensors[(TensorKind.IN_W, 0)] -> ndarray

Symbols: F features, D d_model, E d_inner, N d_state, R dt_rank, K d_conv, L layers, C classes.
"""
from enum import IntEnum
import os
import struct
import zlib

import numpy as np

PROG = "mambanano model-file"

MAGIC = b"MNMB"
VERSION_MAJOR = 1
VERSION_MINOR = 1
HEADER_SIZE = 64
HEADER_FLAGS_OFFSET = 44  # uint32 flags (minor >= 1; reserved zero in 1.0 files)
FLAG_LEAN = 1  # the file has no PC-only (f32) tensor: what the device embeds
TENSOR_ENTRY_SIZE = 16
HEADER_TASK_OFFSET = 20  # header byte holding the task (callers may check it before loading)
TENSOR_ALIGN = 16
EXP2_FRAC_BITS = 10
EXP2_LUT_SIZE = 1 << EXP2_FRAC_BITS
CLASS_NAME_BYTES = 16

MAX_FEATURES = 64
MAX_D_MODEL = 128
MAX_D_INNER = 256
MAX_D_STATE = 32
MAX_DT_RANK = 16
MAX_D_CONV = 8
MAX_LAYERS = 4
MAX_CLASSES = 32

CRC_START = 20  # the CRC-32 covers bytes [CRC_START, file_size)


class Status(IntEnum):
    """mn_status (MN_ prefix dropped)."""
    OK = 0
    ERR_ARG = 1
    ERR_TRUNCATED = 2
    ERR_MAGIC = 3
    ERR_VERSION = 4
    ERR_CRC = 5
    ERR_DIMS = 6
    ERR_TENSOR_TABLE = 7
    ERR_TENSOR_MISSING = 8
    ERR_TENSOR_SHAPE = 9
    ERR_TENSOR_BOUNDS = 10
    ERR_ALIGN = 11
    ERR_OVERFLOW = 12
    ERR_ARENA_TOO_SMALL = 13
    ERR_PARAM = 14
    ERR_BUFFER_TOO_SMALL = 15
    ERR_NOT_LOADED = 16
    ERR_NO_STEPS = 17
    ERR_TRAILING = 18
    ERR_LEAN = 19


class Task(IntEnum):
    """mn_task."""
    HAR = 1
    KWS = 2


class Frontend(IntEnum):
    """mn_frontend."""
    IMU = 1
    LOGMEL = 2
    RAW = 3


class Pooling(IntEnum):
    """mn_pooling (MN_POOL_*)."""
    MEAN = 1


class DType(IntEnum):
    """mn_dtype."""
    I8 = 1
    U8 = 2
    I16 = 3
    U16 = 4
    I32 = 5
    F32 = 6


NUMPY_DTYPE = {
    DType.I8: np.dtype(np.int8), DType.U8: np.dtype(np.uint8),
    DType.I16: np.dtype("<i2"), DType.U16: np.dtype("<u2"),
    DType.I32: np.dtype("<i4"), DType.F32: np.dtype("<f4"),
}


class TensorKind(IntEnum):
    """mn_tensor_kind (MN_T_ prefix dropped). Values below 32 are global, the rest per layer."""
    CLASS_NAMES = 1
    INPUT_QUANT = 2
    EXP2_LUT = 3
    IN_W = 4
    IN_B = 5
    IN_RQ = 6
    IN_WSCALE = 7
    IN_BF = 8
    CLS_W = 9
    CLS_B = 10
    CLS_RQ = 11
    CLS_WSCALE = 12
    CLS_BF = 13
    POOL_SCALE = 14
    INPROJ_W = 32
    INPROJ_B = 33
    INPROJ_RQ = 34
    INPROJ_WSCALE = 35
    INPROJ_BF = 36
    CONV_W = 37
    CONV_B = 38
    CONV_RQ = 39
    CONV_WSCALE = 40
    CONV_BF = 41
    SILU_X_LUT = 42
    XPROJ_W = 43
    XPROJ_RQ = 44
    XPROJ_WSCALE = 45
    DTPROJ_W = 46
    DTPROJ_B = 47
    DTPROJ_RQ = 48
    DTPROJ_WSCALE = 49
    DTPROJ_BF = 50
    SOFTPLUS_LUT = 51
    A2 = 52
    SSM_PARAMS = 53
    DBX_RQ = 54
    Y_RQ = 55
    D_RQ = 56
    D_F = 57
    STATE_SCALE = 58
    SILU_Z_LUT = 59
    GATE_RQ = 60
    OUTPROJ_W = 61
    OUTPROJ_B = 62
    OUTPROJ_RQ = 63
    OUTPROJ_WSCALE = 64
    OUTPROJ_BF = 65
    RES_RQ = 66
    ACT_SCALES = 67


class Act(IntEnum):
    """mn_act: index into a layer's ACT_SCALES tensor."""
    RESIDUAL_IN = 0
    XI = 1
    Z = 2
    XC = 3
    XS = 4
    DT_LOW = 5
    B = 6
    C = 7
    DT = 8
    DELTA = 9
    Y = 10
    ZS = 11
    G = 12
    RESIDUAL_OUT = 13
    COUNT = 14


# kind -> (dtype, per_layer, (dim0, dim1)); dims are expressions over the symbols F D E N R K C,
# evaluated by tensor_shape(). Vectors have dim1 = 1; rq tensors are (rows, 2) {mult, shift}.
_K = TensorKind
KIND_TABLE = {
    _K.CLASS_NAMES: (DType.U8, False, ("C", str(CLASS_NAME_BYTES))),
    _K.INPUT_QUANT: (DType.F32, False, ("2", "1")),
    _K.EXP2_LUT: (DType.U16, False, (str(EXP2_LUT_SIZE), "1")),
    _K.IN_W: (DType.I8, False, ("D", "F")),
    _K.IN_B: (DType.I32, False, ("D", "1")),
    _K.IN_RQ: (DType.I32, False, ("D", "2")),
    _K.IN_WSCALE: (DType.F32, False, ("D", "1")),
    _K.IN_BF: (DType.F32, False, ("D", "1")),
    _K.CLS_W: (DType.I8, False, ("C", "D")),
    _K.CLS_B: (DType.I32, False, ("C", "1")),
    _K.CLS_RQ: (DType.I32, False, ("C", "2")),
    _K.CLS_WSCALE: (DType.F32, False, ("C", "1")),
    _K.CLS_BF: (DType.F32, False, ("C", "1")),
    _K.POOL_SCALE: (DType.F32, False, ("1", "1")),
    _K.INPROJ_W: (DType.I8, True, ("2*E", "D")),
    _K.INPROJ_B: (DType.I32, True, ("2*E", "1")),
    _K.INPROJ_RQ: (DType.I32, True, ("2*E", "2")),
    _K.INPROJ_WSCALE: (DType.F32, True, ("2*E", "1")),
    _K.INPROJ_BF: (DType.F32, True, ("2*E", "1")),
    _K.CONV_W: (DType.I8, True, ("E", "K")),
    _K.CONV_B: (DType.I32, True, ("E", "1")),
    _K.CONV_RQ: (DType.I32, True, ("E", "2")),
    _K.CONV_WSCALE: (DType.F32, True, ("E", "1")),
    _K.CONV_BF: (DType.F32, True, ("E", "1")),
    _K.SILU_X_LUT: (DType.I8, True, ("256", "1")),
    _K.XPROJ_W: (DType.I8, True, ("R+2*N", "E")),
    _K.XPROJ_RQ: (DType.I32, True, ("R+2*N", "2")),
    _K.XPROJ_WSCALE: (DType.F32, True, ("R+2*N", "1")),
    _K.DTPROJ_W: (DType.I8, True, ("E", "R")),
    _K.DTPROJ_B: (DType.I32, True, ("E", "1")),
    _K.DTPROJ_RQ: (DType.I32, True, ("E", "2")),
    _K.DTPROJ_WSCALE: (DType.F32, True, ("E", "1")),
    _K.DTPROJ_BF: (DType.F32, True, ("E", "1")),
    _K.SOFTPLUS_LUT: (DType.U16, True, ("256", "1")),
    _K.A2: (DType.U16, True, ("E", "N")),
    _K.SSM_PARAMS: (DType.I32, True, ("3", "1")),
    _K.DBX_RQ: (DType.I32, True, ("E", "2")),
    _K.Y_RQ: (DType.I32, True, ("E", "2")),
    _K.D_RQ: (DType.I32, True, ("E", "2")),
    _K.D_F: (DType.F32, True, ("E", "1")),
    _K.STATE_SCALE: (DType.F32, True, ("E", "1")),
    _K.SILU_Z_LUT: (DType.I8, True, ("256", "1")),
    _K.GATE_RQ: (DType.I32, True, ("1", "2")),
    _K.OUTPROJ_W: (DType.I8, True, ("D", "E")),
    _K.OUTPROJ_B: (DType.I32, True, ("D", "1")),
    _K.OUTPROJ_RQ: (DType.I32, True, ("D", "2")),
    _K.OUTPROJ_WSCALE: (DType.F32, True, ("D", "1")),
    _K.OUTPROJ_BF: (DType.F32, True, ("D", "1")),
    _K.RES_RQ: (DType.I32, True, ("1", "2")),
    _K.ACT_SCALES: (DType.F32, True, (str(int(Act.COUNT)), "1")),
}
del _K

# The header fields a writer supplies, in file order (bytes 20..37).
HEADER_FIELDS = ("task", "frontend", "pooling", "n_layers", "n_features", "d_model", "d_inner",
                 "d_state", "dt_rank", "d_conv", "n_classes")
DIM_LIMITS = {"n_layers": MAX_LAYERS, "n_features": MAX_FEATURES, "d_model": MAX_D_MODEL,
              "d_inner": MAX_D_INNER, "d_state": MAX_D_STATE, "dt_rank": MAX_DT_RANK,
              "d_conv": MAX_D_CONV, "n_classes": MAX_CLASSES}
_SYMBOLS = {"F": "n_features", "D": "d_model", "E": "d_inner", "N": "d_state", "R": "dt_rank",
            "K": "d_conv", "C": "n_classes"}
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
    """(dim0, dim1) of a tensor kind for the dims in header (a dict with HEADER_FIELDS)."""
    dims = {sym: int(header[name]) for sym, name in _SYMBOLS.items()}
    return tuple(eval_dim(expr, dims) for expr in KIND_TABLE[kind][2])


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
        out[c, :len(raw)] = np.frombuffer(raw, dtype=np.uint8)
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
        raise TypeError(f"{TensorKind(kind).name} layer {layer}: dtype {a.dtype}, the format "
                        f"needs {dtype} (cast explicitly, after range checks)")
    if a.ndim == 1 and shape[1] == 1:
        a = a[:, None]
    elif a.ndim == 1 and shape[0] == 1:
        a = a[None, :]
    if a.shape != shape:
        raise ValueError(f"{TensorKind(kind).name} layer {layer}: shape {np.shape(array)}, "
                         f"the dims need {shape}")
    return np.ascontiguousarray(a, dtype=dtype)


def write_model_file(path, header, tensors):
    """Write a model file; returns its bytes.

    path:    where to write, or None to only return the bytes.
    header:  dict with task, frontend, pooling, n_layers, n_features, d_model, d_inner, d_state,
             dt_rank, d_conv, n_classes (each dim in [1, MAX_*]); optional version_minor and
             flags (FLAG_LEAN: no PC-only tensor may be given; needs version_minor >= 1).
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
        entries.append((kind, layer, _as_2d(kind, layer, array, tensor_shape(kind, header))))
    missing = [(k.name, l) for k, l in required_tensors(header) if (k, l) not in seen]
    if missing:
        raise ValueError(f"tensors missing: {missing}")

    table_offset = HEADER_SIZE
    data = bytearray(table_offset + TENSOR_ENTRY_SIZE * len(entries))  # header, table: filled below
    for i, (kind, layer, a) in enumerate(entries):
        data += bytes(-len(data) % TENSOR_ALIGN)
        raw = a.tobytes()
        _ENTRY_STRUCT.pack_into(data, table_offset + i * TENSOR_ENTRY_SIZE, kind, layer,
                                KIND_TABLE[kind][0], a.shape[0], a.shape[1], len(data), len(raw))
        data += raw
    dims = [int(header[f]) for f in HEADER_FIELDS]
    minor = int(header.get("version_minor", VERSION_MINOR))
    flags = int(header.get("flags", 0))
    if flags & ~FLAG_LEAN or (flags and minor < 1):
        raise ValueError(f"flags {flags:#x} with version minor {minor}: only FLAG_LEAN, from 1.1")
    _HEADER_STRUCT.pack_into(data, 0, MAGIC, VERSION_MAJOR, minor, HEADER_SIZE, len(data),
                             0, *dims, len(entries), table_offset, flags)
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
        raise ValueError(f"header says {file_size} bytes, have {len(data)}: "
                         f"{len(data) - file_size} bytes appended after the model")
    if zlib.crc32(data[CRC_START:file_size]) & 0xFFFFFFFF != crc:
        raise ValueError("CRC-32 mismatch: corrupt file")
    header = dict(zip(HEADER_FIELDS, rest[:len(HEADER_FIELDS)]))
    n_tensors, table_offset, flags = rest[len(HEADER_FIELDS):]
    header.update(version_major=major, version_minor=minor, file_size=file_size, crc32=crc,
                  n_tensors=n_tensors, table_offset=table_offset, flags=flags if minor >= 1 else 0)
    if table_offset + n_tensors * TENSOR_ENTRY_SIZE > file_size:
        raise ValueError("tensor table outside the file")
    tensors = {}
    for i in range(n_tensors):
        kind, layer, dtype, dim0, dim1, offset, nbytes = _ENTRY_STRUCT.unpack_from(
            data, table_offset + i * TENSOR_ENTRY_SIZE)
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
    tensor order without the PC-only (f32) tensors, version 1.1 with FLAG_LEAN. The INT8 path
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
        raise ValueError(f"kinds {unknown} of a newer minor: cannot tell whether the device reads them")
    lean_header = {f: header[f] for f in HEADER_FIELDS}
    lean_header.update(version_minor=max(1, VERSION_MINOR), flags=FLAG_LEAN)
    kept = [(k, l, a) for (k, l), a in tensors.items() if not pc_only(k)]
    return write_model_file(None, lean_header, kept)


def main(argv=None):
    """tools/mambanano model-file --lean IN.mnm OUT.mnm: write the lean device file."""
    import argparse
    ap = argparse.ArgumentParser(prog=PROG, description="MambaNano model files: write the lean device file "
                                 "(no PC-only f32 tensors) of a full one.")
    ap.add_argument("--lean", nargs=2, metavar=("IN", "OUT"), required=True)
    args = ap.parse_args(argv)
    src, dst = args.lean
    data = lean_model_bytes(src)
    with open(dst, "wb") as f:
        f.write(data)
    print(f"{dst}: {len(data)} bytes (from {os.path.getsize(src)})")
    return 0
