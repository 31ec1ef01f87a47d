"""Shared fixtures of the attention tests."""

import pytest
import torch
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def single_thread():
    """Run each test on one torch and one BLAS thread.

    The matrices here are small, and on a shared 2-core machine contending threads made a
    640 x 640 eigendecomposition 50 times slower.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(previous)
