"""NERSC gauge configuration files (the "Gauge Connection" archive format).

A NERSC file is an ASCII header followed by binary data::

    BEGIN_HEADER
    HDR_VERSION = 1.0
    DATATYPE = 4D_SU3_GAUGE_3x3
    DIMENSION_1 = 8
    ...
    CHECKSUM = 9f3c01a2
    FLOATING_POINT = IEEE64BIG
    END_HEADER
    <binary data>

``DIMENSION_1`` to ``DIMENSION_4`` are the extents in x, y, z and t.  The data are
stored site by site with ``t`` slowest and ``x`` fastest.  At each site the links in
directions x, y, z, t follow one another.  ``DATATYPE = 4D_SU3_GAUGE_3x3`` stores full
3x3 matrices and ``4D_SU3_GAUGE`` the first two rows only (the third is rebuilt from
unitarity).  Each complex entry is a real and an imaginary part of the precision and
byte order that ``FLOATING_POINT`` names (``IEEE32``/``IEEE32BIG``/``IEEE64BIG``, and the
little-endian variants when reading).

``PLAQUETTE`` is the average of :math:`\\mathrm{Re\\,tr}\\,P_{\\mu\\nu}(x)/3` over sites and
the six planes, ``LINK_TRACE`` the average of :math:`\\mathrm{Re\\,tr}\\,U_\\mu(x)/3` over
sites and directions, and ``CHECKSUM`` the sum modulo :math:`2^{32}` of the stored data
read as unsigned 32-bit words, in hexadecimal.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import numpy as np
import torch

from .._lattice import mean_link_trace, mean_plaquette
from ._checksums import nersc_checksum
from ._common import (
    DEFAULT_HEADER_TOLERANCE,
    ConfigurationFileError,
    GaugeConfiguration,
    check_finite,
    check_links_for_writing,
    compare_with_header,
    logger,
    read_file_bytes,
    to_numpy,
    to_tensor,
    write_bytes_atomically,
)
from ._su3_layout import data_length, decode_links, encode_links

__all__ = ["NERSC_DATATYPES", "NERSC_FLOATING_POINT", "read_nersc", "write_nersc"]

#: Number of stored rows per matrix for each NERSC ``DATATYPE``.
NERSC_DATATYPES = {"4D_SU3_GAUGE_3x3": 3, "4D_SU3_GAUGE": 2}

#: numpy dtype of one real number for each ``FLOATING_POINT`` value.
NERSC_FLOATING_POINT = {
    "IEEE32": np.dtype(">f4"),
    "IEEE32BIG": np.dtype(">f4"),
    "IEEE64BIG": np.dtype(">f8"),
    "IEEE32LITTLE": np.dtype("<f4"),
    "IEEE64LITTLE": np.dtype("<f8"),
}

_WRITABLE_FLOATING_POINT = ("IEEE32BIG", "IEEE64BIG")
_HEADER_START = b"BEGIN_HEADER"
_HEADER_END = b"END_HEADER"
# NOTE: headers longer than 64 KiB are rejected, so a file without END_HEADER fails fast.
# Typical NERSC headers are under 1 KiB.
_MAX_HEADER_BYTES = 1 << 16


def _split_header(raw: bytes, source: str) -> tuple[dict[str, str], int]:
    """Parse the ``KEY = VALUE`` lines and return them with the offset of the binary data."""
    if not raw[:64].lstrip().startswith(_HEADER_START):
        raise ConfigurationFileError(f"{source}: not a NERSC file, it does not start with BEGIN_HEADER")
    end = raw.find(_HEADER_END, 0, _MAX_HEADER_BYTES)
    if end < 0:
        raise ConfigurationFileError(
            f"{source}: no END_HEADER line in the first {_MAX_HEADER_BYTES} bytes; "
            "the header is truncated or malformed"
        )
    newline = raw.find(b"\n", end)
    if newline < 0:
        raise ConfigurationFileError(f"{source}: the file ends after END_HEADER, the binary data is missing")

    header: dict[str, str] = {}
    text = raw[raw.find(_HEADER_START) + len(_HEADER_START) : end].decode("ascii", errors="replace")
    for line in text.splitlines():
        if "=" not in line:
            continue
        key, value = line.split("=", 1)
        header[key.strip()] = value.strip()
    return header, newline + 1


def _require(header: dict[str, str], key: str, source: str) -> str:
    if key not in header:
        raise ConfigurationFileError(f"{source}: header has no {key} line")
    return header[key]


def _header_float(header: dict[str, str], key: str, source: str) -> float:
    try:
        return float(header[key])
    except ValueError:
        raise ConfigurationFileError(f"{source}: header {key} = {header[key]!r} is not a number") from None


def _parse_layout(header: dict[str, str], source: str) -> tuple[tuple[int, int, int, int], int, np.dtype]:
    """Return ``(L_x, L_y, L_z, L_t)``, the stored rows and the real dtype named by the header."""
    datatype = _require(header, "DATATYPE", source)
    if datatype not in NERSC_DATATYPES:
        raise ConfigurationFileError(
            f"{source}: DATATYPE {datatype!r} is not supported; expected one of {sorted(NERSC_DATATYPES)}"
        )
    floating_point = _require(header, "FLOATING_POINT", source)
    if floating_point not in NERSC_FLOATING_POINT:
        raise ConfigurationFileError(
            f"{source}: FLOATING_POINT {floating_point!r} is not supported; "
            f"expected one of {sorted(NERSC_FLOATING_POINT)}"
        )
    dims = []
    for axis in range(1, 5):
        text = _require(header, f"DIMENSION_{axis}", source)
        if not text.isdigit() or int(text) < 1:
            raise ConfigurationFileError(f"{source}: DIMENSION_{axis} = {text!r} is not a positive integer")
        dims.append(int(text))
    return (dims[0], dims[1], dims[2], dims[3]), NERSC_DATATYPES[datatype], NERSC_FLOATING_POINT[floating_point]


def read_nersc(
    path: str | os.PathLike[str],
    *,
    dtype: torch.dtype = torch.complex128,
    device: torch.device | str | None = None,
    verify: bool = True,
    tolerance: float = DEFAULT_HEADER_TOLERANCE,
) -> GaugeConfiguration:
    """Read a NERSC gauge configuration and check it against its header.

    Parameters
    ----------
    path : path-like
        The file to read.
    dtype : torch.dtype
        Complex dtype of the returned links.
    device : torch.device or str, optional
        Device of the returned links.
    verify : bool
        When True, a ``CHECKSUM``, ``PLAQUETTE`` or ``LINK_TRACE`` that disagrees with the
        data raises; when False the disagreement is logged as a warning.
    tolerance : float
        Absolute tolerance for ``PLAQUETTE`` and ``LINK_TRACE``.

    Returns
    -------
    GaugeConfiguration
        Links of shape ``(L_x, L_y, L_z, L_t, 4, 3, 3)``; ``header`` contains the header
        lines as strings, ``measured`` the computed ``checksum``, ``plaquette`` and
        ``link_trace``.

    Raises
    ------
    ConfigurationFileError
        If the header is malformed, the data length disagrees with the header (for
        example a truncated file), an entry is NaN, or a header check fails.
    """
    source = f"NERSC file {os.fspath(path)}"
    raw = read_file_bytes(Path(path))
    header, offset = _split_header(raw, source)
    dims, rows, real_dtype = _parse_layout(header, source)

    # Sizes: the data section must hold exactly the lattice the header names.
    expected_length = data_length(dims, real_dtype, rows)
    found_length = len(raw) - offset
    if found_length != expected_length:
        problem = "truncated" if found_length < expected_length else "longer than its header says"
        raise ConfigurationFileError(
            f"{source} is {problem}: expected {expected_length} bytes of data for a "
            f"{'x'.join(map(str, dims))} lattice of {header['DATATYPE']} in {header['FLOATING_POINT']}, "
            f"found {found_length}"
        )
    data = memoryview(raw)[offset:]

    checksum = nersc_checksum(data, byteorder=real_dtype.byteorder)
    if "CHECKSUM" in header:
        expected_text = header["CHECKSUM"].lower().removeprefix("0x")
        try:
            expected_checksum = int(expected_text, 16)
        except ValueError:
            message = f"{source}: header CHECKSUM = {header['CHECKSUM']!r} is not hexadecimal"
            raise ConfigurationFileError(message) from None
        if expected_checksum != checksum:
            message = (
                f"{source}: header CHECKSUM does not match the data: expected {expected_checksum:08x} "
                f"(header), found {checksum:08x} (computed); the file is corrupted"
            )
            if verify:
                raise ConfigurationFileError(message)
            logger.warning("%s", message)
    else:
        logger.info("%s has no CHECKSUM line; the data were not verified", source)

    links = to_tensor(decode_links(data, dims, real_dtype, rows), dtype, device)
    check_finite(links, source)
    plaquette = float(mean_plaquette(links))
    link_trace = float(mean_link_trace(links))
    for key, found in (("PLAQUETTE", plaquette), ("LINK_TRACE", link_trace)):
        if key in header:
            expected = _header_float(header, key, source)
            compare_with_header(key, expected, found, tolerance=tolerance, source=source, verify=verify)

    logger.info("read %s: %s lattice, plaquette %.12f", source, "x".join(map(str, dims)), plaquette)
    measured = {"checksum": checksum, "plaquette": plaquette, "link_trace": link_trace}
    return GaugeConfiguration(links=links, format="nersc", header=header, measured=measured)


def write_nersc(
    path: str | os.PathLike[str],
    links: torch.Tensor,
    *,
    datatype: str = "4D_SU3_GAUGE_3x3",
    floating_point: str = "IEEE64BIG",
    ensemble_id: str = "geomwork",
    ensemble_label: str = "",
    sequence_number: int = 0,
    creator: str = "geomwork",
    tolerance: float | None = None,
) -> GaugeConfiguration:
    """Write 4D SU(3) links as a NERSC file, atomically.

    Parameters
    ----------
    path : path-like
        Destination; written through a temporary file in the same directory and
        :func:`os.replace`, so a failed write leaves no partial file.
    links : torch.Tensor
        Shape ``(L_x, L_y, L_z, L_t, 4, 3, 3)``, special unitary within ``tolerance``.
    datatype : {"4D_SU3_GAUGE_3x3", "4D_SU3_GAUGE"}
        Full matrices, or the first two rows with the third rebuilt on reading.
    floating_point : {"IEEE64BIG", "IEEE32BIG"}
        Precision of the stored numbers, big-endian.
    ensemble_id, ensemble_label, sequence_number, creator
        Values of the corresponding header lines.
    tolerance : float, optional
        Bound on the deviation from SU(3); see :func:`check_links_for_writing`.

    Returns
    -------
    GaugeConfiguration
        The links as a reader of the file gets them (rounded to the file precision),
        with the header that was written.

    Raises
    ------
    ValueError
        If the links are not 4D SU(3), contain NaN, or the options are unknown.
    """
    if datatype not in NERSC_DATATYPES:
        raise ValueError(f"datatype {datatype!r} is not supported; expected one of {sorted(NERSC_DATATYPES)}")
    if floating_point not in _WRITABLE_FLOATING_POINT:
        raise ValueError(
            f"floating_point {floating_point!r} is not supported for writing; "
            f"expected one of {_WRITABLE_FLOATING_POINT}"
        )
    check_links_for_writing(links, tolerance=tolerance)
    rows = NERSC_DATATYPES[datatype]
    real_dtype = NERSC_FLOATING_POINT[floating_point]
    dims = (int(links.shape[0]), int(links.shape[1]), int(links.shape[2]), int(links.shape[3]))

    # Header values are computed from the links exactly as a reader will decode them.
    data = encode_links(to_numpy(links), real_dtype, rows)
    stored = to_tensor(decode_links(data, dims, real_dtype, rows), torch.complex128, None)
    plaquette = float(mean_plaquette(stored))
    link_trace = float(mean_link_trace(stored))
    checksum = nersc_checksum(data, byteorder=">")

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%a %b %d %H:%M:%S %Y UTC")
    header = {
        "HDR_VERSION": "1.0",
        "DATATYPE": datatype,
        "STORAGE_FORMAT": "1.0",
        **{f"DIMENSION_{axis + 1}": str(dims[axis]) for axis in range(4)},
        "LINK_TRACE": f"{link_trace:.15g}",
        "PLAQUETTE": f"{plaquette:.15g}",
        **{f"BOUNDARY_{axis + 1}": "PERIODIC" for axis in range(4)},
        "CHECKSUM": f"{checksum:08x}",
        "ENSEMBLE_ID": ensemble_id,
        "ENSEMBLE_LABEL": ensemble_label,
        "SEQUENCE_NUMBER": str(int(sequence_number)),
        "CREATOR": creator,
        "CREATION_DATE": now,
        "FLOATING_POINT": floating_point,
    }
    for key, value in header.items():
        if "\n" in value or not value.isascii():
            raise ValueError(f"NERSC header value {key} = {value!r} must be one line of ASCII text")
    text = "BEGIN_HEADER\n" + "".join(f"{key} = {value}\n" for key, value in header.items()) + "END_HEADER\n"
    write_bytes_atomically(path, [text.encode("ascii"), data])

    logger.info("wrote NERSC file %s: %s, plaquette %.12f", os.fspath(path), datatype, plaquette)
    measured = {"checksum": checksum, "plaquette": plaquette, "link_trace": link_trace}
    stored = stored.to(dtype=links.dtype, device=links.device)
    return GaugeConfiguration(links=stored, format="nersc", header=header, measured=measured)
