"""LIME containers and ILDG gauge configurations with the SciDAC checksum.

A LIME file is a sequence of records.  Each record is a 144-byte header followed by its
data, zero-padded to a multiple of 8 bytes.  The header, big-endian, is:

========  =======  ===========================================================
offset    size     content
========  =======  ===========================================================
0         4        magic number ``0x456789ab``
4         2        format version, 1
6         2        flags: bit 15 message begin (MB), bit 14 message end (ME)
8         8        data length in bytes, without the padding
16        128      record type, ASCII, NUL-padded
========  =======  ===========================================================

An ILDG gauge configuration stores its metadata in an ``ildg-format`` record (XML with
``field`` = ``su3gauge``, ``precision`` 32 or 64, and the extents ``lx``, ``ly``, ``lz``,
``lt``) and its links in ``ildg-binary-data``: sites with ``t`` slowest and ``x``
fastest, at each site the links in directions x, y, z, t, each a full 3x3 complex matrix
in row-major order, big-endian IEEE floating point.  A ``scidac-checksum`` record
(XML with hexadecimal ``suma`` and ``sumb``) protects the binary data; see
:func:`geomwork.numeric.io.scidac_checksum`.
"""

from __future__ import annotations

import os
import re
import struct
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .._lattice import mean_link_trace, mean_plaquette
from ._checksums import scidac_checksum
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

__all__ = ["LIME_MAGIC", "LimeRecord", "read_ildg", "read_lime_records", "write_ildg", "write_lime_records"]

LIME_MAGIC = 0x456789AB
_LIME_VERSION = 1
_HEADER = struct.Struct(">IHHQ128s")
_MESSAGE_BEGIN = 0x8000
_MESSAGE_END = 0x4000
_ILDG_PRECISIONS = {32: np.dtype(">f4"), 64: np.dtype(">f8")}

_ILDG_FORMAT_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<ildgFormat xmlns="http://www.lqcd.org/ildg"
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
            xsi:schemaLocation="http://www.lqcd.org/ildg http://www.lqcd.org/ildg/filefmt.xsd">
  <version>1.0</version>
  <field>su3gauge</field>
  <precision>{precision}</precision>
  <lx>{lx}</lx>
  <ly>{ly}</ly>
  <lz>{lz}</lz>
  <lt>{lt}</lt>
</ildgFormat>"""

_SCIDAC_CHECKSUM_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<scidacChecksum>
  <version>1.0</version>
  <suma>{suma:08x}</suma>
  <sumb>{sumb:08x}</sumb>
</scidacChecksum>"""


@dataclass(frozen=True)
class LimeRecord:
    """One LIME record: its type, its data without padding and its message flags."""

    type: str
    data: bytes
    message_begin: bool = False
    message_end: bool = False


def _parse_lime(raw: bytes, source: str) -> list[LimeRecord]:
    records = []
    offset = 0
    while offset < len(raw):
        if len(raw) - offset < _HEADER.size:
            raise ConfigurationFileError(
                f"{source} is truncated: a LIME record header at byte {offset} needs {_HEADER.size} bytes, "
                f"found {len(raw) - offset}"
            )
        magic, version, flags, length, type_field = _HEADER.unpack_from(raw, offset)
        if magic != LIME_MAGIC:
            raise ConfigurationFileError(
                f"{source}: invalid LIME magic number at byte {offset}: "
                f"expected {LIME_MAGIC:08x}, found {magic:08x}"
            )
        if version != _LIME_VERSION:
            raise ConfigurationFileError(
                f"{source}: LIME version {version} at byte {offset} is not supported; expected 1"
            )
        record_type = type_field.split(b"\0", 1)[0].decode("ascii", errors="replace")

        start = offset + _HEADER.size
        if start + length > len(raw):
            raise ConfigurationFileError(
                f"{source} is truncated: LIME record {record_type!r} at byte {offset} declares {length} bytes "
                f"of data, found {len(raw) - start}"
            )
        records.append(
            LimeRecord(
                type=record_type,
                data=raw[start : start + length],
                message_begin=bool(flags & _MESSAGE_BEGIN),
                message_end=bool(flags & _MESSAGE_END),
            )
        )
        # The padding of the last record may be missing, so this can step past the end.
        offset = start + length + (-length % 8)
    return records


