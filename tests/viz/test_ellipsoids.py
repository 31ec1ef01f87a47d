import os
import stat

import numpy as np
import pytest

from geomwork.viz import AXIS_COLOURS, plot_gram_ellipsoids, plot_island_ellipsoids, principal_axes

from .image_stats import central_band, foreground_fraction, load_rgb, occupied_hue_bins

SIZE = (320, 240)


@pytest.fixture
def slice_samples():
    """A 4x4x4 grid of sample points with random frame Gram matrices A^T A and a Gaussian density."""
    generator = np.random.default_rng(7)
    axis = np.linspace(-1.5, 1.5, 4)
    points = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1).reshape(-1, 3)
    frames = generator.normal(scale=0.4, size=(len(points), 3, 3))
    gram = np.einsum("nai,naj->nij", frames, frames)
    density = np.exp(-(points**2).sum(axis=1))
    return points, gram, density


def test_principal_axes_are_covariance_eigenvectors():
    generator = np.random.default_rng(3)
    points = generator.normal(size=(500, 3)) @ np.diag([3.0, 1.0, 0.3]) + np.array([1.0, -2.0, 0.5])
    mean, variances, axes = principal_axes(points)
    covariance = np.cov(points, rowvar=False)

    np.testing.assert_allclose(mean, points.mean(axis=0), atol=1e-12)
    for variance, axis in zip(variances, axes):
        np.testing.assert_allclose(covariance @ axis, variance * axis, atol=1e-10)
    np.testing.assert_allclose(axes @ axes.T, np.eye(3), atol=1e-12)
    assert np.all(np.diff(variances) <= 0)
    assert abs(axes[0, 0]) > 0.99  # the x direction has the largest spread


def test_principal_axes_need_two_points():
    with pytest.raises(ValueError, match=r"points has 1 points; at least 2 are needed"):
        principal_axes(np.zeros((1, 3)))


def test_gram_picture_size_and_content(tmp_path, offscreen, slice_samples):
    points, gram, density = slice_samples
    path = plot_gram_ellipsoids(points, gram, density, tmp_path / "gram.png", window_size=SIZE, title="slice")

    assert path == tmp_path / "gram.png"
    rgb = load_rgb(path)
    assert rgb.shape == (240, 320, 3)
    assert 0.02 < foreground_fraction(rgb) < 0.6
    assert [p.name for p in tmp_path.iterdir()] == ["gram.png"]


def test_gram_colour_follows_density(tmp_path, offscreen, slice_samples):
    points, gram, density = slice_samples
    common = {"window_size": SIZE, "show_axes_arrows": False, "clim": (0.0, 1.0)}
    varying = plot_gram_ellipsoids(points, gram, density, tmp_path / "varying.png", **common)
    constant = plot_gram_ellipsoids(points, gram, np.full_like(density, 0.5), tmp_path / "constant.png", **common)

    varying_bins = occupied_hue_bins(central_band(load_rgb(varying)))
    constant_bins = occupied_hue_bins(central_band(load_rgb(constant)))
    assert varying_bins >= constant_bins + 2, (varying_bins, constant_bins)


def test_gram_arrows_use_axis_colours(tmp_path, offscreen, slice_samples):
    points, gram, density = slice_samples
    stretched = points * np.array([3.0, 1.0, 0.5])
    path = plot_gram_ellipsoids(stretched, gram, density, tmp_path / "arrows.png", window_size=SIZE)
    rgb = central_band(load_rgb(path)).reshape(-1, 3).astype(int)
    red = np.array([int(AXIS_COLOURS[0][i : i + 2], 16) for i in (1, 3, 5)])
    near_red = (np.abs(rgb - red).sum(axis=1) < 90).mean()
    assert near_red > 0.002


