"""Tolerances and markers shared by the codegen tests."""

import pytest
import torch

# (rtol, atol) per dtype: a few hundred ulps, enough for a few dozen operations.
TOLERANCES = {
    torch.float64: (1e-11, 1e-12),
    torch.float32: (2e-5, 1e-6),
    torch.complex128: (1e-11, 1e-12),
    torch.complex64: (2e-5, 1e-6),
}

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU present")


def assert_close(actual, expected, dtype):
    """Compare with the tolerance of ``dtype``."""
    rtol, atol = TOLERANCES[dtype]
    torch.testing.assert_close(actual, expected, rtol=rtol, atol=atol)
