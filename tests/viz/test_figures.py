import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage

from geomwork.viz import plot_energy_history, plot_flow_observables, plot_merge_tree

from .image_stats import foreground_fraction, load_rgb

TIMES = np.linspace(0.0, 2.0, 21)


@pytest.fixture
def clustered_linkage():
    generator = np.random.default_rng(5)
    centres = [(0.0, 0.0), (4.0, 0.0), (0.0, 4.0)]
    points = np.concatenate([generator.normal(centre, 0.3, size=(6, 2)) for centre in centres])
    return linkage(points, method="average")


def test_flow_observables_size_and_content(tmp_path):
    path, figure = plot_flow_observables(
        TIMES,
        tmp_path / "flow.png",
        action=8 * np.pi**2 * (1 + np.exp(-TIMES)),
        charge=1 - 0.5 * np.exp(-TIMES),
        energy_density=0.2 / (TIMES + 0.1),
        size=(640, 480),
        return_figure=True,
    )
    rgb = load_rgb(path)
    assert rgb.shape == (480, 640, 3)
    assert 0.02 < foreground_fraction(rgb) < 0.4
    assert len(figure.axes) == 2
    top_lines = figure.axes[0].get_lines()
    np.testing.assert_allclose(top_lines[0].get_ydata(), 1 + np.exp(-TIMES))  # S / 8 pi^2
    np.testing.assert_allclose(figure.axes[1].get_lines()[0].get_ydata(), TIMES**2 * 0.2 / (TIMES + 0.1))


def test_flow_observables_log_action_for_noisy_start(tmp_path):
    action = 8 * np.pi**2 * (1 + 1000 * np.exp(-5 * TIMES))
    charge = 0.9 - 0.3 * np.exp(-5 * TIMES)
    path, figure = plot_flow_observables(TIMES, tmp_path / "noisy.png", action=action, charge=charge,
                                         return_figure=True)
    top, charge_axis = figure.axes
    assert top.get_yscale() == "log"
    assert charge_axis.get_yscale() == "linear"
    np.testing.assert_allclose(top.get_lines()[0].get_ydata(), action / (8 * np.pi**2))
    np.testing.assert_allclose(charge_axis.get_lines()[0].get_ydata(), charge)
    assert [text.get_text() for text in top.get_legend().get_texts()] == [r"$S/8\pi^2$", r"$Q$"]
    assert 0.02 < foreground_fraction(load_rgb(path)) < 0.4


def test_flow_observables_reference_line_only_when_reached(tmp_path):
    _, reached = plot_flow_observables(TIMES, tmp_path / "reached.png", energy_density=0.2 / (TIMES + 0.1),
                                       return_figure=True)
    labels = [line.get_label() for line in reached.axes[0].get_lines()]
    assert labels == [r"$t^2\langle E\rangle$", r"$t^2\langle E\rangle = 0.3$"]
    _, far = plot_flow_observables(TIMES, tmp_path / "far.png", energy_density=0.001 / (TIMES + 0.1),
                                   return_figure=True)
    assert [line.get_label() for line in far.axes[0].get_lines()] == [r"$t^2\langle E\rangle$"]
    assert far.axes[0].texts[0].get_text() == r"$t^2\langle E\rangle < 0.15$: $t_0$ not reached"


def test_flow_observables_log_action_needs_positive_action(tmp_path):
    with pytest.raises(ValueError, match=r"log_action=True needs a positive action; pass log_action=False"):
        plot_flow_observables(TIMES, tmp_path / "bad.png", action=TIMES - 1, log_action=True)
    assert list(tmp_path.iterdir()) == []


def test_flow_observables_single_panel(tmp_path):
    path, figure = plot_flow_observables(TIMES, tmp_path / "q.png", charge=np.ones_like(TIMES), return_figure=True)
    assert len(figure.axes) == 1
    assert load_rgb(path).shape == (600, 800, 3)