def read_lime_records(path: str | os.PathLike[str]) -> list[LimeRecord]:
    """Read every record of a LIME file.

    Raises
    ------
    ConfigurationFileError
        If a record header has the wrong magic number or version, or the file ends
        inside a record.
    """
    return _parse_lime(read_file_bytes(Path(path)), f"LIME file {os.fspath(path)}")


def _encode_lime(records: Sequence[LimeRecord]) -> list[bytes]:
    chunks = []
    for record in records:
        type_bytes = record.type.encode("ascii")
        if len(type_bytes) >= 128:
            raise ValueError(f"LIME record type {record.type!r} is longer than 127 characters")
        flags = 0
        if record.message_begin:
            flags |= _MESSAGE_BEGIN
        if record.message_end:
            flags |= _MESSAGE_END
        chunks.append(_HEADER.pack(LIME_MAGIC, _LIME_VERSION, flags, len(record.data), type_bytes))
        chunks.append(record.data)
        chunks.append(b"\0" * (-len(record.data) % 8))
    return chunks


def write_lime_records(path: str | os.PathLike[str], records: Sequence[LimeRecord]) -> None:
    """Write LIME records to ``path`` atomically (temporary file, then :func:`os.replace`)."""
    write_bytes_atomically(path, _encode_lime(records))


def _xml_fields(data: bytes, source: str, record_type: str) -> dict[str, str]:
    """Return the text of every element of an XML record, keyed by tag without namespace."""
    try:
        root = ElementTree.fromstring(data.rstrip(b"\0"))
    except ElementTree.ParseError as error:
        raise ConfigurationFileError(f"{source}: the {record_type} record is not valid XML: {error}") from None
    return {element.tag.rsplit("}", 1)[-1]: (element.text or "").strip() for element in root.iter()}


def _find_record(records: list[LimeRecord], record_type: str) -> LimeRecord | None:
    return next((record for record in records if record.type == record_type), None)


def _parse_ildg_format(record: LimeRecord, source: str) -> tuple[tuple[int, int, int, int], int]:
    """Return ``(L_x, L_y, L_z, L_t)`` and the precision in bits from an ildg-format record."""
    fields = _xml_fields(record.data, source, "ildg-format")
    if fields.get("field") != "su3gauge":
        raise ConfigurationFileError(
            f"{source}: ildg-format field is {fields.get('field')!r}; only 'su3gauge' is supported"
        )
    values = {}
    for key in ("precision", "lx", "ly", "lz", "lt"):
        text = fields.get(key, "")
        if not text.isdigit() or int(text) < 1:
            raise ConfigurationFileError(
                f"{source}: ildg-format has {key} = {text!r}; expected a positive integer"
            )
        values[key] = int(text)
    if values["precision"] not in _ILDG_PRECISIONS:
        raise ConfigurationFileError(f"{source}: ildg-format precision {values['precision']} is not 32 or 64")
    return (values["lx"], values["ly"], values["lz"], values["lt"]), values["precision"]


def _verify_scidac_checksum(
    record: LimeRecord | None, found: tuple[int, int], source: str, verify: bool
) -> dict[str, str]:
    if record is None:
        logger.info("%s has no scidac-checksum record; the binary data were not verified", source)
        return {}
    fields = _xml_fields(record.data, source, "scidac-checksum")
    stated = {}
    for key, computed in zip(("suma", "sumb"), found):
        text = fields.get(key, "")
        try:
            expected = int(text, 16)
        except ValueError:
            message = f"{source}: scidac-checksum {key} = {text!r} is not hexadecimal"
            raise ConfigurationFileError(message) from None
        stated[key] = text
        if expected != computed:
            message = (
                f"{source}: SciDAC checksum {key} does not match the data: expected {expected:08x} "
                f"(scidac-checksum record), found {computed:08x} (computed); the file is corrupted"
            )
            if verify:
                raise ConfigurationFileError(message)
            logger.warning("%s", message)
    return stated


