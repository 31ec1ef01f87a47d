"""The geomwork lattice commands: generate, flow, resume from checkpoints, and bad input."""

import pytest
import torch
from typer.testing import CliRunner

from geomwork.cli import app
from geomwork.numeric.io import read_checkpoint, read_configuration

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def invoke(*arguments):
    return runner.invoke(app, ["lattice", *map(str, arguments)])


def generate(out, sweeps, *extra):
    return invoke("generate", "--group", "su3", "--size", 4, "--beta", 6.0, "--sweeps", sweeps,
                  "--seed", 5, "--out", out, *extra)


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory):
    """A 4^4 SU(3) chain of 4 sweeps without interruption, written as ILDG."""
    folder = tmp_path_factory.mktemp("straight")
    result = generate(folder / "cfg.lime", 4)
    assert result.exit_code == 0, result.output
    return folder / "cfg.lime", result.output


def test_generate_prints_plaquette(straight_run):
    path, output = straight_run
    configuration = read_configuration(path)
    assert f"plaquette {configuration.measured['plaquette']:.10f}" in output
    assert 0.4 < configuration.measured["plaquette"] < 0.9


def test_generate_resume_matches_straight_run(straight_run, tmp_path):
    """Two sweeps with a checkpoint, then a resumed run to four, give the straight run's links."""
    checkpoint = tmp_path / "chain.h5"
    first = generate(tmp_path / "half.lime", 2, "--checkpoint", checkpoint)
    assert first.exit_code == 0, first.output
    assert read_checkpoint(checkpoint).step == 2

    resumed = generate(tmp_path / "cfg.lime", 4, "--checkpoint", checkpoint, "--resume")
    assert resumed.exit_code == 0, resumed.output
    expected = read_configuration(straight_run[0]).links
    assert torch.equal(read_configuration(tmp_path / "cfg.lime").links, expected)
    assert read_checkpoint(checkpoint).step == 4


def test_flow_resume_matches_straight_flow(straight_run, tmp_path):
    """A flow stopped at t = 0.1 and resumed to t = 0.2 ends with the straight flow's links and history."""
    path = straight_run[0]
    straight = invoke("flow", path, "--t-max", 0.2, "--step", 0.05, "--out", tmp_path / "straight.h5")
    assert straight.exit_code == 0, straight.output
    assert "plaquette at t = 0: " in straight.output
    assert "Q = " in straight.output

    half = invoke("flow", path, "--t-max", 0.1, "--step", 0.05, "--out", tmp_path / "resumed.h5")
    assert half.exit_code == 0, half.output
    resumed = invoke("flow", path, "--t-max", 0.2, "--step", 0.05, "--out", tmp_path / "resumed.h5", "--resume")
    assert resumed.exit_code == 0, resumed.output

    expected = read_checkpoint(tmp_path / "straight.h5")
    found = read_checkpoint(tmp_path / "resumed.h5")
    assert torch.equal(found.links, expected.links)
    for name, values in expected.history.items():
        assert found.history[name].tolist() == values.tolist()
    assert len(found.history["t"]) == 5


def test_flow_prints_t0(tmp_path):
    """t0 is printed once t^2 E crosses 0.3 (a hot 4^4 SU(2) field flows there quickly)."""
    from geomwork.numeric import LatticeGaugeField
    from geomwork.numeric.io import write_checkpoint

    field = LatticeGaugeField.random((4, 4, 4, 4), "su2", generator=torch.Generator().manual_seed(3))
    write_checkpoint(tmp_path / "hot.h5", field.links, group="su2")
    result = invoke("flow", tmp_path / "hot.h5", "--t-max", 0.5, "--step", 0.05, "--out", tmp_path / "flow.h5")
    assert result.exit_code == 0, result.output
    assert "t0 = " in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--group", "sp4"), "unknown group 'sp4'"),
        (("--size", 5), "lattice size 5 is invalid; checkerboard updates need an even size"),
        (("--out", "cfg.txt"), "cannot tell the format of cfg.txt"),
        (("--format", "openqcd"), "unknown output format 'openqcd'"),
        (("--group", "su2"), "format ildg stores SU(3) fields only"),
        (("--resume",), "--resume needs --checkpoint FILE"),
    ],
)
def test_generate_bad_input_is_usage_error(tmp_path, arguments, message):
    defaults = {"--group": "su3", "--size": 4, "--sweeps": 1, "--out": tmp_path / "cfg.lime"}
    options = dict(defaults)
    flags = []
    for index in range(0, len(arguments), 2):
        if index + 1 < len(arguments):
            options[arguments[index]] = arguments[index + 1]
        else:
            flags.append(arguments[index])
    line = [item for pair in options.items() for item in pair] + flags
    result = invoke("generate", *line)
    assert result.exit_code == 2
    assert message in result.output


def test_generate_resume_without_checkpoint_file(tmp_path):
    result = generate(tmp_path / "cfg.lime", 2, "--checkpoint", tmp_path / "missing.h5", "--resume")
    assert result.exit_code == 2
    assert "not found; run without --resume" in result.output


def test_flow_missing_file_is_usage_error(tmp_path):
    result = invoke("flow", tmp_path / "missing.lime", "--t-max", 0.1, "--out", tmp_path / "flow.h5")
    assert result.exit_code == 2
    assert "missing.lime not found" in result.output


def test_flow_unknown_format_is_usage_error(tmp_path):
    path = tmp_path / "noise.bin"
    path.write_bytes(b"not a gauge configuration")
    result = invoke("flow", path, "--t-max", 0.1, "--out", tmp_path / "flow.h5")
    assert result.exit_code == 2
    assert "unknown configuration format" in result.output


def test_generate_missing_output_folder_fails_before_work(tmp_path):
    result = runner.invoke(app, ["lattice", "generate", "--group", "su2", "--size", "4", "--sweeps", "1",
                                 "--out", str(tmp_path / "missing" / "cfg.h5")])
    assert result.exit_code == 2
    assert "does not exist; create it first" in result.output
