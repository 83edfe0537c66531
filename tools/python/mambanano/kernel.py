"""ctypes wrapper of the INT8 kernel and its float reference (native-interop/include/mamba_nano.h).

The tools evaluate INT8 models only through this: the C arithmetic is the device's arithmetic.
"""

import ctypes

import numpy as np

from .native import load_library


def _lib():
    lib = load_library()
    if not getattr(lib, "_mn_kernel_typed", False):
        c_size, c_void, c_bytes = ctypes.c_size_t, ctypes.c_void_p, ctypes.c_char_p
        lib.mn_model_struct_size.restype = c_size
        lib.mn_model_struct_size.argtypes = []
        lib.mn_model_arena_size.restype = c_size
        lib.mn_model_arena_size.argtypes = [c_bytes, c_size]
        lib.mn_model_validate.restype = ctypes.c_int
        lib.mn_model_validate.argtypes = [c_bytes, c_size]
        lib.mn_model_load.restype = ctypes.c_int
        lib.mn_model_load.argtypes = [c_void, c_void, c_size, c_bytes, c_size]
        lib.mn_status_message.restype = ctypes.c_char_p
        lib.mn_status_message.argtypes = [ctypes.c_int]
        lib.mn_state_size.restype = lib.mn_scratch_size.restype = c_size
        lib.mn_state_size.argtypes = lib.mn_scratch_size.argtypes = [c_void]
        lib.mn_state_reset.restype = ctypes.c_int
        lib.mn_state_reset.argtypes = [c_void, c_void, c_size]
        lib.mn_step_s8.restype = ctypes.c_int
        lib.mn_step_s8.argtypes = [c_void, c_void, c_size, c_void, c_size, c_void]
        lib.mn_logits_q8.restype = ctypes.c_int
        lib.mn_logits_q8.argtypes = [c_void, c_void, c_size, c_void]
        lib.mn_state_ssm.restype = ctypes.POINTER(ctypes.c_int16)
        lib.mn_state_ssm.argtypes = [c_void, c_void, ctypes.c_int]
        lib.mnf_arena_size.restype = lib.mnf_state_size.restype = lib.mnf_scratch_size.restype = (
            c_size
        )
        lib.mnf_arena_size.argtypes = lib.mnf_state_size.argtypes = (
            lib.mnf_scratch_size.argtypes
        ) = [c_void]
        lib.mnf_model_init.restype = c_void
        lib.mnf_model_status.restype = ctypes.c_int
        lib.mnf_model_status.argtypes = [c_void]
        lib.mnf_model_init.argtypes = [c_void, c_void, c_size]
        lib.mnf_state_reset.restype = None
        lib.mnf_state_reset.argtypes = [c_void, c_void]
        lib.mnf_step.restype = None
        lib.mnf_step.argtypes = [c_void, c_void, c_void, c_void]
        lib.mnf_logits.restype = None
        lib.mnf_logits.argtypes = [c_void, c_void, c_void]
        lib.mnf_state_ssm.restype = ctypes.POINTER(ctypes.c_float)
        lib.mnf_state_ssm.argtypes = [c_void, c_void, ctypes.c_int]
        lib._mn_kernel_typed = True
    return lib


class KernelError(RuntimeError):
    """A kernel call returned a status other than MN_OK."""


def validate(file_bytes):
    """The C loader's verdict on a model file, loading nothing: (status, message); status 0 is OK."""
    lib = _lib()
    data = bytes(file_bytes)
    status = lib.mn_model_validate(data, len(data))
    return status, lib.mn_status_message(status).decode()


