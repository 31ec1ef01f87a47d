"""Checksums of gauge configuration files.

Two checksums are in use:

* NERSC: the sum, modulo :math:`2^{32}`, of the binary data read as unsigned 32-bit
  words in the file's byte order.  It covers exactly the stored words, so for the
  compressed ``4D_SU3_GAUGE`` type it covers the two stored rows of each matrix.
* SciDAC (ILDG files): ``crc`` is the CRC-32 (zlib polynomial) of one site's bytes as
  stored, and ``rank`` is the site's position in the file,
  ``((t * L_z + z) * L_y + y) * L_x + x``.  ``suma`` is the XOR over sites of ``crc``
  rotated left by ``rank % 29`` bits, and ``sumb`` the same with ``rank % 31``.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["nersc_checksum", "scidac_checksum"]


def nersc_checksum(data: bytes | memoryview | np.ndarray, byteorder: str = ">") -> int:
    """Compute the NERSC checksum of binary gauge data.

    Parameters
    ----------
    data : bytes-like
        The binary data section exactly as stored; its length must be a multiple of 4.
    byteorder : {">", "<"}
        Byte order of the stored 32-bit words (``">"`` for the big-endian IEEE types).

    Returns
    -------
    int
        Sum of the unsigned 32-bit words modulo :math:`2^{32}`.

    Examples
    --------
    >>> hex(nersc_checksum(bytes.fromhex("00000001ffffffff00000002")))
    '0x2'
    """
    buffer = memoryview(data).cast("B")
    if len(buffer) % 4:
        raise ValueError(f"NERSC checksum needs whole 32-bit words, got {len(buffer)} bytes")
    words = np.frombuffer(buffer, dtype=np.dtype(np.uint32).newbyteorder(byteorder))
    return int(words.sum(dtype=np.uint64) & 0xFFFFFFFF)


def scidac_checksum(data: bytes | memoryview | np.ndarray, sites: int) -> tuple[int, int]:
    """Compute the SciDAC checksum pair ``(suma, sumb)`` of a binary data record.

    Parameters
    ----------
    data : bytes-like
        The record's binary data, sites in file order, each site's bytes contiguous.
    sites : int
        Number of sites; ``len(data)`` must be a multiple of it.

    Returns
    -------
    tuple of int
        ``(suma, sumb)``, each an unsigned 32-bit integer.
    """
    view = memoryview(data).cast("B")
    if sites <= 0 or len(view) % sites:
        raise ValueError(f"{len(view)} bytes do not split into {sites} equal sites")
    site_bytes = len(view) // sites
    crc = np.fromiter(
        (zlib.crc32(view[start : start + site_bytes]) for start in range(0, len(view), site_bytes)),
        dtype=np.uint64,
        count=sites,
    )

    rank = np.arange(sites, dtype=np.uint64)
    sums = []
    for modulus in (29, 31):
        shift = rank % np.uint64(modulus)
        # A shift of 0 leaves crc >> 32 == 0 in 64-bit arithmetic, so the rotation is crc itself.
        rotated = ((crc << shift) | (crc >> (np.uint64(32) - shift))) & np.uint64(0xFFFFFFFF)
        sums.append(int(np.bitwise_xor.reduce(rotated)))
    return sums[0], sums[1]
