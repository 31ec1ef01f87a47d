"""Shared pieces of the configuration readers and writers.

The in-memory layout is the one used by :mod:`geomwork.numeric`: ``links`` has shape
``(L_0, ..., L_{d-1}, d, N, N)``, lattice axis ``mu`` is direction ``mu`` and, in four
dimensions, direction 3 is time.  Files that store sites with time slowest and ``x``
fastest (NERSC, ILDG) therefore hold the array ``links.permute(3, 2, 1, 0, 4, 5, 6)``.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .._groups import unitarity_tolerance

logger = logging.getLogger("geomwork.numeric.io")

#: Permutation between the file order ``(t, z, y, x, mu, a, b)`` and the agreed layout
#: ``(x, y, z, t, mu, a, b)``.  It is its own inverse.
FILE_TO_LAYOUT_4D = (3, 2, 1, 0, 4, 5, 6)

#: Absolute tolerance for header values such as the plaquette.  It accepts values below 1
#: printed with 6 or more significant digits.
DEFAULT_HEADER_TOLERANCE = 1e-6


class ConfigurationFileError(ValueError):
    """A gauge configuration file that is malformed, truncated or inconsistent with its header."""


@dataclass(frozen=True)
class GaugeConfiguration:
    """Links read from a file together with what the file claimed and what was measured.

    Attributes
    ----------
    links : torch.Tensor
        Shape ``(L_0, ..., L_{d-1}, d, N, N)``; in four dimensions direction 3 is time.
    format : str
        Registry name of the file format (``"nersc"``, ``"ildg"``, ``"openqcd"``, ``"hdf5"``).
    header : Mapping[str, Any]
        Values stored in the file's header or metadata records, as the file states them.
    measured : Mapping[str, Any]
        Values computed from the data while reading: ``plaquette`` and ``link_trace``
        (``Re tr / N`` averages) and format-specific checksums or findings such as
        ``zero_links``.
    """

    links: torch.Tensor
    format: str
    header: Mapping[str, Any] = field(default_factory=dict)
    measured: Mapping[str, Any] = field(default_factory=dict)


def check_finite(links: torch.Tensor, source: str) -> None:
    """Raise ConfigurationFileError when ``links`` contains NaN or infinity."""
    finite = torch.isfinite(links)
    if bool(finite.all()):
        return
    bad = (~finite).nonzero()
    first = tuple(int(i) for i in bad[0])
    raise ConfigurationFileError(
        f"{source}: {bad.shape[0]} link entries are NaN or infinite, the first at index {first}"
    )


def check_links_for_writing(
    links: torch.Tensor,
    *,
    shape_rank: int | None = 4,
    colors: int | None = 3,
    special: bool = True,
    tolerance: float | None = None,
) -> None:
    """Check that ``links`` can be stored in a gauge configuration file.

    Parameters
    ----------
    links : torch.Tensor
        Complex tensor of shape ``(L_0, ..., L_{d-1}, d, N, N)``.
    shape_rank : int or None
        Required number of lattice axes ``d``, or None for any.
    colors : int or None
        Required matrix size ``N``, or None for any.
    special : bool
        Also require ``det U = 1``.
    tolerance : float, optional
        Bound on ``max |U^dagger U - 1|`` and ``max |det U - 1|``; by default
        :func:`geomwork.numeric.unitarity_tolerance` of the links' dtype.

    Raises
    ------
    TypeError
        If ``links`` is not a complex tensor.
    ValueError
        If the shape does not match, an entry is NaN or infinite, or a link is not
        unitary (special unitary) within ``tolerance``.
    """
    if not isinstance(links, torch.Tensor) or not links.is_complex():
        kind = links.dtype if isinstance(links, torch.Tensor) else type(links).__name__
        raise TypeError(f"links must be a complex torch.Tensor, got {kind}")
    d = links.ndim - 3
    if d < 1 or links.shape[-3] != d or links.shape[-2] != links.shape[-1]:
        raise ValueError(
            f"links has shape {tuple(links.shape)}; expected (L_0, ..., L_(d-1), d, N, N)"
        )
    if shape_rank is not None and d != shape_rank:
        raise ValueError(f"links has {d} lattice axes; this format stores {shape_rank}")
    if colors is not None and links.shape[-1] != colors:
        size = links.shape[-1]
        raise ValueError(f"links are {size}x{size} matrices; this format stores {colors}x{colors}")
    if not bool(torch.isfinite(links).all()):
        count = int((~torch.isfinite(links)).sum())
        raise ValueError(f"links contain {count} NaN or infinite entries; nothing was written")

    if tolerance is None:
        tolerance = unitarity_tolerance(links.dtype)
    identity = torch.eye(links.shape[-1], dtype=links.dtype, device=links.device)
    deviation = float((links.mH @ links - identity).abs().max())
    if deviation > tolerance:
        raise ValueError(
            f"links are not unitary: max |U^dagger U - 1| = {deviation:.3e} exceeds the "
            f"tolerance {tolerance:.3e}; reunitarise the links or pass a larger tolerance"
        )
    if special:
        det_deviation = float((torch.linalg.det(links) - 1).abs().max())
        if det_deviation > tolerance:
            raise ValueError(
                f"links are not special unitary: max |det U - 1| = {det_deviation:.3e} exceeds "
                f"the tolerance {tolerance:.3e}; this format stores SU(N) links"
            )


def compare_with_header(
    name: str,
    expected: float,
    found: float,
    *,
    tolerance: float,
    source: str,
    verify: bool,
) -> None:
    """Raise (or, with ``verify=False``, log) when a header value disagrees with the data."""
    if abs(expected - found) <= tolerance:
        return
    message = (
        f"{source}: header {name} does not match the data: expected {expected!r} "
        f"(header), found {found!r} (computed), difference {found - expected:.3e} "
        f"exceeds the tolerance {tolerance:.1e}"
    )
    if verify:
        raise ConfigurationFileError(message)
    logger.warning("%s", message)


def to_tensor(array: np.ndarray, dtype: torch.dtype, device: torch.device | str | None) -> torch.Tensor:
    """Convert a native-endian complex array to a contiguous tensor of ``dtype``."""
    native = np.ascontiguousarray(array, dtype=np.complex128)
    return torch.from_numpy(native).to(dtype=dtype, device=device)


def to_numpy(links: torch.Tensor) -> np.ndarray:
    """Return the links as a complex128 numpy array on the CPU."""
    return links.detach().to(device="cpu", dtype=torch.complex128).numpy()


def read_file_bytes(path: Path) -> bytes:
    """Read a whole file, with a FileNotFoundError that names the path."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"gauge configuration file not found: {path}")
    return path.read_bytes()


@contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` and move it onto ``path`` when the block succeeds.

    The temporary file is created in the destination's directory, so the final
    :func:`os.replace` is atomic on POSIX file systems.  When the block raises, the
    temporary file is removed and ``path`` is left as it was (absent or unchanged).
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"directory {path.parent} does not exist; create it before writing {path.name}")
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    # The kernel applies the caller's umask to 0o666, as it would for a plain open().
    descriptor = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
    os.close(descriptor)
    try:
        yield temporary
        descriptor = os.open(temporary, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_bytes_atomically(path: str | os.PathLike[str], chunks: list[bytes]) -> None:
    """Write ``chunks`` to ``path`` through :func:`atomic_output`."""
    with atomic_output(path) as temporary:
        with open(temporary, "wb") as stream:
            for chunk in chunks:
                stream.write(chunk)
