"""The registry of configuration file formats, format detection and the generic entry points."""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ._common import ConfigurationFileError, GaugeConfiguration
from ._hdf5 import HDF5_SIGNATURE, read_hdf5, write_hdf5
from ._lime import LIME_MAGIC, read_ildg, write_ildg
from ._nersc import read_nersc, write_nersc
from ._openqcd import openqcd_file_size, read_openqcd

__all__ = ["FORMATS", "ConfigurationFormat", "detect_format", "read_configuration", "write_configuration"]


@dataclass(frozen=True)
class ConfigurationFormat:
    """A gauge configuration file format.

    Attributes
    ----------
    name : str
        Registry key, passed as ``format=`` to :func:`read_configuration`.
    description : str
        One line naming the format and its conventions.
    read : callable
        ``read(path, *, dtype, device, verify, **options) -> GaugeConfiguration``.
    write : callable or None
        ``write(path, links, **options) -> GaugeConfiguration``, or None for read-only
        formats.
    sniff : callable
        ``sniff(head, size) -> bool``: whether a file starting with the bytes ``head``
        (at most 64 bytes) and ``size`` bytes long is in this format.
    """

    name: str
    description: str
    read: Callable[..., GaugeConfiguration]
    write: Callable[..., GaugeConfiguration] | None
    sniff: Callable[[bytes, int], bool]


def _is_lime(head: bytes, size: int) -> bool:
    return len(head) >= 4 and struct.unpack(">I", head[:4])[0] == LIME_MAGIC


def _is_nersc(head: bytes, size: int) -> bool:
    return head.lstrip().startswith(b"BEGIN_HEADER")


def _is_hdf5(head: bytes, size: int) -> bool:
    # NOTE: only a signature at offset 0 is recognised; files with a user block are not.
    return head.startswith(HDF5_SIGNATURE)


def _is_openqcd(head: bytes, size: int) -> bool:
    if len(head) < 16:
        return False
    extents = struct.unpack("<4i", head[:16])
    if any(extent < 2 or extent % 2 for extent in extents):
        return False
    return size == openqcd_file_size(extents)


#: Every known format, keyed by name.  Detection tries them in this order.
FORMATS: dict[str, ConfigurationFormat] = {
    "ildg": ConfigurationFormat(
        "ildg",
        "ILDG gauge configuration in a LIME file, big-endian, SciDAC checksum",
        read_ildg,
        write_ildg,
        _is_lime,
    ),
    "nersc": ConfigurationFormat(
        "nersc",
        "NERSC archive: ASCII header, big-endian 3x3 or 3x2 SU(3) links",
        read_nersc,
        write_nersc,
        _is_nersc,
    ),
    "hdf5": ConfigurationFormat(
        "hdf5", "geomwork HDF5 checkpoint: links, run attributes, history arrays", read_hdf5, write_hdf5, _is_hdf5
    ),
    "openqcd": ConfigurationFormat(
        "openqcd", "openQCD binary: little-endian, time first, links of odd sites (read only)", read_openqcd, None,
        _is_openqcd,
    ),
}


def _lookup(format: str) -> ConfigurationFormat:
    try:
        return FORMATS[format]
    except KeyError:
        raise ValueError(f"unknown configuration format {format!r}; known formats are {sorted(FORMATS)}") from None


def detect_format(path: str | os.PathLike[str]) -> str:
    """Return the registry name of the format of the file at ``path``.

    LIME files are recognised by their magic number, NERSC files by ``BEGIN_HEADER``,
    HDF5 files by their signature and openQCD files by a file size that matches the
    lattice extents of their header.

    Raises
    ------
    ConfigurationFileError
        If no registered format matches.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"gauge configuration file not found: {path}")
    size = path.stat().st_size
    with open(path, "rb") as stream:
        head = stream.read(64)
    for name, entry in FORMATS.items():
        if entry.sniff(head, size):
            return name
    raise ConfigurationFileError(
        f"{path}: unknown configuration format (first bytes {head[:16]!r}, {size} bytes); "
        f"pass format= one of {sorted(FORMATS)}"
    )


def read_configuration(
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    dtype: torch.dtype = torch.complex128,
    device: torch.device | str | None = None,
    verify: bool = True,
    **options: Any,
) -> GaugeConfiguration:
    """Read a gauge configuration in any registered format.

    Parameters
    ----------
    path : path-like
        The file to read.
    format : str, optional
        A key of :data:`FORMATS`; detected from the file's contents when None.
    dtype : torch.dtype
        Complex dtype of the returned links (complex128 by default).
    device : torch.device or str, optional
        Device of the returned links.
    verify : bool
        Raise when the file's checksums or header values disagree with its data.
    **options
        Passed to the format's reader (for example ``tolerance``).

    Returns
    -------
    GaugeConfiguration
        Links in the layout ``(L_0, ..., L_{d-1}, d, N, N)``, with time as direction 3 in
        four dimensions, and the file's header and measured values.

    Examples
    --------
    >>> configuration = read_configuration("unity.lime")  # doctest: +SKIP
    >>> configuration.measured["plaquette"]  # doctest: +SKIP
    1.0
    """
    entry = _lookup(format) if format is not None else FORMATS[detect_format(path)]
    return entry.read(path, dtype=dtype, device=device, verify=verify, **options)


def write_configuration(
    path: str | os.PathLike[str], links: torch.Tensor, format: str, **options: Any
) -> GaugeConfiguration:
    """Write links in a registered format, atomically.

    Parameters
    ----------
    path : path-like
        Destination.  The file is written to a temporary file in the same directory
        and moved into place, so a failed write leaves no partial file.
    links : torch.Tensor
        Shape ``(L_0, ..., L_{d-1}, d, N, N)``.
    format : str
        A key of :data:`FORMATS` whose entry has a writer.
    **options
        Passed to the format's writer (for example ``precision=32`` for ILDG or
        ``datatype="4D_SU3_GAUGE"`` for NERSC).

    Returns
    -------
    GaugeConfiguration
        The links as a reader of the new file gets them, with the written metadata.
    """
    entry = _lookup(format)
    if entry.write is None:
        writable = sorted(name for name, candidate in FORMATS.items() if candidate.write is not None)
        raise ValueError(f"format {format!r} is read-only; writable formats are {writable}")
    return entry.write(path, links, **options)
