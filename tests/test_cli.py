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


def test_derive_gauge_bpst():
    result = runner.invoke(app, ["derive", "gauge", "--group", "su2", "--connection", "bpst"])
    assert result.exit_code == 0, result.output
    assert "duality: self-dual (F = *F)" in result.output
    assert "action S (g = 1, over R^4) = 8*pi**2" in result.output
    assert "instanton number k = 1" in result.output
    assert "48*rho**4/(rho**2 + x1**2 + x2**2 + x3**2 + x4**2)**4" in result.output


def test_derive_gauge_dirac_chern_number():
    result = runner.invoke(app, ["derive", "gauge", "-c", "dirac", "-p", "charge=3"])
    assert result.exit_code == 0, result.output
    assert "first Chern number = 3" in result.output


def test_derive_gauge_group_mismatch():
    result = runner.invoke(app, ["derive", "gauge", "-c", "bpst", "-g", "su3"])
    assert result.exit_code == 2
    assert "has structure algebra su(2), not su(3)" in result.output


def test_derive_gauge_unknown_connection():
    result = runner.invoke(app, ["derive", "gauge", "-c", "skyrmion"])
    assert result.exit_code == 2
    assert "unknown catalogue gauge field 'skyrmion'" in result.output


def test_codegen_writes_standalone_module(tmp_path):
    import subprocess
    import sys

    output = tmp_path / "kernels.py"
    result = runner.invoke(app, ["codegen", "--connection", "bpst", "--quantity", "action-density",
                                 "-o", str(output), "--default", "rho=1.0"])
    assert result.exit_code == 0, result.output
    assert "function action_density(x, *, rho)" in result.output
    script = ("import sys; sys.modules['sympy'] = None; sys.path.insert(0, sys.argv[1]); "
              "import torch, kernels; "
              "print(float(kernels.action_density(torch.zeros(1, 4, dtype=torch.float64))[0]))")
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                         text=True, check=True)
    assert run.stdout.strip() == "48.0"


def test_codegen_unknown_quantity(tmp_path):
    result = runner.invoke(app, ["codegen", "-c", "bpst", "-q", "energy", "-o", str(tmp_path / "k.py")])
    assert result.exit_code == 2
    assert "unknown quantity 'energy'" in result.output
    assert not (tmp_path / "k.py").exists()


def test_codegen_non_numeric_default(tmp_path):
    result = runner.invoke(app, ["codegen", "-c", "bpst", "-o", str(tmp_path / "k.py"), "-d", "rho=big"])
    assert result.exit_code == 2
    assert "default of rho must be a number, got 'big'" in result.output


def test_parameter_value_must_be_plain_expression():
    result = runner.invoke(app, ["derive", "curvature", "-m", "sphere", "-p", "a=__import__('os')"])
    assert result.exit_code == 2
    assert "value of a is invalid" in result.output


def test_parameter_given_twice_is_rejected():
    result = runner.invoke(app, ["derive", "curvature", "-m", "sphere", "-p", "a=1", "-p", "a=2"])
    assert result.exit_code == 2
    assert "a is given twice" in result.output


def test_dirac_charge_must_be_integer():
    result = runner.invoke(app, ["derive", "gauge", "-c", "dirac", "-p", "charge=3/2"])
    assert result.exit_code == 2
    assert "charge n of a Dirac monopole must be an integer" in result.output


def test_codegen_rejects_folder_and_bad_module_name(tmp_path):
    folder = runner.invoke(app, ["codegen", "-c", "bpst", "-o", str(tmp_path)])
    assert folder.exit_code == 2
    assert "is a folder" in folder.output
    dashed = runner.invoke(app, ["codegen", "-c", "bpst", "-o", str(tmp_path / "my-kernels.py")])
    assert dashed.exit_code == 2
    assert "cannot be imported as a Python module" in dashed.output
    assert list(tmp_path.iterdir()) == []


def test_codegen_unknown_default_lists_parameters(tmp_path):
    result = runner.invoke(app, ["codegen", "-c", "bpst", "-o", str(tmp_path / "k.py"), "-d", "r=1"])
    assert result.exit_code == 2
    assert "bpst has no parameter r; its parameters are: rho" in result.output


def test_codegen_instanton_density_needs_4d(tmp_path):
    result = runner.invoke(app, ["codegen", "-c", "wu-yang", "-q", "instanton-density",
                                 "-o", str(tmp_path / "k.py")])
    assert result.exit_code == 2
    assert "Invalid value for --quantity" in result.output