def _xlf_plaquette(record: LimeRecord | None) -> float | None:
    """Return the ``plaquette = ...`` value of an xlf-info record (written by tmLQCD), if any."""
    if record is None:
        return None
    match = re.search(rb"plaquette\s*=\s*([-+0-9.eE]+)", record.data)
    return float(match.group(1)) if match else None


def read_ildg(
    path: str | os.PathLike[str],
    *,
    dtype: torch.dtype = torch.complex128,
    device: torch.device | str | None = None,
    verify: bool = True,
    tolerance: float = DEFAULT_HEADER_TOLERANCE,
) -> GaugeConfiguration:
    """Read an ILDG gauge configuration from a LIME file and verify its SciDAC checksum.

    Parameters
    ----------
    path : path-like
        The file to read.
    dtype : torch.dtype
        Complex dtype of the returned links.
    device : torch.device or str, optional
        Device of the returned links.
    verify : bool
        When True a SciDAC checksum that disagrees with the data raises; when False it
        is logged as a warning.
    tolerance : float
        Absolute tolerance for the plaquette of a tmLQCD ``xlf-info`` record.  That record
        is not part of the ILDG standard, so a disagreement there is only logged.

    Returns
    -------
    GaugeConfiguration
        Links of shape ``(L_x, L_y, L_z, L_t, 4, 3, 3)``.  ``header`` contains the
        ildg-format values, the stated ``suma``/``sumb``, ``records`` (the record types in
        order) and, when present, ``ildg-data-lfn``, ``xlf-info`` and its ``plaquette``.
        ``measured`` contains the computed ``suma``, ``sumb``, ``plaquette`` and
        ``link_trace``.

    Raises
    ------
    ConfigurationFileError
        If a record is missing or malformed, the binary length disagrees with the
        ildg-format extents and precision, the file is truncated, an entry is NaN, or
        (with ``verify``) the checksum disagrees.

    Notes
    -----
    A LIME file may contain several configurations.  Only the first ``ildg-format`` and
    ``ildg-binary-data`` records are read.
    """
    source = f"ILDG file {os.fspath(path)}"
    records = _parse_lime(read_file_bytes(Path(path)), source)
    format_record = _find_record(records, "ildg-format")
    binary_record = _find_record(records, "ildg-binary-data")
    for name, record in (("ildg-format", format_record), ("ildg-binary-data", binary_record)):
        if record is None:
            types = [record.type for record in records]
            raise ConfigurationFileError(f"{source} has no {name} record; its records are {types}")
    dims, precision = _parse_ildg_format(format_record, source)
    real_dtype = _ILDG_PRECISIONS[precision]

    expected_length = data_length(dims, real_dtype, 3)
    if len(binary_record.data) != expected_length:
        raise ConfigurationFileError(
            f"{source}: ildg-binary-data has the wrong size: expected {expected_length} bytes for a "
            f"{'x'.join(map(str, dims))} lattice at {precision}-bit precision (ildg-format), "
            f"found {len(binary_record.data)}"
        )

    sites = int(np.prod(dims))
    suma, sumb = scidac_checksum(binary_record.data, sites)
    stated = _verify_scidac_checksum(_find_record(records, "scidac-checksum"), (suma, sumb), source, verify)

    links = to_tensor(decode_links(binary_record.data, dims, real_dtype, 3), dtype, device)
    check_finite(links, source)
    plaquette = float(mean_plaquette(links))
    link_trace = float(mean_link_trace(links))

    header: dict[str, object] = {
        "field": "su3gauge",
        "precision": precision,
        **dict(zip(("lx", "ly", "lz", "lt"), dims)),
        **stated,
        "records": [record.type for record in records],
    }
    for optional in ("ildg-data-lfn", "xlf-info"):
        record = _find_record(records, optional)
        if record is not None:
            header[optional] = record.data.rstrip(b"\0").decode("utf-8", errors="replace")
    xlf_plaquette = _xlf_plaquette(_find_record(records, "xlf-info"))
    if xlf_plaquette is not None:
        header["plaquette"] = xlf_plaquette
        compare_with_header(
            "xlf-info plaquette", xlf_plaquette, plaquette, tolerance=tolerance, source=source, verify=False
        )

    logger.info("read %s: %s lattice, plaquette %.12f", source, "x".join(map(str, dims)), plaquette)
    measured = {"suma": suma, "sumb": sumb, "plaquette": plaquette, "link_trace": link_trace}
    return GaugeConfiguration(links=links, format="ildg", header=header, measured=measured)


