"""``run_study`` on a reduced study: every file written, the numbers right, the pictures not blank."""

import errno
import json
import math
import pathlib
import subprocess
import sys

import h5py
import numpy as np
import pytest
import torch

from geomwork.studies import StudyError, load_study, run_study

from ..viz.image_stats import foreground_fraction, frame_count, load_rgb

REDUCED = """
[study]
name = "reduced study"
seed = 1

[instanton]
lattice = [12, 12, 12, 12]
size = 3.0
noise_sweeps = 1
flow_time = 1.0
flow_step = 0.1
measure_every = 2
frames = 3

[attention]
networks = 5
widths = [16, 24]
epochs = 60
dimension = 6

[ricci]
points = 32
frames = 3

[pictures]
window_size = [320, 240]
animation_size = [200, 160]
figure_size = [400, 300]
"""

PICTURES = {
    "action_density.png": (320, 240), "charge_density.png": (320, 240),
    "instanton_ellipsoids.png": (320, 240), "attention_islands.png": (320, 240),
    "attention_digits.png": (320, 240), "wilson_flow.gif": (200, 160), "charge_flow.gif": (200, 160),
    "ricci_flow.gif": (200, 160),
    "flow_observables.png": (400, 300), "attention_energy.png": (400, 300), "merge_tree.png": (400, 300),
}
KERNELS = ["kernels/action_density.py", "kernels/field_strength.py", "kernels/instanton_density.py",
           "kernels/potential.py"]


@pytest.fixture(scope="module")
def study(tmp_path_factory, offscreen):
    folder = tmp_path_factory.mktemp("study")
    path = folder / "reduced.toml"
    path.write_text(REDUCED, encoding="utf-8")
    stages = []
    result = run_study(load_study(path), folder / "out", stage_callback=lambda part, text: stages.append(part))
    return result, stages


@pytest.fixture(scope="module")
def offscreen():
    from geomwork.viz import offscreen_rendering_support

    support = offscreen_rendering_support()
    if not support.available:
        pytest.skip(support.reason)
    return support


def test_every_listed_file_is_written(study):
    result, stages = study
    written = sorted(str(path.relative_to(result.folder)) for path in result.files)
    expected = sorted([*PICTURES, *KERNELS, "data.h5", "report.html", "study.toml", "summary.json"])
    assert written == expected
    assert result.summary["files"] == expected
    assert json.loads((result.folder / "summary.json").read_text()) == result.summary
    assert stages[0] == "instanton"
    assert stages[-1] == "ricci"
    assert not list(result.folder.parent.glob(".out.partial-*"))


def test_symbolic_instanton_is_verified_exactly(study):
    symbolic = study[0].summary["instanton"]["symbolic"]
    assert symbolic["action"] == "8*pi**2/g**2"
    assert symbolic["action_is_8pi2_over_g2"] is True
    assert symbolic["action_over_8pi2_at_g_1"] == 1.0
    assert symbolic["self_dual"] is True
    assert symbolic["instanton_number"] == 1
    assert symbolic["action_density_is_48rho4_over_r2_plus_rho2_to_4"] is True


def test_generated_kernels_agree_with_mpmath_and_import_alone(study):
    result = study[0]
    kernels = result.summary["instanton"]["kernels"]
    assert sorted(kernels) == ["action-density", "field-strength", "instanton-density", "potential"]
    for report in kernels.values():
        assert report["max_relative_error_against_mpmath"] < 1e-13
    namespace = {}
    source = (result.folder / "kernels/action_density.py").read_text()
    exec(compile(source, "action_density.py", "exec"), namespace)
    origin = torch.zeros(1, 4, dtype=torch.float64)
    # 48 rho^4 / (r^2 + rho^2)^4 at r = 0 is 48 / rho^4.
    assert float(namespace["action_density"](origin, rho=2.0)[0]) == pytest.approx(3.0, rel=1e-15)


