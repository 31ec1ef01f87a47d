"""Fixtures for the codegen tests."""

import pytest


@pytest.fixture(autouse=True)
def kernel_cache_dir(tmp_path, monkeypatch):
    """Point GEOMWORK_CACHE_DIR at a fresh directory so no test touches ~/.cache."""
    directory = tmp_path / "kernel-cache"
    monkeypatch.setenv("GEOMWORK_CACHE_DIR", str(directory))
    return directory
