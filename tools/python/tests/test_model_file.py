"""Tests of mambanano/model_file.py: round trip, layout, writer/reader errors, and files the
C loader accepts."""

import struct
import zlib

import numpy as np
import pytest

from mambanano import model_file as mf

HEADER = dict(
    task=mf.Task.HAR,
    frontend=mf.Frontend.RAW,
    pooling=mf.Pooling.MEAN,
    n_layers=2,
    n_features=3,
    d_model=4,
    d_inner=8,
    d_state=2,
    dt_rank=1,
    d_conv=3,
    n_classes=3,
)


def random_tensors(header, seed=0):
    """(kind, layer, ndarray) for every required tensor, random values of the right dtype."""
    rng = np.random.default_rng(seed)
    out = []
    for kind, layer in mf.required_tensors(header):
        shape = mf.tensor_shape(kind, header)
        dtype = mf.NUMPY_DTYPE[mf.KIND_TABLE[kind][0]]
        if dtype.kind == "f":
            a = rng.standard_normal(shape).astype(dtype)
        else:
            info = np.iinfo(dtype)
            a = rng.integers(info.min, int(info.max) + 1, size=shape).astype(dtype)
        out.append((kind, layer, a[:, 0] if shape[1] == 1 else a))  # vectors as 1-D arrays
    return out


# ---- round trip and layout -------------------------------------------------------------------


def test_round_trip(tmp_path):
    tensors = random_tensors(HEADER)
    path = tmp_path / "m.mnm"
    data = mf.write_model_file(path, HEADER, tensors)
    assert path.read_bytes() == data
    for source in (data, path, str(path)):
        header, read = mf.read_model_file(source)
        for name in mf.HEADER_FIELDS:
            assert header[name] == HEADER[name]
        assert header["version_major"] == mf.VERSION_MAJOR
        assert header["version_minor"] == mf.VERSION_MINOR
        assert header["file_size"] == len(data)
        assert header["n_tensors"] == len(tensors)
        assert set(read) == {(k, l) for k, l, _ in tensors}
        for kind, layer, a in tensors:
            b = read[(kind, layer)]
            assert b.dtype == a.dtype and b.shape == a.shape, (kind, layer)
            np.testing.assert_array_equal(b, a)


def test_layout_alignment_padding_and_crc():
    data = mf.write_model_file(None, HEADER, random_tensors(HEADER, seed=1))
    magic, major, minor, header_size, file_size, crc = struct.unpack_from("<4sHHIII", data)
    assert (magic, major, minor, header_size, file_size) == (b"MNMB", 1, 2, 64, len(data))
    assert crc == zlib.crc32(data[20:])
    assert data[44:48] == bytes(4), "flags of a full file are zero"
    assert data[48:64] == bytes(16), "reserved header bytes are zero"
    n_tensors, table_offset = struct.unpack_from("<HI", data, 38)
    spans = []
    for i in range(n_tensors):
        kind, layer, dtype, reserved, dim0, dim1, offset, nbytes = struct.unpack_from(
            "<BBBBHHII", data, table_offset + 16 * i
        )
        assert reserved == 0
        assert offset % mf.TENSOR_ALIGN == 0
        assert nbytes == dim0 * dim1 * mf.NUMPY_DTYPE[dtype].itemsize
        spans.append((offset, offset + nbytes))
    spans.sort()
    assert spans[0][0] >= table_offset + 16 * n_tensors
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert data[end:start] == bytes(start - end), "padding is zero"
        assert start - end < mf.TENSOR_ALIGN
    assert spans[-1][1] == len(data)


def test_version_minor_is_written():
    data = mf.write_model_file(None, dict(HEADER, version_minor=3), random_tensors(HEADER))
    assert mf.read_model_file(data)[0]["version_minor"] == 3


