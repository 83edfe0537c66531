"""The Python wrapper of the INT8 kernel (mambanano.kernel) on the committed fixtures."""

from pathlib import Path

import numpy as np
import pytest

from mambanano.kernel import Int8Model, KernelError

FIXTURES = Path(__file__).resolve().parents[3] / "native-interop" / "tests" / "fixtures"


def test_run_sequence_is_deterministic_and_reset_clears_state():
    m = Int8Model((FIXTURES / "odd.mnm").read_bytes())
    frames = np.random.default_rng(0).integers(-128, 128, (50, m.n_features)).astype(np.int8)
    a = m.run_sequence(frames)
    m.step(frames[0])  # more state, then a fresh run must not see it
    b = m.run_sequence(frames)
    assert a.shape == (m.n_classes,) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, m.run_sequence(frames[::-1]))


def test_corrupt_file_is_refused_with_the_loader_message():
    data = bytearray((FIXTURES / "tiny.mnm").read_bytes())
    data[200] ^= 0x10
    with pytest.raises(KernelError, match="(?i)crc"):
        Int8Model(bytes(data))
    with pytest.raises(KernelError):
        Int8Model(bytes(data[:100]))


def test_logits_before_any_step_are_an_error():
    m = Int8Model((FIXTURES / "tiny.mnm").read_bytes())
    with pytest.raises(KernelError):
        m.logits()