def test_flow_recovers_the_charge_hidden_by_noise(study):
    instanton = study[0].summary["instanton"]
    lattice, flow = instanton["lattice"], instanton["flow"]
    # A 12^4 box with rho = 3 contains about 0.9 of the unit charge. The noise changes Q and the
    # flow brings it back to the smooth field's value.
    assert 0.85 < lattice["initial_charge"] < 0.95
    assert abs(lattice["noisy_charge"] - lattice["initial_charge"]) > 0.05
    assert abs(flow["abs_charge"] - 1) < 0.15
    assert flow["abs_charge"] == pytest.approx(abs(lattice["initial_charge"]), abs=0.02)
    assert lattice["noisy_action_over_8pi2"] > 10
    assert 1.0 < flow["action_over_8pi2"] < 1.6
    assert flow["action_never_increases"] is True
    assert flow["steps"] == 10
    assert flow["measurements"] == 7


def test_data_file_holds_the_series(study):
    result = study[0]
    with h5py.File(result.folder / "data.h5") as data:
        t = data["instanton/flow/t"][:]
        charge = data["instanton/flow/topological_charge"][:]
        # Segments of 5 steps each, measured every 2 steps and at their ends.
        assert np.allclose(t, [0.0, 0.2, 0.4, 0.5, 0.7, 0.9, 1.0])
        assert charge[-1] == result.summary["instanton"]["flow"]["charge"]
        assert data["instanton/frames/action_density"].shape == (3, 12, 12, 12, 12)
        assert data["instanton/flowed_links"].shape == (12, 12, 12, 12, 4, 2, 2)
        labels = data["attention/island_labels"][:]
        assert data["attention/gauges"].shape == (5, 6, 6)
        assert data["ricci/saved_profiles"].shape[1] == 33
        settings = json.loads(data.attrs["settings"])
    assert len(np.unique(labels)) == result.summary["attention"]["island_count"]
    assert settings["instanton"]["lattice"] == [12, 12, 12, 12]


def test_attention_summary(study):
    attention = study[0].summary["attention"]
    assert attention["networks"] == 5
    assert 1 <= attention["island_count"] <= 5
    assert sum(attention["island_sizes"]) == 5
    assert math.isclose(sum(attention["network_weights"]), 1.0, rel_tol=1e-12)
    assert attention["relaxation"]["objective_end"] <= attention["relaxation"]["objective_start"]
    # Each network saw 8 of the 10 classes; pooling covers all ten.
    assert attention["moduli_attention_accuracy"] > attention["best_network_accuracy"]


def test_ricci_extinction_time(study):
    ricci = study[0].summary["ricci"]
    assert ricci["singularity"] == "extinction"
    # 32 grid intervals: the extinction time A0/8pi is met to a few per cent.
    assert abs(ricci["relative_difference"]) < 0.05


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_picture_size_and_content(study, name):
    path = study[0].folder / name
    rgb = load_rgb(path)
    assert (rgb.shape[1], rgb.shape[0]) == PICTURES[name]
    assert foreground_fraction(rgb) > 0.02
    assert rgb.std() > 10
    if name.endswith(".gif"):
        assert frame_count(path) == 3


def test_report_shows_every_picture_and_the_numbers(study):
    result = study[0]
    report = (result.folder / "report.html").read_text()
    for name in PICTURES:
        assert f'<img src="{name}"' in report
    assert "<tr><th>symbolic.action</th><td>8*pi**2/g**2</td></tr>" in report
    assert f"<tr><th>island_count</th><td>{result.summary['attention']['island_count']}</td></tr>" in report


def test_headline_rows(study):
    result = study[0]
    rows = dict(result.headline())
    flow = result.summary["instanton"]["flow"]
    assert rows["exact BPST"] == "self-dual True, S = 8*pi**2/g**2, k = 1"
    assert rows["Wilson flow to t = 1"] == f"S/8pi^2 = {flow['action_over_8pi2']:.3f}, Q = {flow['charge']:.3f}"
    assert rows["islands"].startswith(f"{result.summary['attention']['island_count']} of sizes ")
    assert list(rows)[-1] == "Ricci flow"


