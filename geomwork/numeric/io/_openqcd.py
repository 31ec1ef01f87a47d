"""Reader for openQCD gauge configuration files.

An openQCD file, little-endian throughout, is:

* four ``int32`` lattice extents ``N0, N1, N2, N3`` (time first), then one ``float64``
  plaquette;
* for each odd site ``x`` (``x0 + x1 + x2 + x3`` odd) in lexicographic order with ``x0``
  slowest and ``x3`` fastest, eight 3x3 complex128 matrices in row-major order:
  ``U(x, 0), U(x - 0^, 0), U(x, 1), U(x - 1^, 1), U(x, 2), U(x - 2^, 2), U(x, 3), U(x - 3^, 3)``.

Every link is stored once: the links leaving even sites are the backward links of
their odd neighbours.  The file is ``24 + 576 * N0 * N1 * N2 * N3`` bytes long.

Conversion to the agreed layout, where direction 3 is time: openQCD direction 0 (time)
becomes direction 3 and openQCD directions 1, 2, 3 become 0, 1, 2; the site
``(x0, x1, x2, x3)`` becomes index ``[x1, x2, x3, x0]``.

With open boundary conditions in time the links ``U(x, 0)`` on the last time slice
``x0 = N0 - 1`` are zero.  The reader returns them as they are (zero matrices) and
reports them in ``measured["zero_links"]`` and ``measured["open_boundary"]``.

The header plaquette is compared with :math:`\\sum_p \\mathrm{Re\\,tr}\\,U_p / (6V)`,
the mean over all :math:`6V` plaquettes (those touching a zero link contribute 0), which
is 3 for the unit field.  The header of a 4^4 open-boundary file written by openQCD
agrees with it to round-off (a difference of 4e-19).  A disagreement is logged, never
raised, because openQCD versions with other boundary conditions may normalise it
otherwise.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import torch

from .._lattice import mean_link_trace, mean_plaquette
from ._common import (
    DEFAULT_HEADER_TOLERANCE,
    ConfigurationFileError,
    GaugeConfiguration,
    check_finite,
    compare_with_header,
    logger,
    read_file_bytes,
    to_tensor,
)

__all__ = ["openqcd_file_size", "read_openqcd"]

_HEADER = struct.Struct("<4id")
_BYTES_PER_SITE = 4 * 9 * 16
# openQCD direction mu is agreed-layout direction _DIRECTION_MAP[mu].
_DIRECTION_MAP = (3, 0, 1, 2)


def openqcd_file_size(extents: tuple[int, int, int, int]) -> int:
    """Return the size in bytes of an openQCD file for extents ``(N0, N1, N2, N3)``."""
    return _HEADER.size + _BYTES_PER_SITE * int(np.prod(extents))


def _parse_header(raw: bytes, source: str) -> tuple[tuple[int, int, int, int], float]:
    if len(raw) < _HEADER.size:
        raise ConfigurationFileError(
            f"{source} is truncated: the header needs {_HEADER.size} bytes, found {len(raw)}"
        )
    *extents, plaquette = _HEADER.unpack_from(raw)
    if any(extent < 2 or extent % 2 for extent in extents):
        raise ConfigurationFileError(
            f"{source}: header lattice extents {tuple(extents)} are invalid; openQCD needs even extents >= 2"
        )
    return (extents[0], extents[1], extents[2], extents[3]), plaquette


def _scatter_links(data: bytes | memoryview, extents: tuple[int, int, int, int]) -> np.ndarray:
    """Place the stored links into an array ``U[x0, x1, x2, x3, mu]`` in openQCD's own axes."""
    volume = int(np.prod(extents))
    stored = np.frombuffer(data, dtype="<c16").reshape(volume // 2, 4, 2, 3, 3)

    coordinates = np.stack(np.unravel_index(np.arange(volume), extents), axis=-1)
    odd = coordinates[coordinates.sum(axis=-1) % 2 == 1]
    links = np.zeros((*extents, 4, 3, 3), dtype=np.complex128)
    for mu in range(4):
        forward = tuple(odd.T)
        backward_sites = odd.copy()
        backward_sites[:, mu] = (backward_sites[:, mu] - 1) % extents[mu]
        links[forward + (mu,)] = stored[:, mu, 0]
        links[tuple(backward_sites.T) + (mu,)] = stored[:, mu, 1]
    return links


def _to_agreed_layout(links: np.ndarray) -> np.ndarray:
    """Move time from axis and direction 0 to axis and direction 3."""
    moved = links.transpose(1, 2, 3, 0, 4, 5, 6)
    result = np.empty_like(moved)
    for mu, direction in enumerate(_DIRECTION_MAP):
        result[..., direction, :, :] = moved[..., mu, :, :]
    return result


def _report_zero_links(links: torch.Tensor, source: str) -> dict[str, object]:
    """Count zero links and tell whether they are exactly the open time boundary."""
    zero = (links == 0).flatten(-2).all(-1)
    boundary = torch.zeros_like(zero)
    boundary[:, :, :, -1, 3] = True
    count = int(zero.sum())
    open_boundary = count > 0 and bool((zero == boundary).all())
    if open_boundary:
        logger.info(
            "%s: found %d zero links, exactly the time links U_3(x) on the last time slice "
            "(open boundary conditions in time)",
            source,
            count,
        )
    elif count:
        logger.warning(
            "%s: found %d zero links that are not the open time boundary (%d of them lie off it)",
            source,
            count,
            int((zero & ~boundary).sum()),
        )
    return {"zero_links": count, "open_boundary": open_boundary}


def read_openqcd(
    path: str | os.PathLike[str],
    *,
    dtype: torch.dtype = torch.complex128,
    device: torch.device | str | None = None,
    verify: bool = True,
    tolerance: float = DEFAULT_HEADER_TOLERANCE,
) -> GaugeConfiguration:
    """Read an openQCD gauge configuration into the agreed layout.

    Parameters
    ----------
    path : path-like
        The file to read.
    dtype : torch.dtype
        Complex dtype of the returned links.
    device : torch.device or str, optional
        Device of the returned links.
    verify : bool
        Accepted for a uniform reader signature.  A header plaquette that disagrees with
        the data is always logged as a warning and never raised.
    tolerance : float
        Absolute tolerance for the header plaquette.

    Returns
    -------
    GaugeConfiguration
        Links of shape ``(N1, N2, N3, N0, 4, 3, 3)`` with time as axis and direction 3.
        ``header`` contains ``extents`` (time first, as stored) and ``plaquette``;
        ``measured`` contains ``plaquette`` and ``link_trace`` (``Re tr / 3`` averages over
        all sites, planes and directions, zero links included), ``openqcd_plaquette``
        (the header's normalisation, 3 times ``plaquette``), ``zero_links`` and
        ``open_boundary``.

    Raises
    ------
    ConfigurationFileError
        If the extents are not even and positive, the file size disagrees with them
        (for example a truncated file), or an entry is NaN.
    """
    del verify
    source = f"openQCD file {os.fspath(path)}"
    raw = read_file_bytes(Path(path))
    extents, header_plaquette = _parse_header(raw, source)
    expected_size = openqcd_file_size(extents)
    if len(raw) != expected_size:
        problem = "truncated" if len(raw) < expected_size else "longer than its header says"
        raise ConfigurationFileError(
            f"{source} is {problem}: expected {expected_size} bytes for a "
            f"{'x'.join(map(str, extents))} lattice (header, time first), found {len(raw)}"
        )

    links = to_tensor(_to_agreed_layout(_scatter_links(memoryview(raw)[_HEADER.size :], extents)), dtype, device)
    check_finite(links, source)
    measured: dict[str, object] = {
        "plaquette": float(mean_plaquette(links)),
        "link_trace": float(mean_link_trace(links)),
        **_report_zero_links(links, source),
    }
    measured["openqcd_plaquette"] = links.shape[-1] * measured["plaquette"]
    compare_with_header(
        "plaquette (mean of Re tr U_p over the 6V plaquettes)",
        header_plaquette,
        measured["openqcd_plaquette"],
        tolerance=tolerance,
        source=source,
        verify=False,
    )
    header = {"extents": extents, "plaquette": header_plaquette}
    return GaugeConfiguration(links=links, format="openqcd", header=header, measured=measured)
