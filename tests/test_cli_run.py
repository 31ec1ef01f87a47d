"""``geomwork run``: built-in studies, study files, overrides and the errors before any work."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from geomwork.cli import app
from geomwork.studies import SETTINGS

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_help_documents_every_key():
    result = runner.invoke(app, ["run", "--help"])
    assert result.exit_code == 0, result.output
    words = " ".join(result.output.split())
    for setting in SETTINGS:
        assert f"{setting.name} = " in result.output, setting.key
        assert f"Allowed: {setting.describe_allowed()}." in words, setting.key
    assert "[instanton]" in result.output


def test_bad_study_file_stops_before_work(tmp_path):
    study = tmp_path / "study.toml"
    study.write_text('[attention]\nnetworks = 2\n', encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(study), "--out", str(out)])
    assert result.exit_code == 2
    assert result.output == (f"Error: study file {study}: attention.networks = 2 is invalid; allowed: an "
                             "integer >= 3 and <= 500\n")
    assert not out.exists()


def test_unknown_key_in_override_stops_before_work(tmp_path):
    result = runner.invoke(app, ["run", "instanton", "--set", "instanton.beta=6", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.output == ("Error: --set: unknown key instanton.beta; the keys of [instanton] are: "
                             "group, lattice, size, noise_beta, noise_sweeps, flow_time, flow_step, measure_every, frames\n")
    assert list(tmp_path.iterdir()) == []


def test_study_that_is_neither_built_in_nor_toml(tmp_path):
    result = runner.invoke(app, ["run", "instantons", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.output == ("Error: study file instantons: the name must end in .toml, or be one of the "
                             "built-in studies: all, instanton, attention, ricci\n")


def test_existing_output_file_is_refused(tmp_path):
    out = tmp_path / "out"
    out.write_text("not a folder")
    result = runner.invoke(app, ["run", "ricci", "--out", str(out)])
    assert result.exit_code == 2
    assert result.output == f"Error: output {out} is a file; give a folder name, e.g. --out {out}-run\n"


def test_run_one_part_with_overrides(tmp_path):
    from geomwork.viz import offscreen_rendering_support

    support = offscreen_rendering_support()
    if not support.available:
        pytest.skip(support.reason)
    out = tmp_path / "ricci-run"
    result = runner.invoke(app, ["run", "ricci", "--out", str(out), "--no-progress",
                                 "--set", "ricci.points=32", "--set", "ricci.frames=2"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["parts"] == ["ricci"]
    assert summary["settings"]["ricci"]["points"] == 32
    assert "ricci: Ricci flow of a sphere of revolution" in result.output
    assert (f"  Ricci flow: extinction at t = {summary['ricci']['extinction_time']:.4f} against "
            f"A0/8pi = {summary['ricci']['predicted_extinction_time']:.4f}") in result.output
    assert result.output.rstrip().endswith(f"open {out / 'report.html'}")


def test_command_line_starts_without_torch():
    # --help and study-file checks should not wait for torch, h5py or the layers.
    script = "import sys, geomwork.cli, geomwork.studies; print('torch' in sys.modules, 'h5py' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "False False"