class Int8Model:
    """A model file loaded by the validating C loader, with its own state and scratch."""

    def __init__(self, file_bytes):
        self._lib = _lib()
        self.file = bytes(file_bytes)
        n = len(self.file)
        self._arena = ctypes.create_string_buffer(
            max(self._lib.mn_model_arena_size(self.file, n), 1)
        )
        self._model = ctypes.create_string_buffer(
            self._lib.mn_model_struct_size()
        )  # the C struct mn_model
        self._check(
            self._lib.mn_model_load(self._model, self._arena, len(self._arena), self.file, n),
            "load",
        )
        self.n_features = int.from_bytes(self.file[24:26], "little")
        self.n_classes = int.from_bytes(self.file[36:38], "little")
        self._state_size = self._lib.mn_state_size(self._model)
        self._scratch_size = self._lib.mn_scratch_size(self._model)
        self._state = ctypes.create_string_buffer(self._state_size)
        self._scratch = ctypes.create_string_buffer(self._scratch_size)
        self._logits = (ctypes.c_int32 * self.n_classes)()
        self.reset()

    def _check(self, status, what):
        if status != 0:
            raise KernelError(f"{what}: {self._lib.mn_status_message(status).decode()}")

    def reset(self):
        self._check(self._lib.mn_state_reset(self._model, self._state, self._state_size), "reset")

    def step(self, frame):
        """frame (F,) int8"""
        f = np.ascontiguousarray(frame, dtype=np.int8)
        self._check(
            self._lib.mn_step_s8(
                self._model,
                self._state,
                self._state_size,
                self._scratch,
                self._scratch_size,
                f.ctypes.data,
            ),
            "step",
        )

    def logits(self):
        """Logits of the mean-pooled stream so far, (C,) float (the kernel's Q8 / 256)."""
        self._check(
            self._lib.mn_logits_q8(self._model, self._state, self._state_size, self._logits),
            "logits",
        )
        return np.frombuffer(self._logits, dtype=np.int32).astype(np.float64) / 256.0

    def run_sequence(self, frames):
        """Reset, step through frames (T, F) int8, return the logits (C,)."""
        self.reset()
        for frame in np.ascontiguousarray(frames, dtype=np.int8):
            self.step(frame)
        return self.logits()

    def ssm_state(self, layer):
        """The INT8 hidden state of a layer as stored: (E, N) int16 (a copy)."""
        e = int.from_bytes(self.file[28:30], "little")
        n = int.from_bytes(self.file[30:32], "little")
        ptr = self._lib.mn_state_ssm(self._model, self._state, layer)
        return np.ctypeslib.as_array(ptr, shape=(e * n,)).reshape(e, n).copy()


class FloatReference:
    """The C float reference (mnf_*) of a model file: its dequantized weights stepped in fp32."""

    def __init__(self, file_bytes):
        self._int8 = Int8Model(file_bytes)  # owns the loaded mn_model the reference reads
        lib = self._lib = self._int8._lib
        model = self._int8._model
        status = lib.mnf_model_status(model)
        if status != 0:  # MN_ERR_LEAN: a device file without the f32 tensors the reference reads
            raise KernelError(f"float reference: {lib.mn_status_message(status).decode()}")
        self._arena = ctypes.create_string_buffer(lib.mnf_arena_size(model))
        self._fm = lib.mnf_model_init(model, self._arena, len(self._arena))
        if not self._fm:
            raise KernelError("mnf_model_init failed")
        self._state = ctypes.create_string_buffer(lib.mnf_state_size(self._fm))
        self._scratch = ctypes.create_string_buffer(lib.mnf_scratch_size(self._fm))
        self._logits = (ctypes.c_float * self._int8.n_classes)()
        self._e = int.from_bytes(self._int8.file[28:30], "little")
        self._n = int.from_bytes(self._int8.file[30:32], "little")
        self.reset()

    def reset(self):
        self._lib.mnf_state_reset(self._fm, self._state)

    def step(self, features):
        """features (F,) float: the model's real-valued input."""
        f = np.ascontiguousarray(features, dtype=np.float32)
        self._lib.mnf_step(self._fm, self._state, self._scratch, f.ctypes.data)

    def logits(self):
        self._lib.mnf_logits(self._fm, self._state, self._logits)
        return np.frombuffer(self._logits, dtype=np.float32).astype(np.float64)

    def ssm_state(self, layer):
        """(E, N) float32 (a copy)."""
        ptr = self._lib.mnf_state_ssm(self._fm, self._state, layer)
        return (
            np.ctypeslib.as_array(ptr, shape=(self._e * self._n,)).reshape(self._e, self._n).copy()
        )
