"""Tests of the gauge configuration readers and writers in geomwork.numeric.io."""

from __future__ import annotations

import itertools
import logging
import os
import struct
import zlib
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from geomwork.numeric import SU3, mean_link_trace, mean_plaquette
from geomwork.numeric.io import (
    FORMATS,
    ConfigurationFileError,
    LimeRecord,
    append_flow_step,
    detect_format,
    nersc_checksum,
    read_checkpoint,
    read_configuration,
    read_lime_records,
    read_nersc,
    scidac_checksum,
    write_checkpoint,
    write_configuration,
    write_lime_records,
    write_nersc,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "data"
UNITY_LIME = DATA / "unity.lime"
OPENQCD_SAMPLE = DATA / "openqcd-4x4x4x4-open-bc.bin"
requires_samples = pytest.mark.skipif(
    not (UNITY_LIME.is_file() and OPENQCD_SAMPLE.is_file()),
    reason=f"sample configuration files not found in {DATA} (a copy of shared/ beside the clone)",
)

# A non-cubic lattice, so that a swapped axis changes the shape.
SHAPE = (2, 4, 2, 6)


def random_su3(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    """Draw Haar-random SU(3) links of shape ``(*shape, len(shape), 3, 3)`` from a seeded generator."""
    generator = torch.Generator().manual_seed(seed)
    return SU3().random((*shape, len(shape)), generator=generator)


def unit_links(shape: tuple[int, ...] = SHAPE) -> torch.Tensor:
    return torch.eye(3, dtype=torch.complex128).expand(*shape, len(shape), 3, 3).clone()


@pytest.fixture
def links() -> torch.Tensor:
    return random_su3(SHAPE, seed=7)


# Each case: format, writer options, and how the stored numbers are rounded.
WRITE_CASES = [
    pytest.param("nersc", {}, torch.complex128, 3, id="nersc-3x3-ieee64"),
    pytest.param("nersc", {"floating_point": "IEEE32BIG"}, torch.complex64, 3, id="nersc-3x3-ieee32"),
    pytest.param("nersc", {"datatype": "4D_SU3_GAUGE"}, torch.complex128, 2, id="nersc-3x2-ieee64"),
    pytest.param(
        "nersc", {"datatype": "4D_SU3_GAUGE", "floating_point": "IEEE32BIG"}, torch.complex64, 2, id="nersc-3x2-ieee32"
    ),
    pytest.param("ildg", {}, torch.complex128, 3, id="ildg-64"),
    pytest.param("ildg", {"precision": 32}, torch.complex64, 3, id="ildg-32"),
    pytest.param("hdf5", {"group": "SU(3)"}, torch.complex128, 3, id="hdf5"),
]


def test_write_cases_cover_registry():
    writable = {name for name, entry in FORMATS.items() if entry.write is not None}
    covered = {case.values[0] for case in WRITE_CASES}
    assert covered == writable


@pytest.mark.parametrize(("format", "options", "file_dtype", "rows"), WRITE_CASES)
def test_round_trip_exact(tmp_path, links, format, options, file_dtype, rows):
    path = tmp_path / f"config.{format}"
    written = write_configuration(path, links, format, **options)
    read = read_configuration(path)

    assert read.format == format
    assert detect_format(path) == format
    assert read.links.shape == links.shape
    assert read.links.dtype == torch.complex128
    # The stored rows come back bit for bit, rounded only to the file precision.
    expected = links.to(file_dtype).to(torch.complex128)
    assert torch.equal(read.links[..., :rows, :], expected[..., :rows, :])
    assert torch.equal(written.links, read.links)
    if rows == 2:
        tolerance = 50 * torch.finfo(file_dtype).eps
        assert torch.allclose(read.links, expected, rtol=0, atol=tolerance)
    assert read.measured["plaquette"] == pytest.approx(float(mean_plaquette(read.links)), abs=1e-15)
    assert read.measured["link_trace"] == pytest.approx(float(mean_link_trace(read.links)), abs=1e-15)


@pytest.mark.parametrize("format", ["nersc", "ildg", "hdf5"])
def test_read_as_complex64(tmp_path, links, format):
    path = tmp_path / "config"
    write_configuration(path, links, format)
    read = read_configuration(path, format, dtype=torch.complex64)
    assert read.links.dtype == torch.complex64
    assert torch.equal(read.links, links.to(torch.complex64))


def test_nersc_header_matches_links(tmp_path, links):
    path = tmp_path / "config.nersc"
    write_nersc(path, links)
    header = read_nersc(path).header
    assert [int(header[f"DIMENSION_{axis}"]) for axis in range(1, 5)] == list(SHAPE)
    assert header["DATATYPE"] == "4D_SU3_GAUGE_3x3"
    assert header["FLOATING_POINT"] == "IEEE64BIG"
    assert float(header["PLAQUETTE"]) == pytest.approx(float(mean_plaquette(links)), abs=1e-14)
    assert float(header["LINK_TRACE"]) == pytest.approx(float(mean_link_trace(links)), abs=1e-14)


def test_nersc_file_order_x_fastest(tmp_path, links):
    """The first two sites in the file are (x, y, z, t) = (0, 0, 0, 0) and (1, 0, 0, 0)."""
    path = tmp_path / "config.nersc"
    write_nersc(path, links)
    raw = path.read_bytes()
    data = raw[raw.index(b"END_HEADER\n") + len(b"END_HEADER\n") :]
    sites = np.frombuffer(data, dtype=">c16").reshape(-1, 4, 3, 3)
    assert np.array_equal(sites[0], links[0, 0, 0, 0].numpy())
    assert np.array_equal(sites[1], links[1, 0, 0, 0].numpy())
    assert np.array_equal(sites[SHAPE[0]], links[0, 1, 0, 0].numpy())
    assert np.array_equal(sites[-1], links[-1, -1, -1, -1].numpy())


def test_nersc_checksum_sums_words():
    data = struct.pack(">3I", 0xFFFFFFFF, 0x00000003, 0x10)
    assert nersc_checksum(data) == (0xFFFFFFFF + 3 + 0x10) % 2**32
    assert nersc_checksum(struct.pack("<3I", 0xFFFFFFFF, 3, 0x10), byteorder="<") == 0x12


def scidac_reference(data: bytes, sites: int) -> tuple[int, int]:
    """Compute the SciDAC checksum site by site with explicit 32-bit rotations."""
    size = len(data) // sites
    suma = sumb = 0
    for rank in range(sites):
        crc = zlib.crc32(data[rank * size : (rank + 1) * size])
        for modulus, name in ((29, "a"), (31, "b")):
            shift = rank % modulus
            rotated = ((crc << shift) | (crc >> (32 - shift))) & 0xFFFFFFFF if shift else crc
            if name == "a":
                suma ^= rotated
            else:
                sumb ^= rotated
    return suma, sumb


def test_scidac_checksum_matches_reference():
    data = np.random.default_rng(3).integers(0, 256, size=70 * 24, dtype=np.uint8).tobytes()
    assert scidac_checksum(data, 70) == scidac_reference(data, 70)


@settings(max_examples=30, deadline=None)
@given(sites=st.integers(1, 80), site_bytes=st.integers(1, 12), seed=st.integers(0, 2**32 - 1))
def test_scidac_checksum_any_size(sites, site_bytes, seed):
    data = np.random.default_rng(seed).integers(0, 256, size=sites * site_bytes, dtype=np.uint8).tobytes()
    assert scidac_checksum(data, sites) == scidac_reference(data, sites)


def test_ildg_file_layout(tmp_path, links):
    path = tmp_path / "config.lime"
    write_configuration(path, links, "ildg")
    records = read_lime_records(path)
    assert [record.type for record in records] == [
        "ildg-format",
        "ildg-binary-data",
        "scidac-checksum",
        "ildg-data-lfn",
    ]
    assert records[0].message_begin
    assert records[-1].message_end
    text = records[0].data.decode()
    for key, extent in zip(("lx", "ly", "lz", "lt"), SHAPE):
        assert f"<{key}>{extent}</{key}>" in text
    sites = np.frombuffer(records[1].data, dtype=">c16").reshape(-1, 4, 3, 3)
    assert np.array_equal(sites[1], links[1, 0, 0, 0].numpy())
    suma, sumb = scidac_checksum(records[1].data, int(np.prod(SHAPE)))
    assert f"<suma>{suma:08x}</suma>" in records[2].data.decode()
    assert f"<sumb>{sumb:08x}</sumb>" in records[2].data.decode()


def test_lime_records_round_trip(tmp_path):
    records = [
        LimeRecord("first", b"abc", message_begin=True),
        LimeRecord("second", bytes(range(17)), message_end=True),
        LimeRecord("empty", b"", message_begin=True, message_end=True),
    ]
    path = tmp_path / "records.lime"
    write_lime_records(path, records)
    assert read_lime_records(path) == records
    assert path.stat().st_size == 3 * 144 + 8 + 24


# Sample files.


@requires_samples
def test_unity_lime_sample():
    """tmLQCD's 4^4 unit configuration: plaquette 1 and suma/sumb stated in its checksum record."""
    configuration = read_configuration(UNITY_LIME)
    assert configuration.format == "ildg"
    assert configuration.links.shape == (4, 4, 4, 4, 4, 3, 3)
    assert torch.equal(configuration.links, unit_links((4, 4, 4, 4)))
    assert configuration.measured["plaquette"] == 1.0
    assert configuration.measured["link_trace"] == 1.0
    assert configuration.measured["suma"] == 0x35B49A1B
    assert configuration.measured["sumb"] == 0xB49A1B35
    assert configuration.header["precision"] == 64
    assert configuration.header["plaquette"] == 1.0


@requires_samples
def test_unity_lime_rewrite_same_data(tmp_path):
    original = read_configuration(UNITY_LIME)
    path = tmp_path / "unity.lime"
    rewritten = write_configuration(path, original.links, "ildg")
    assert rewritten.measured["suma"] == original.measured["suma"]
    assert rewritten.measured["sumb"] == original.measured["sumb"]
    binary = {record.type: record.data for record in read_lime_records(UNITY_LIME)}["ildg-binary-data"]
    assert {record.type: record.data for record in read_lime_records(path)}["ildg-binary-data"] == binary


@requires_samples
def test_openqcd_sample_open_boundary(caplog):
    with caplog.at_level(logging.INFO, logger="geomwork.numeric.io"):
        configuration = read_configuration(OPENQCD_SAMPLE)
    assert configuration.format == "openqcd"
    links = configuration.links
    assert links.shape == (4, 4, 4, 4, 4, 3, 3)
    assert configuration.header["extents"] == (4, 4, 4, 4)

    # The zero links are exactly the time links leaving the last time slice.
    zero = (links == 0).flatten(-2).all(-1)
    assert configuration.measured["zero_links"] == 64
    assert configuration.measured["open_boundary"] is True
    assert bool(zero[:, :, :, -1, 3].all())
    assert int(zero.sum()) == 64
    assert "found 64 zero links" in caplog.text

    # Every other link is in SU(3).
    inner = links[~zero]
    identity = torch.eye(3, dtype=torch.complex128)
    assert float((inner.mH @ inner - identity).abs().max()) < 1e-13
    assert float((torch.linalg.det(inner) - 1).abs().max()) < 1e-13


@requires_samples
def test_openqcd_sample_header_plaquette():
    """The header stores the mean of Re tr U_p over all 6V plaquettes, 3 times ours."""
    configuration = read_configuration(OPENQCD_SAMPLE)
    header = configuration.header["plaquette"]
    assert header == pytest.approx(-0.0027247910219612, abs=1e-16)
    assert configuration.measured["openqcd_plaquette"] == pytest.approx(header, abs=1e-15)
    assert configuration.measured["plaquette"] == pytest.approx(header / 3, abs=1e-15)


@requires_samples
def test_openqcd_truncated(tmp_path):
    path = tmp_path / "truncated.bin"
    path.write_bytes(OPENQCD_SAMPLE.read_bytes()[:-100])
    with pytest.raises(ConfigurationFileError, match=r"truncated: expected 147480 bytes .* found 147380"):
        read_configuration(path, "openqcd")


@requires_samples
def test_openqcd_is_read_only(tmp_path):
    links = read_configuration(OPENQCD_SAMPLE).links
    with pytest.raises(ValueError, match=r"format 'openqcd' is read-only"):
        write_configuration(tmp_path / "out.bin", links, "openqcd")


def write_openqcd_file(path: Path, links_openqcd: torch.Tensor, plaquette: float) -> None:
    """Write links indexed ``[x0, x1, x2, x3, mu]`` (time first) site by site in openQCD's layout."""
    extents = tuple(links_openqcd.shape[:4])
    chunks = [struct.pack("<4id", *extents, plaquette)]
    for site in itertools.product(*(range(extent) for extent in extents)):
        if sum(site) % 2 == 0:
            continue
        for mu in range(4):
            backward = list(site)
            backward[mu] = (backward[mu] - 1) % extents[mu]
            chunks.append(links_openqcd[site][mu].numpy().astype("<c16").tobytes())
            chunks.append(links_openqcd[tuple(backward)][mu].numpy().astype("<c16").tobytes())
    path.write_bytes(b"".join(chunks))


def test_openqcd_conversion_non_cubic(tmp_path, caplog):
    """openQCD site (x0, x1, x2, x3) and direction mu become [x1, x2, x3, x0] and (mu - 1) % 4."""
    extents = (4, 2, 6, 2)
    links_openqcd = random_su3(extents, seed=13)
    expected = links_openqcd.permute(1, 2, 3, 0, 4, 5, 6)[..., [1, 2, 3, 0], :, :]
    path = tmp_path / "config.bin"
    write_openqcd_file(path, links_openqcd, plaquette=3 * float(mean_plaquette(expected)))

    assert detect_format(path) == "openqcd"
    with caplog.at_level(logging.WARNING, logger="geomwork.numeric.io"):
        configuration = read_configuration(path)
    assert configuration.links.shape == (2, 6, 2, 4, 4, 3, 3)
    assert torch.equal(configuration.links, expected)
    assert configuration.measured["zero_links"] == 0
    assert configuration.measured["open_boundary"] is False
    assert caplog.text == ""


def test_openqcd_wrong_plaquette_logged(tmp_path, caplog):
    path = tmp_path / "config.bin"
    write_openqcd_file(path, random_su3((2, 2, 2, 2), seed=4), plaquette=2.5)
    with caplog.at_level(logging.WARNING, logger="geomwork.numeric.io"):
        configuration = read_configuration(path, "openqcd")
    assert configuration.header["plaquette"] == 2.5
    assert "expected 2.5 (header)" in caplog.text


def test_openqcd_odd_extent(tmp_path):
    path = tmp_path / "config.bin"
    path.write_bytes(struct.pack("<4id", 4, 3, 4, 4, 0.0) + bytes(576 * 192))
    pattern = r"extents \(4, 3, 4, 4\) are invalid; openQCD needs even extents"
    with pytest.raises(ConfigurationFileError, match=pattern):
        read_configuration(path, "openqcd")


# Corrupted headers and data.


def replace_header_line(path: Path, key: str, value: str) -> None:
    raw = path.read_bytes()
    start = raw.index(f"\n{key} =".encode()) + 1
    end = raw.index(b"\n", start)
    path.write_bytes(raw[:start] + f"{key} = {value}".encode() + raw[end:])


@pytest.fixture
def nersc_file(tmp_path, links) -> Path:
    path = tmp_path / "config.nersc"
    write_nersc(path, links)
    return path


def test_nersc_wrong_checksum(nersc_file):
    replace_header_line(nersc_file, "CHECKSUM", "deadbeef")
    pattern = r"CHECKSUM does not match the data: expected deadbeef \(header\), found [0-9a-f]{8}"
    with pytest.raises(ConfigurationFileError, match=pattern):
        read_configuration(nersc_file)


def test_nersc_flipped_data_byte(nersc_file):
    raw = bytearray(nersc_file.read_bytes())
    raw[-5] ^= 0x01
    nersc_file.write_bytes(bytes(raw))
    with pytest.raises(ConfigurationFileError, match=r"CHECKSUM does not match the data"):
        read_configuration(nersc_file)


def test_nersc_wrong_plaquette(nersc_file):
    replace_header_line(nersc_file, "PLAQUETTE", "0.75")
    pattern = r"PLAQUETTE does not match the data: expected 0\.75 \(header\), found -?0\.\d+"
    with pytest.raises(ConfigurationFileError, match=pattern):
        read_configuration(nersc_file)


def test_nersc_wrong_link_trace(nersc_file):
    replace_header_line(nersc_file, "LINK_TRACE", "0.5")
    with pytest.raises(ConfigurationFileError, match=r"LINK_TRACE does not match the data: expected 0\.5"):
        read_configuration(nersc_file)


def test_nersc_mismatch_logged_without_verify(nersc_file, caplog):
    replace_header_line(nersc_file, "PLAQUETTE", "0.75")
    with caplog.at_level(logging.WARNING, logger="geomwork.numeric.io"):
        configuration = read_configuration(nersc_file, verify=False)
    assert configuration.links.shape == (*SHAPE, 4, 3, 3)
    assert "PLAQUETTE does not match the data" in caplog.text


def test_nersc_wrong_dimension(nersc_file):
    replace_header_line(nersc_file, "DIMENSION_1", "4")
    pattern = r"truncated: expected 110592 bytes of data for a 4x4x2x6 lattice .* found 55296"
    with pytest.raises(ConfigurationFileError, match=pattern):
        read_configuration(nersc_file)


def test_nersc_extra_data(nersc_file):
    nersc_file.write_bytes(nersc_file.read_bytes() + b"\0" * 8)
    pattern = r"longer than its header says: expected 55296 .* found 55304"
    with pytest.raises(ConfigurationFileError, match=pattern):
        read_configuration(nersc_file)


def test_nersc_unknown_datatype(nersc_file):
    replace_header_line(nersc_file, "DATATYPE", "4D_SU2_GAUGE")
    with pytest.raises(ConfigurationFileError, match=r"DATATYPE '4D_SU2_GAUGE' is not supported"):
        read_configuration(nersc_file)


def test_nersc_missing_header_end(nersc_file):
    raw = nersc_file.read_bytes()
    nersc_file.write_bytes(raw[:120])
    with pytest.raises(ConfigurationFileError, match=r"no END_HEADER line"):
        read_configuration(nersc_file)


@pytest.mark.parametrize("keep", [0.0, 0.5, 0.99])
def test_nersc_truncated(nersc_file, keep):
    raw = nersc_file.read_bytes()
    offset = raw.index(b"END_HEADER\n") + len(b"END_HEADER\n")
    nersc_file.write_bytes(raw[: offset + int(keep * (len(raw) - offset))])
    with pytest.raises(ConfigurationFileError, match=r"is truncated: expected 55296 bytes of data"):
        read_configuration(nersc_file)


@pytest.fixture
def ildg_file(tmp_path, links) -> Path:
    path = tmp_path / "config.lime"
    write_configuration(path, links, "ildg")
    return path


def replace_record(path: Path, record_type: str, data: bytes) -> None:
    records = []
    for record in read_lime_records(path):
        if record.type == record_type:
            record = LimeRecord(record.type, data, record.message_begin, record.message_end)
        records.append(record)
    write_lime_records(path, records)


def test_ildg_corrupted_data(ildg_file):
    binary = {record.type: record.data for record in read_lime_records(ildg_file)}["ildg-binary-data"]
    corrupted = bytearray(binary)
    corrupted[100] ^= 0x10
    replace_record(ildg_file, "ildg-binary-data", bytes(corrupted))
    pattern = r"SciDAC checksum suma does not match the data: expected [0-9a-f]{8} \(scidac-checksum record\), found [0-9a-f]{8}"
    with pytest.raises(ConfigurationFileError, match=pattern):
        read_configuration(ildg_file)


def test_ildg_wrong_checksum_record(ildg_file):
    xml = b"<scidacChecksum><version>1.0</version><suma>0</suma><sumb>0</sumb></scidacChecksum>"
    replace_record(ildg_file, "scidac-checksum", xml)
    with pytest.raises(ConfigurationFileError, match=r"suma does not match the data: expected 00000000"):
        read_configuration(ildg_file)


def test_ildg_wrong_extent(ildg_file):
    records = {record.type: record.data for record in read_lime_records(ildg_file)}
    replace_record(ildg_file, "ildg-format", records["ildg-format"].replace(b"<lt>6</lt>", b"<lt>8</lt>"))
    pattern = r"wrong size: expected 73728 bytes for a 2x4x2x8 lattice .* found 55296"
    with pytest.raises(ConfigurationFileError, match=pattern):
        read_configuration(ildg_file)


def test_ildg_invalid_xml(ildg_file):
    replace_record(ildg_file, "ildg-format", b"<ildgFormat><field>su3gauge</field>")
    with pytest.raises(ConfigurationFileError, match=r"ildg-format record is not valid XML"):
        read_configuration(ildg_file)


def test_ildg_missing_format_record(ildg_file):
    records = [record for record in read_lime_records(ildg_file) if record.type != "ildg-format"]
    write_lime_records(ildg_file, records)
    pattern = r"has no ildg-format record; its records are \['ildg-binary-data'"
    with pytest.raises(ConfigurationFileError, match=pattern):
        read_configuration(ildg_file)


@pytest.mark.parametrize("keep", [100, 1000, 30000, -8])
def test_ildg_truncated(ildg_file, keep):
    raw = ildg_file.read_bytes()
    ildg_file.write_bytes(raw[:keep])
    pattern = r"is truncated: (a LIME record header|LIME record '[a-z-]+')"
    with pytest.raises(ConfigurationFileError, match=pattern):
        read_configuration(ildg_file, "ildg")


def test_lime_missing_final_padding_accepted(ildg_file):
    """Some writers end the file without padding the last record to 8 bytes."""
    ildg_file.write_bytes(ildg_file.read_bytes()[:-1])
    assert read_lime_records(ildg_file)[-1].data == b"config.lime"
    assert read_configuration(ildg_file).format == "ildg"


def test_ildg_nan_in_data(ildg_file):
    binary = bytearray({record.type: record.data for record in read_lime_records(ildg_file)}["ildg-binary-data"])
    binary[16:24] = struct.pack(">d", float("nan"))
    replace_record(ildg_file, "ildg-binary-data", bytes(binary))
    pattern = r"1 link entries are NaN or infinite, the first at index \(0, 0, 0, 0, 0, 0, 1\)"
    with pytest.raises(ConfigurationFileError, match=pattern):
        read_configuration(ildg_file, verify=False)


def test_hdf5_truncated(tmp_path, links):
    path = tmp_path / "config.h5"
    write_configuration(path, links, "hdf5")
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ConfigurationFileError, match=r"cannot be (opened|read) \(truncated"):
        read_configuration(path)


def test_hdf5_foreign_file(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as file:
        file["data"] = np.zeros(3)
    with pytest.raises(ConfigurationFileError, match=r"not a geomwork checkpoint"):
        read_configuration(path)


def test_unknown_format_detected(tmp_path):
    path = tmp_path / "mystery.dat"
    path.write_bytes(b"MILC" + bytes(60))
    pattern = r"unknown configuration format .* pass format= one of \['hdf5', 'ildg', 'nersc', 'openqcd'\]"
    with pytest.raises(ConfigurationFileError, match=pattern):
        read_configuration(path)


def test_unknown_format_name(tmp_path, links):
    with pytest.raises(ValueError, match=r"unknown configuration format 'milc'; known formats are"):
        write_configuration(tmp_path / "out", links, "milc")
    with pytest.raises(ValueError, match=r"unknown configuration format 'milc'"):
        read_configuration(tmp_path / "out", "milc")


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"not found: .*absent\.lime"):
        read_configuration(tmp_path / "absent.lime")


# Bad links on write, and atomic writes.


def writable_formats() -> list[str]:
    return sorted(name for name, entry in FORMATS.items() if entry.write is not None)


@pytest.mark.parametrize("format", writable_formats())
def test_write_rejects_non_unitary(tmp_path, links, format):
    bad = links.clone()
    bad[1, 2, 0, 3, 2] *= 1.001
    path = tmp_path / "bad"
    pattern = r"not unitary: max \|U\^dagger U - 1\| = 2\.00\de-03 exceeds the tolerance"
    with pytest.raises(ValueError, match=pattern):
        write_configuration(path, bad, format)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("format", writable_formats())
def test_write_rejects_nan(tmp_path, links, format):
    bad = links.clone()
    bad[0, 0, 0, 0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match=r"links contain 1 NaN or infinite entries; nothing was written"):
        write_configuration(tmp_path / "bad", bad, format)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("format", ["nersc", "ildg"])
def test_write_rejects_u3_links(tmp_path, links, format):
    phase = torch.exp(torch.tensor(0.1j, dtype=torch.complex128))
    with pytest.raises(ValueError, match=r"not special unitary: max \|det U - 1\|"):
        write_configuration(tmp_path / "bad", links * phase, format)


@pytest.mark.parametrize("format", ["nersc", "ildg"])
def test_write_rejects_wrong_shape(tmp_path, format):
    links_3d = random_su3((2, 2, 2), seed=1)
    with pytest.raises(ValueError, match=r"links has 3 lattice axes; this format stores 4"):
        write_configuration(tmp_path / "bad", links_3d, format)


def test_write_tolerance_keyed_by_dtype(tmp_path, links):
    """Links rounded to complex64 pass the complex64 tolerance but not the complex128 one."""
    single = links.to(torch.complex64)
    write_configuration(tmp_path / "single", single, "ildg", precision=32)
    with pytest.raises(ValueError, match=r"not unitary"):
        write_configuration(tmp_path / "double", single.to(torch.complex128), "ildg")


@pytest.mark.parametrize("format", writable_formats())
def test_failed_replace_leaves_old_file(tmp_path, links, monkeypatch, format):
    path = tmp_path / "config"
    write_configuration(path, links, format)
    before = path.read_bytes()

    def fail_replace(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail_replace)
    with pytest.raises(OSError, match="disk full"):
        write_configuration(path, unit_links(), format)
    assert path.read_bytes() == before
    assert [entry.name for entry in tmp_path.iterdir()] == ["config"]


def test_failed_hdf5_write_leaves_no_file(tmp_path, links):
    path = tmp_path / "config.h5"
    with pytest.raises(TypeError):
        write_checkpoint(path, links, attributes={"unstorable": object()})
    assert list(tmp_path.iterdir()) == []


def test_written_file_permissions_follow_umask(tmp_path, links):
    path = tmp_path / "config.lime"
    write_configuration(path, links, "ildg")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


# HDF5 checkpoints.


def test_checkpoint_round_trip(tmp_path, links):
    generator = torch.Generator().manual_seed(11)
    torch.rand(5, generator=generator)
    state = generator.get_state()
    path = tmp_path / "chain.h5"
    history = {"plaquette": [0.5, 0.55, 0.58], "acceptance": [0.9, 0.8, 0.85]}
    write_checkpoint(
        path, links, group="SU(3)", beta=6.0, seed=11, step=3, rng_state=state, history=history,
        attributes={"algorithm": "heatbath"},
    )
    checkpoint = read_checkpoint(path)

    assert torch.equal(checkpoint.links, links)
    assert checkpoint.group == "SU(3)"
    assert checkpoint.beta == 6.0
    assert checkpoint.seed == 11
    assert checkpoint.step == 3
    assert checkpoint.attributes["algorithm"] == "heatbath"
    assert checkpoint.rng_state == state.numpy().tobytes()
    for name, values in history.items():
        assert np.array_equal(checkpoint.history[name], values)

    restored = torch.Generator()
    restored.set_state(torch.frombuffer(bytearray(checkpoint.rng_state), dtype=torch.uint8))
    assert torch.equal(torch.rand(4, generator=restored), torch.rand(4, generator=generator))


def test_checkpoint_any_group_and_dtype(tmp_path):
    """A 2D U(1) field in complex64 keeps its shape and dtype."""
    generator = torch.Generator().manual_seed(5)
    angles = torch.rand((4, 6, 2, 1, 1), generator=generator) * 6.283
    links = torch.polar(torch.ones_like(angles), angles)
    path = tmp_path / "u1.h5"
    write_checkpoint(path, links, group="U(1)")
    checkpoint = read_checkpoint(path)
    assert checkpoint.links.dtype == torch.complex64
    assert torch.equal(checkpoint.links, links)
    assert read_configuration(path).measured["plaquette"] == pytest.approx(float(mean_plaquette(links)), abs=1e-6)


def test_append_along_flow(tmp_path, links):
    path = tmp_path / "flow.h5"
    write_checkpoint(path, links, group="SU(3)", step=0)
    for index in range(3):
        length = append_flow_step(path, {"t": 0.1 * index, "E": 1.0 / (index + 1)}, links=links, step=index + 1)
        assert length == index + 1
    checkpoint = read_checkpoint(path)
    assert np.array_equal(checkpoint.history["t"], [0.0, 0.1, 0.2])
    assert np.array_equal(checkpoint.history["E"], [1.0, 0.5, 1 / 3])
    assert checkpoint.step == 3
    assert checkpoint.flow_links.shape == (3, *links.shape)
    assert torch.equal(checkpoint.flow_links[2], links)
    assert [entry.name for entry in tmp_path.iterdir()] == ["flow.h5"]


def test_append_rejects_other_names(tmp_path, links):
    path = tmp_path / "flow.h5"
    write_checkpoint(path, links, history={"t": [0.0], "E": [1.0]})
    before = path.read_bytes()
    pattern = r"values have keys \['t'\]; the checkpoint's history arrays are \['E', 't'\]"
    with pytest.raises(ValueError, match=pattern):
        append_flow_step(path, {"t": 0.1})
    with pytest.raises(ValueError, match=r"links snapshot has shape \(2, 2, 2, 2, 4, 3, 3\)"):
        append_flow_step(path, {"t": 0.1, "E": 0.5}, links=random_su3((2, 2, 2, 2), seed=2))
    assert path.read_bytes() == before


def test_failed_append_leaves_old_file(tmp_path, links, monkeypatch):
    path = tmp_path / "flow.h5"
    write_checkpoint(path, links, history={"t": [0.0]})
    before = path.read_bytes()

    def fail_replace(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail_replace)
    with pytest.raises(OSError, match="disk full"):
        append_flow_step(path, {"t": 0.1}, links=links)
    assert path.read_bytes() == before
    assert [entry.name for entry in tmp_path.iterdir()] == ["flow.h5"]


def test_write_into_missing_directory(tmp_path, links):
    pattern = r"directory .*absent does not exist; create it before writing c\.lime"
    with pytest.raises(FileNotFoundError, match=pattern):
        write_configuration(tmp_path / "absent" / "c.lime", links, "ildg")


def test_checkpoint_rejects_reserved_attribute(tmp_path, links):
    with pytest.raises(ValueError, match=r"attributes \['beta'\] are reserved"):
        write_checkpoint(tmp_path / "c.h5", links, attributes={"beta": 6.0})