def write_ildg(
    path: str | os.PathLike[str],
    links: torch.Tensor,
    *,
    precision: int = 64,
    lfn: str | None = None,
    tolerance: float | None = None,
) -> GaugeConfiguration:
    """Write 4D SU(3) links as an ILDG LIME file with a SciDAC checksum, atomically.

    The file contains one LIME message with the records ``ildg-format`` (MB),
    ``ildg-binary-data``, ``scidac-checksum`` and ``ildg-data-lfn`` (ME).

    Parameters
    ----------
    path : path-like
        Destination; written through a temporary file in the same directory and
        :func:`os.replace`, so a failed write leaves no partial file.
    links : torch.Tensor
        Shape ``(L_x, L_y, L_z, L_t, 4, 3, 3)``, special unitary within ``tolerance``.
    precision : {64, 32}
        Bits per stored real number.
    lfn : str, optional
        Logical file name for the ``ildg-data-lfn`` record; the file's name by default.
    tolerance : float, optional
        Bound on the deviation from SU(3); see :func:`check_links_for_writing`.

    Returns
    -------
    GaugeConfiguration
        The links as a reader of the file gets them, with the written metadata.
    """
    if precision not in _ILDG_PRECISIONS:
        raise ValueError(f"precision {precision!r} is not supported; expected 32 or 64")
    check_links_for_writing(links, tolerance=tolerance)
    real_dtype = _ILDG_PRECISIONS[precision]
    dims = (int(links.shape[0]), int(links.shape[1]), int(links.shape[2]), int(links.shape[3]))

    data = encode_links(to_numpy(links), real_dtype, 3)
    stored = to_tensor(decode_links(data, dims, real_dtype, 3), torch.complex128, None)
    suma, sumb = scidac_checksum(data, int(np.prod(dims)))
    lx, ly, lz, lt = dims
    format_xml = _ILDG_FORMAT_TEMPLATE.format(precision=precision, lx=lx, ly=ly, lz=lz, lt=lt)
    checksum_xml = _SCIDAC_CHECKSUM_TEMPLATE.format(suma=suma, sumb=sumb)
    logical_name = Path(path).name if lfn is None else lfn

    records = [
        LimeRecord("ildg-format", format_xml.encode("ascii"), message_begin=True),
        LimeRecord("ildg-binary-data", data),
        LimeRecord("scidac-checksum", checksum_xml.encode("ascii")),
        LimeRecord("ildg-data-lfn", logical_name.encode("utf-8"), message_end=True),
    ]
    write_lime_records(path, records)

    plaquette = float(mean_plaquette(stored))
    logger.info("wrote ILDG file %s: precision %d, plaquette %.12f", os.fspath(path), precision, plaquette)
    header = {
        "field": "su3gauge",
        "precision": precision,
        **dict(zip(("lx", "ly", "lz", "lt"), dims)),
        "suma": f"{suma:08x}",
        "sumb": f"{sumb:08x}",
        "records": [record.type for record in records],
        "ildg-data-lfn": logical_name,
    }
    measured = {"suma": suma, "sumb": sumb, "plaquette": plaquette, "link_trace": float(mean_link_trace(stored))}
    return GaugeConfiguration(
        links=stored.to(dtype=links.dtype, device=links.device), format="ildg", header=header, measured=measured
    )