def test_class_names_helpers():
    arr = mf.class_names_array(["walk", "sit", "x" * 15])
    assert arr.shape == (3, mf.CLASS_NAME_BYTES) and arr.dtype == np.uint8
    assert mf.class_names_list(arr) == ["walk", "sit", "x" * 15]
    with pytest.raises(ValueError):
        mf.class_names_array(["x" * 16])


def test_rq_row_accepts_1d_and_2d():
    tensors = [
        (k, l, np.array([7, 3], np.int32) if k == mf.TensorKind.GATE_RQ else a)
        for k, l, a in random_tensors(HEADER)
    ]
    _, read = mf.read_model_file(mf.write_model_file(None, HEADER, tensors))
    np.testing.assert_array_equal(read[(mf.TensorKind.GATE_RQ, 0)], [[7, 3]])


def _with_scalar_a(tensors, heads):
    """tensors with every layer's A2 replaced by heads (H,) random codes: scalar-A heads."""
    rng = np.random.default_rng(7)
    return [
        (k, l, rng.integers(0, 32768, heads).astype(np.uint16) if k == mf.TensorKind.A2 else a)
        for k, l, a in tensors
    ]


@pytest.mark.parametrize("heads", [1, 2, 8])
def test_scalar_a_heads_round_trip(heads):
    tensors = _with_scalar_a(random_tensors(HEADER), heads)
    header, read = mf.read_model_file(mf.write_model_file(None, HEADER, tensors))
    assert header["version_minor"] >= mf.SCALAR_A_MINOR
    for kind, layer, a in tensors:
        np.testing.assert_array_equal(read[(kind, layer)], a)
        if kind == mf.TensorKind.A2:
            assert mf.a2_heads((len(a), 1), HEADER) == heads
    assert mf.a2_heads((HEADER["d_inner"], HEADER["d_state"]), HEADER) is None


def test_scalar_a_heads_need_minor_2_and_a_divisor_of_d_inner():
    tensors = random_tensors(HEADER)
    with pytest.raises(ValueError, match="minor"):
        mf.write_model_file(None, dict(HEADER, version_minor=1), _with_scalar_a(tensors, 4))
    for heads in (3, 16):  # d_inner 8
        with pytest.raises(ValueError, match="A2 shape"):
            mf.write_model_file(None, HEADER, _with_scalar_a(tensors, heads))
    with pytest.raises(ValueError, match="A2 shape"):
        mf.write_model_file(
            None, HEADER, _replace(tensors, mf.TensorKind.A2, 0, np.zeros((4, 2), np.uint16))
        )
    # A per (channel, state) needs no new minor: a 1.1 file as before.
    assert (
        mf.read_model_file(mf.write_model_file(None, dict(HEADER, version_minor=1), tensors))[0][
            "version_minor"
        ]
        == 1
    )


# ---- writer and reader errors ----------------------------------------------------------------


def _replace(tensors, kind, layer, array):
    return [(k, l, array if (k, l) == (kind, layer) else a) for k, l, a in tensors]


def test_writer_rejects_wrong_dtype_shape_layer_duplicates_and_missing():
    T = mf.TensorKind
    tensors = random_tensors(HEADER)
    in_w = dict(((k, l), a) for k, l, a in tensors)[(T.IN_W, 0)]
    with pytest.raises(TypeError):
        mf.write_model_file(None, HEADER, _replace(tensors, T.IN_W, 0, in_w.astype(np.int16)))
    with pytest.raises(TypeError):
        mf.write_model_file(None, HEADER, _replace(tensors, T.IN_W, 0, in_w.astype(np.uint8)))
    with pytest.raises(ValueError):
        mf.write_model_file(None, HEADER, _replace(tensors, T.IN_W, 0, in_w.T.copy()))
    with pytest.raises(ValueError):
        mf.write_model_file(None, HEADER, tensors + [(T.IN_W, 0, in_w)])
    with pytest.raises(ValueError):
        mf.write_model_file(None, HEADER, tensors[1:])
    with pytest.raises(ValueError):
        mf.write_model_file(None, HEADER, tensors + [(T.A2, 2, np.zeros((8, 2), np.uint16))])
    with pytest.raises(ValueError):
        mf.write_model_file(None, HEADER, tensors + [(T.IN_W, 1, in_w)])
    with pytest.raises(ValueError):
        mf.write_model_file(None, dict(HEADER, d_inner=mf.MAX_D_INNER + 1), tensors)
    with pytest.raises(ValueError):
        mf.write_model_file(None, dict(HEADER, task=9), tensors)


