import pytest

from geomwork.viz import offscreen_rendering_support


@pytest.fixture(scope="session")
def offscreen():
    """Skip the test when pyvista cannot render off screen here, with the probe's reason."""
    support = offscreen_rendering_support()
    if not support.available:
        pytest.skip(support.reason)
    return support