@pytest.mark.parametrize(
    ("times", "kwargs", "match"),
    [
        (TIMES, {}, r"nothing to plot: pass at least one of action=, charge= or energy_density="),
        (TIMES[::-1], {"charge": TIMES}, r"flow_time decreases at index 0 \(2 then 1.9\); sort"),
        (TIMES, {"charge": TIMES[:5]}, r"charge has shape \(5,\); expected \(21,\), one value per entry of flow_time"),
        (TIMES, {"action": np.full_like(TIMES, np.nan)}, r"action contains 21 NaN"),
        (np.array([]), {"charge": []}, r"flow_time has 0 flow times"),
        (TIMES, {"charge": TIMES, "size": (800, 0)}, r"window_size=\(800, 0\) is outside"),
    ],
)
def test_flow_observables_rejects_bad_input(tmp_path, times, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_flow_observables(times, tmp_path / "bad.png", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_energy_history_log_scale_chosen(tmp_path):
    energy = np.exp(-np.arange(60) / 5.0)
    path, figure = plot_energy_history(energy, tmp_path / "energy.png", size=(400, 300), return_figure=True)
    assert load_rgb(path).shape == (300, 400, 3)
    assert figure.axes[0].get_yscale() == "log"


def test_energy_history_several_runs(tmp_path):
    runs = {"gradient descent": 2.0 - np.linspace(0, 1, 30), "cooling": 1.5 - np.linspace(0, 1, 50)}
    path, figure = plot_energy_history(runs, tmp_path / "runs.png", return_figure=True)
    assert figure.axes[0].get_yscale() == "linear"
    assert [line.get_label() for line in figure.axes[0].get_lines()] == list(runs)
    assert 0.01 < foreground_fraction(load_rgb(path)) < 0.4


@pytest.mark.parametrize(
    ("energy", "kwargs", "match"),
    [
        ({}, {}, r"energy is an empty mapping"),
        ([], {}, r"energy has 0 iterations"),
        (np.array([1.0, -1.0]), {"log_scale": True}, r"log_scale=True but energy has values <= 0 \(minimum -1\)"),
        ({"run": np.ones((2, 2))}, {}, r"energy\['run'\] has shape \(2, 2\)"),
    ],
)
def test_energy_history_rejects_bad_input(tmp_path, energy, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_energy_history(energy, tmp_path / "bad.png", **kwargs)


def test_merge_tree_counts_islands(tmp_path, clustered_linkage):
    path, figure = plot_merge_tree(clustered_linkage, tmp_path / "tree.png", threshold=2.0, return_figure=True)
    assert load_rgb(path).shape == (600, 800, 3)
    assert figure.axes[0].get_title() == "3 islands below merge distance 2"
    assert 0.01 < foreground_fraction(load_rgb(path)) < 0.4


def test_merge_tree_colours_each_island(tmp_path, clustered_linkage):
    path = plot_merge_tree(clustered_linkage, tmp_path / "tree.png", threshold=2.0)
    rgb = load_rgb(path).reshape(-1, 3).astype(int)
    saturated = rgb[(rgb.max(axis=1) - rgb.min(axis=1)) > 80]
    distinct = np.unique(saturated // 32, axis=0, return_counts=True)[1]
    assert (distinct > 50).sum() >= 3


@pytest.mark.parametrize(
    ("matrix", "kwargs", "match"),
    [
        (np.zeros((3, 3)), {}, r"linkage has shape \(3, 3\); expected \(n - 1, 4\)"),
        (np.array([[0.0, 1.0, -1.0, 2.0]]), {}, r"linkage\[0, 2\] = -1 is a negative merge distance"),
        (np.array([[0.0, 1.0, 1.0, 2.0], [0.0, 2.0, 2.0, 3.0]]), {}, r"uses the same cluster more than once.*build it"),
        (None, {"labels": ["a", "b"]}, r"labels has 2 entries but linkage joins 18 leaves"),
        (None, {"threshold": -1.0}, r"threshold=-1.0 must be a finite merge distance >= 0"),
    ],
)
def test_merge_tree_rejects_bad_input(tmp_path, clustered_linkage, matrix, kwargs, match):
    matrix = clustered_linkage if matrix is None else matrix
    with pytest.raises(ValueError, match=match):
        plot_merge_tree(matrix, tmp_path / "bad.png", **kwargs)


def test_figure_error_leaves_no_file(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    def fail(*args, **kwargs):
        raise OSError("disk full")

    target = tmp_path / "flow.png"
    monkeypatch.setattr(Figure, "savefig", fail)
    with pytest.raises(OSError, match="disk full"):
        plot_flow_observables(TIMES, target, charge=TIMES)
    assert list(tmp_path.iterdir()) == []
