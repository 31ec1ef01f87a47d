"""The geomwork command line."""

from typer.testing import CliRunner

import geomwork
from geomwork.cli import app

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_version_option():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"geomwork {geomwork.__version__}"


def test_derive_curvature_of_schwarzschild():
    result = runner.invoke(app, ["derive", "curvature", "--metric", "schwarzschild"])
    assert result.exit_code == 0, result.output
    assert "Ricci tensor R_bd:\n  0" in result.output
    assert "Kretschmann scalar R_abcd R^abcd = 48*M**2/r**6" in result.output
    assert "Gamma^(theta)_(r theta) = 1/r" in result.output


def test_derive_curvature_with_parameters():
    result = runner.invoke(app, ["derive", "curvature", "-m", "sphere", "-p", "n=3", "-p", "a=2"])
    assert result.exit_code == 0, result.output
    assert "Ricci scalar R = 3/2" in result.output


def test_derive_curvature_latex():
    result = runner.invoke(app, ["derive", "curvature", "-m", "sphere", "--latex"])
    assert result.exit_code == 0, result.output
    assert "\\Gamma^{\\theta_{1}}{}_{\\phi \\phi}" in result.output


def test_verbose_flag_logs_timing():
    result = runner.invoke(app, ["-v", "derive", "curvature", "-m", "euclidean"])
    assert result.exit_code == 0, result.output


def test_unknown_metric_is_a_usage_error():
    result = runner.invoke(app, ["derive", "curvature", "-m", "torus"])
    assert result.exit_code == 2
    assert "unknown catalogue metric 'torus'" in result.output


def test_malformed_parameter_is_a_usage_error():
    result = runner.invoke(app, ["derive", "curvature", "-m", "sphere", "-p", "n3"])
    assert result.exit_code == 2
    assert "expected NAME=VALUE" in result.output


def test_unknown_parameter_is_a_usage_error():
    result = runner.invoke(app, ["derive", "curvature", "-m", "kerr", "-p", "Q=1"])
    assert result.exit_code == 2
    assert "has no parameter 'Q'" in result.output
