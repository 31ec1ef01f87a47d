"""Shared fixtures of the attention tests."""

import pytest
import torch


@pytest.fixture(autouse=True)
def single_thread():
    """Run each test on one torch thread: the matrices are small and the CI machine has 2 cores."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
