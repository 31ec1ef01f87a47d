"""Conversion between 4D SU(3) link tensors and the site-major binary layout of NERSC and ILDG.

Both formats store sites with ``t`` slowest and ``x`` fastest.  At each site the four
links ``U_x, U_y, U_z, U_t`` follow one another, each a 3x3 complex matrix in row-major
order with the real part before the imaginary part.  The compressed layout keeps only
the first two rows; for :math:`U \\in SU(3)` the third row is
:math:`\\overline{u_1 \\times u_2}`, the complex conjugate of the cross product of the
first two.
"""

from __future__ import annotations

import numpy as np

from ._common import FILE_TO_LAYOUT_4D


def reconstruct_third_row(two_rows: np.ndarray) -> np.ndarray:
    """Complete matrices of shape ``(..., 2, 3)`` to SU(3) matrices of shape ``(..., 3, 3)``."""
    third = np.conj(np.cross(two_rows[..., 0, :], two_rows[..., 1, :]))
    return np.concatenate([two_rows, third[..., None, :]], axis=-2)


def encode_links(links: np.ndarray, real_dtype: np.dtype, rows: int) -> bytes:
    """Encode links of shape ``(L_x, L_y, L_z, L_t, 4, 3, 3)`` as site-major binary data.

    ``real_dtype`` fixes the precision and byte order (for example ``">f8"``) and
    ``rows`` is 3 for full matrices or 2 for the compressed layout.
    """
    in_file_order = links.transpose(FILE_TO_LAYOUT_4D)[..., :rows, :]
    pairs = np.stack([in_file_order.real, in_file_order.imag], axis=-1)
    return np.ascontiguousarray(pairs, dtype=real_dtype).tobytes()


def decode_links(
    data: bytes | memoryview, dims: tuple[int, int, int, int], real_dtype: np.dtype, rows: int
) -> np.ndarray:
    """Decode site-major binary data into complex128 links of shape ``(L_x, L_y, L_z, L_t, 4, 3, 3)``.

    ``dims`` is ``(L_x, L_y, L_z, L_t)``; ``len(data)`` must match it exactly.
    """
    lx, ly, lz, lt = dims
    pairs = np.frombuffer(data, dtype=real_dtype).reshape(lt, lz, ly, lx, 4, rows, 3, 2)
    matrices = pairs[..., 0].astype(np.float64) + 1j * pairs[..., 1].astype(np.float64)
    if rows == 2:
        matrices = reconstruct_third_row(matrices)
    return np.ascontiguousarray(matrices.transpose(FILE_TO_LAYOUT_4D))


def data_length(dims: tuple[int, ...], real_dtype: np.dtype, rows: int) -> int:
    """Return the number of bytes of site-major data for lattice extents ``dims``."""
    return int(np.prod(dims)) * 4 * rows * 3 * 2 * np.dtype(real_dtype).itemsize