def test_reader_rejects_bad_files():
    data = mf.write_model_file(None, HEADER, random_tensors(HEADER))
    with pytest.raises(ValueError, match="magic"):
        mf.read_model_file(b"XXXX" + data[4:])
    with pytest.raises(ValueError, match="version"):
        mf.read_model_file(data[:4] + struct.pack("<H", 2) + data[6:])
    with pytest.raises(ValueError, match="truncated"):
        mf.read_model_file(data[:-1])
    with pytest.raises(ValueError, match="header"):
        mf.read_model_file(data[:10])
    corrupt = bytearray(data)
    corrupt[-1] ^= 1
    with pytest.raises(ValueError, match="CRC"):
        mf.read_model_file(bytes(corrupt))
    with pytest.raises(ValueError, match="100 bytes appended after the model"):
        mf.read_model_file(data + bytes(100))


# ---- the C loader accepts what the writer writes ---------------------------------------------


def test_native_loader_accepts_written_file():
    native = pytest.importorskip("mambanano.native")
    try:
        lib = native.load_library()
    except FileNotFoundError as e:
        pytest.skip(str(e))
    import ctypes

    lib.mn_model_validate.restype = ctypes.c_int
    lib.mn_model_validate.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    lib.mn_crc32.restype = ctypes.c_uint32
    lib.mn_crc32.argtypes = [ctypes.c_uint32, ctypes.c_char_p, ctypes.c_size_t]
    blob = np.random.default_rng(3).integers(0, 256, 1000).astype(np.uint8).tobytes()
    assert lib.mn_crc32(0, blob, len(blob)) == zlib.crc32(blob)
    # Raw random values break the loader's parameter ranges; legal ones structurally valid files.
    data = mf.write_model_file(None, HEADER, random_tensors(HEADER))
    assert lib.mn_model_validate(data, len(data)) == mf.Status.ERR_PARAM
    tensors = []
    for kind, layer, a in random_tensors(HEADER):
        if a.dtype == np.int32:  # biases in [0, 1000), rq shifts in [0, 62]
            a = (a % 1000).astype(np.int32)
            if a.ndim == 2 and a.shape[1] == 2:
                a[:, 1] %= 63
        if kind == mf.TensorKind.SSM_PARAMS:
            a = np.array([8, 12, 10], np.int32)
        if kind == mf.TensorKind.A2:  # |A| log2(e) codes below 2^15
            a = (a % 32768).astype(np.uint16)
        if kind == mf.TensorKind.EXP2_LUT:
            a = np.arange(mf.EXP2_LUT_SIZE, 0, -1).astype(np.uint16) * 32
        if kind == mf.TensorKind.CLASS_NAMES:
            a = mf.class_names_array(["a", "b", "c"])
        if kind == mf.TensorKind.INPUT_QUANT:
            a = np.array([0.5, 0.0], np.float32)
        tensors.append((kind, layer, a))
    data = mf.write_model_file(None, HEADER, tensors)
    assert lib.mn_model_validate(data, len(data)) == mf.Status.OK
    scalar_a = mf.write_model_file(None, HEADER, _with_scalar_a(tensors, 4))
    assert lib.mn_model_validate(scalar_a, len(scalar_a)) == mf.Status.OK
    as_1_1 = scalar_a[:6] + struct.pack("<H", 1) + scalar_a[8:]  # minor is outside the CRC
    assert lib.mn_model_validate(as_1_1, len(as_1_1)) == mf.Status.ERR_TENSOR_SHAPE
