"""Gauge configuration files: NERSC, ILDG/LIME, openQCD and HDF5 checkpoints.

Every reader returns links in the agreed layout ``(L_0, ..., L_{d-1}, d, N, N)``, with
lattice axis ``mu`` equal to direction ``mu`` and, in four dimensions, direction 3 as
time.  Links are complex128 unless another dtype is requested.  Every writer writes a temporary
file in the destination's directory and moves it into place with :func:`os.replace`.
Log messages go to the ``geomwork.numeric.io`` logger.
"""

from ._checksums import nersc_checksum, scidac_checksum
from ._common import ConfigurationFileError, GaugeConfiguration, check_links_for_writing
from ._hdf5 import Checkpoint, append_flow_step, read_checkpoint, write_checkpoint
from ._lime import LimeRecord, read_ildg, read_lime_records, write_ildg, write_lime_records
from ._nersc import read_nersc, write_nersc
from ._openqcd import read_openqcd
from ._registry import FORMATS, ConfigurationFormat, detect_format, read_configuration, write_configuration

__all__ = [
    "FORMATS",
    "Checkpoint",
    "ConfigurationFileError",
    "ConfigurationFormat",
    "GaugeConfiguration",
    "LimeRecord",
    "append_flow_step",
    "check_links_for_writing",
    "detect_format",
    "nersc_checksum",
    "read_checkpoint",
    "read_configuration",
    "read_ildg",
    "read_lime_records",
    "read_nersc",
    "read_openqcd",
    "scidac_checksum",
    "write_checkpoint",
    "write_configuration",
    "write_ildg",
    "write_lime_records",
    "write_nersc",
]
