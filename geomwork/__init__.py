"""geomwork: symbolic-numeric differential geometry for gauge theory and geometric learning.

Exact geometry (charts, metrics, curvature, differential forms) lives in
:mod:`geomwork.symbolic`; the other layers build on it.  Library code logs under
the ``geomwork`` logger and never prints.
"""

import logging
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("geomwork")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

logging.getLogger("geomwork").addHandler(logging.NullHandler())

__all__ = ["Chart", "Metric", "__version__"]


def __getattr__(name):
    # Imported on first use, so that ``import geomwork.numeric`` loads torch without sympy.
    if name in ("Chart", "Metric"):
        from . import symbolic

        return getattr(symbolic, name)
    raise AttributeError(f"module 'geomwork' has no attribute {name!r}")