def test_gram_accepts_torch_and_returns_plotter(tmp_path, offscreen, slice_samples):
    torch = pytest.importorskip("torch")
    points, gram, density = (torch.tensor(array, requires_grad=True) for array in slice_samples)
    path, plotter = plot_gram_ellipsoids(
        points, gram, density, tmp_path / "torch.png", window_size=SIZE, camera_position="xy", return_plotter=True
    )
    try:
        assert path.exists()
        assert plotter.window_size == list(SIZE)
        second = plotter.screenshot(return_img=True)
        assert second.shape[:2] == (240, 320)
    finally:
        plotter.close()


def test_gram_error_leaves_no_file(tmp_path, offscreen, slice_samples):
    points, gram, density = slice_samples
    target = tmp_path / "kept.png"
    target.write_bytes(b"older picture")
    with pytest.raises(ValueError, match=r"camera_position='sideways' is not a pyvista camera position"):
        plot_gram_ellipsoids(points, gram, density, target, window_size=SIZE, camera_position="sideways")
    assert target.read_bytes() == b"older picture"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.png"]


def gram_cases():
    points = np.zeros((2, 3))
    good = np.stack([np.eye(3), np.eye(3)])
    density = np.ones(2)
    indefinite = good.copy()
    indefinite[1] = np.diag([1.0, 1.0, -0.5])
    asymmetric = good.copy()
    asymmetric[0, 0, 1] = 0.3
    with_nan = good.copy()
    with_nan[1, 2, 2] = np.nan
    return [
        (points, indefinite, density, r"gram\[1\] is not positive semi-definite: its lowest eigenvalue is -0.5"),
        (points, asymmetric, density, r"gram\[0\] is not symmetric .*pass the symmetric part"),
        (points, with_nan, density, r"gram contains 1 NaN or infinite entries \(first at index \(1, 2, 2\)"),
        (points, good[:1], density, r"gram has shape \(1, 3, 3\); expected \(N, 3, 3\) with N = 2"),
        (points[:, :2], good, density, r"points has shape \(2, 2\); expected \(N, 3\)"),
        (points, good, np.ones(3), r"density has shape \(3,\); expected \(N,\) with N = 2"),
        (np.zeros((0, 3)), good[:0], density[:0], r"points has 0 points; at least 1 are needed"),
    ]


@pytest.mark.parametrize(("points", "gram", "density", "match"), gram_cases())
def test_gram_rejects_bad_input(tmp_path, points, gram, density, match):
    with pytest.raises(ValueError, match=match):
        plot_gram_ellipsoids(points, gram, density, tmp_path / "bad.png")
    assert list(tmp_path.iterdir()) == []


def test_gram_accepts_rounding_negative_eigenvalue(tmp_path, offscreen):
    # A rank-1 Gram matrix whose zero eigenvalues come out slightly negative after rounding.
    vector = np.array([[0.1, 0.7, 0.3]])
    gram = (vector.T @ vector)[None] * np.ones((2, 1, 1))
    gram[:, 2, 2] -= 1e-17
    path = plot_gram_ellipsoids(np.eye(3)[:2], gram, np.ones(2), tmp_path / "rank1.png", window_size=SIZE)
    assert path.exists()


@pytest.mark.parametrize(
    ("path", "error", "match"),
    [
        ("picture.jpg", ValueError, r"does not end in \.png"),
        ("missing/picture.png", FileNotFoundError, r"folder .*missing.* does not exist; create it first"),
    ],
)
def test_gram_rejects_bad_path(tmp_path, slice_samples, path, error, match):
    with pytest.raises(error, match=match):
        plot_gram_ellipsoids(*slice_samples, tmp_path / path)


def test_gram_rejects_sympy_points(tmp_path, slice_samples):
    sympy = pytest.importorskip("sympy")
    _, gram, density = slice_samples
    points = sympy.Matrix(np.zeros((len(density), 3)).tolist())
    with pytest.raises(TypeError, match=r"points is a sympy .*evaluate it first"):
        plot_gram_ellipsoids(points, gram, density, tmp_path / "sym.png")