def test_notebook_view_embeds_every_picture(study):
    result = study[0]
    view = result._repr_html_()
    assert view.count('src="data:image/png;base64,') == 8
    assert view.count('src="data:image/gif;base64,') == 3
    assert "<tr><th>exact BPST</th><td>self-dual True, S = 8*pi**2/g**2, k = 1</td></tr>" in view
    report = (result.folder / "report.html").read_text()
    assert "<h2>Key results</h2>" in report


def test_existing_output_is_refused_before_work(study):
    result = study[0]
    config = load_study(result.folder / "study.toml")
    with pytest.raises(StudyError) as error:
        run_study(config, result.folder)
    assert str(error.value) == (f"output folder {result.folder} is not empty; choose another with "
                                "--out or replace it with --overwrite")


def test_failed_run_leaves_no_folder(tmp_path, offscreen, monkeypatch):
    from geomwork.studies import _run

    def fail(*args, **kwargs):
        raise RuntimeError("stopped on purpose")

    monkeypatch.setitem(_run._RUNNERS, "ricci", fail)
    config = load_study(_write(tmp_path, '[study]\nparts = ["ricci"]\n'))
    with pytest.raises(RuntimeError, match="stopped on purpose"):
        run_study(config, tmp_path / "out")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["study.toml"]


def test_overwrite_replaces_an_earlier_run(tmp_path, offscreen):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    config = load_study(_write(tmp_path, '[study]\nparts = ["ricci"]\n[ricci]\npoints = 16\nframes = 2\n'))
    with pytest.raises(StudyError) as error:
        run_study(config, out)
    assert str(error.value) == f"output folder {out} is not empty; choose another with --out"
    with pytest.raises(StudyError) as error:
        run_study(config, out, overwrite=True)
    assert str(error.value) == (f"output folder {out} is not an earlier geomwork run (it has no summary.json), "
                                "so --overwrite does not replace it; choose another with --out")
    assert (out / "old.txt").read_text() == "old"

    (out / "summary.json").write_text("{}")
    result = run_study(config, out, overwrite=True)
    assert not (out / "old.txt").exists()
    assert (out / "ricci_flow.gif").is_file()
    assert result.summary["parts"] == ["ricci"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out", "study.toml"]


def test_su3_embedding_keeps_action_and_charge():
    from geomwork.codegen import connection_kernel
    from geomwork.numeric import discretise_connection, instanton_action
    from geomwork.studies._instanton import _embed
    from geomwork.symbolic import bpst

    connection = bpst(gauge="singular")
    field = discretise_connection(connection, (6, 6, 6, 6), 1.0, origin=[-2.5] * 4, parameters={"rho": 1.5},
                                  potential=connection_kernel(connection, "potential"))
    embedded = _embed(field, "su3")
    assert embedded.n == 3
    assert float(instanton_action(embedded)) == pytest.approx(float(instanton_action(field)), rel=1e-12)
    assert float(embedded.topological_charge()) == pytest.approx(float(field.topological_charge()), rel=1e-12)
    assert _embed(field, "su2") is field


def _write(folder, text):
    path = folder / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unwritable_place_is_reported_before_work(tmp_path, offscreen, monkeypatch):
    def deny(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    config = load_study(_write(tmp_path, '[study]\nparts = ["ricci"]\n'))
    monkeypatch.setattr(pathlib.Path, "mkdir", deny)
    with pytest.raises(StudyError, match=r"cannot create the work folder .*: Permission denied; choose a "
                                         r"writable place with --out"):
        run_study(config, tmp_path / "out")
    monkeypatch.undo()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["study.toml"]


def test_work_folder_of_a_killed_run_is_removed(tmp_path, offscreen):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True)
    stale = tmp_path / f".out.partial-{finished.stdout.strip()}"
    stale.mkdir()
    (stale / "data.h5").write_bytes(b"half written")
    retired = tmp_path / f".out.replaced-{finished.stdout.strip()}"
    retired.mkdir()
    (retired / "summary.json").write_text("{}")
    config = load_study(_write(tmp_path, '[study]\nparts = ["ricci"]\n[ricci]\npoints = 16\nframes = 2\n'))
    run_study(config, tmp_path / "out")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out", "study.toml"]
