"""MambaNano tools: the PyTorch model, the model-file writer, quantization, training and evaluation.

The integer arithmetic lives only in native-interop (C); these tools call it through ctypes
(mambanano.native) for features and INT8 evaluation, so host and device agree by construction.
"""