def test_gram_rejects_bad_window_size(tmp_path, slice_samples):
    with pytest.raises(ValueError, match=r"window_size=\(4, 4\) is outside 16\.\.8192"):
        plot_gram_ellipsoids(*slice_samples, tmp_path / "tiny.png", window_size=(4, 4))


@pytest.fixture
def islands():
    generator = np.random.default_rng(11)
    centres = np.array([[0.0, 0.0, 0.0], [4.0, 0.0, 0.0], [0.0, 4.0, 1.0]])
    covariances = np.stack([np.diag([1.0, 0.2, 0.2]), np.diag([0.2, 1.0, 0.2]), np.diag([0.3, 0.3, 0.8])])
    pooled = np.concatenate([generator.multivariate_normal(c, s, 60) for c, s in zip(centres, covariances)])
    return centres, covariances, pooled


def test_island_picture_size_and_colours(tmp_path, offscreen, islands):
    path = plot_island_ellipsoids(*islands, tmp_path / "islands.png", window_size=SIZE, title="islands")
    rgb = load_rgb(path)
    assert rgb.shape == (240, 320, 3)
    assert 0.05 < foreground_fraction(rgb) < 0.7
    # Three island colours and three arrow colours.
    assert occupied_hue_bins(central_band(rgb)) >= 4


@pytest.mark.parametrize("count", [3, 10])
def test_island_legend_stays_in_upper_right(tmp_path, offscreen, islands, count):
    centres, covariances, pooled = islands
    index = np.arange(count) % 3
    path, plotter = plot_island_ellipsoids(centres[index] + index[:, None], covariances[index], pooled,
                                           tmp_path / "legend.png", window_size=SIZE, return_plotter=True)
    legend = plotter.legend
    x, y = legend.GetPosition()
    width, height = legend.GetPosition2()
    plotter.close()
    assert x + width <= 1.0
    assert y + height <= 1.0
    assert x >= 0.75
    assert height == pytest.approx(0.04 * (count + 3))
    assert path.is_file()


def test_picture_file_mode_follows_umask(tmp_path, offscreen, islands):
    previous = os.umask(0o022)
    try:
        path = plot_island_ellipsoids(*islands, tmp_path / "mode.png", window_size=SIZE)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"covariances": -np.eye(3)[None].repeat(3, axis=0)}, r"covariances\[0\] is not positive semi-definite"),
        ({"pooled": np.zeros((1, 3))}, r"pooled has 1 samples; at least 2 are needed"),
        ({"labels": ["a", "b"]}, r"labels has 2 entries but centres has 3 islands"),
        ({"opacity": 1.5}, r"opacity=1.5 is outside \(0, 1\]"),
        ({"n_std": 0.0}, r"n_std=0.0 must be a positive finite number"),
    ],
)
def test_island_rejects_bad_input(tmp_path, islands, change, match):
    arguments = dict(zip(("centres", "covariances", "pooled"), islands))
    keywords = {key: value for key, value in change.items() if key not in arguments}
    arguments.update({key: value for key, value in change.items() if key in arguments})
    with pytest.raises(ValueError, match=match):
        plot_island_ellipsoids(**arguments, path=tmp_path / "bad.png", **keywords)


@pytest.mark.parametrize("count", [3, 7, 10, 14, 20])
def test_island_colours_distinct_from_each_other_and_axes(count):
    from matplotlib.colors import to_rgb

    from geomwork.viz._ellipsoids import _island_colours

    colours = np.array(_island_colours(count))
    axes = np.array([to_rgb(colour) for colour in AXIS_COLOURS])
    between = np.linalg.norm(colours[:, None] - colours[None], axis=-1)[np.triu_indices(count, 1)]
    to_axes = np.linalg.norm(colours[:, None] - axes[None], axis=-1)
    assert colours.shape == (count, 3)
    assert between.min() > 0.05
    assert to_axes.min() > 0.05
