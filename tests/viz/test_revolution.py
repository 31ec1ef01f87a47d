import numpy as np
import pytest

from geomwork.viz import animate_ricci_flow, gaussian_curvature_of_revolution

from .image_stats import bottom_band, central_band, foreground_fraction, frame_count, load_rgb, occupied_hue_bins


def sphere_profile(radius, samples=201):
    s = np.linspace(0.0, np.pi, samples)
    return radius * np.sin(s), -radius * np.cos(s), s


@pytest.mark.parametrize("radius", [0.5, 1.0, 3.0])
def test_curvature_sphere_is_inverse_square_radius(radius):
    r, z, s = sphere_profile(radius)
    curvature = gaussian_curvature_of_revolution(r, z, s)
    np.testing.assert_allclose(curvature, 1.0 / radius**2, rtol=1e-3)
    np.testing.assert_allclose(curvature[5:-5], 1.0 / radius**2, rtol=1e-5)


def test_curvature_sphere_with_chord_length_parameter():
    r, z, _ = sphere_profile(2.0)
    curvature = gaussian_curvature_of_revolution(r, z)
    np.testing.assert_allclose(curvature, 0.25, rtol=1e-3)


def test_curvature_sphere_as_graph_of_height():
    # A sphere band as a graph r(z) away from the poles, on heights that bunch towards the ends.
    z = 1.5 * np.sin(np.linspace(-1.2, 1.2, 121)) / np.sin(1.2)
    r = np.sqrt(4.0 - z**2)
    curvature = gaussian_curvature_of_revolution(r, z, z)
    np.testing.assert_allclose(curvature[2:-2], 0.25, rtol=5e-4)
    # One-sided differences at the two ends are only first order.
    np.testing.assert_allclose(curvature, 0.25, rtol=5e-2)


def test_curvature_torus_matches_exact():
    a, b = 3.0, 1.0
    s = np.linspace(0.0, 2.0 * np.pi, 401)
    curvature = gaussian_curvature_of_revolution(a + b * np.cos(s), b * np.sin(s), s)
    exact = np.cos(s) / (b * (a + b * np.cos(s)))
    np.testing.assert_allclose(curvature, exact, atol=1e-4)
    assert curvature[0] > 0  # outer equator, positively curved
    assert curvature[200] < 0  # inner equator, saddle


def test_curvature_catenoid_matches_exact():
    c = 1.0
    z = np.linspace(-1.0, 1.0, 201)
    curvature = gaussian_curvature_of_revolution(c * np.cosh(z / c), z, z)
    exact = -1.0 / (c**2 * np.cosh(z / c) ** 4)
    np.testing.assert_allclose(curvature[2:-2], exact[2:-2], atol=1e-4)
    np.testing.assert_allclose(curvature, exact, atol=5e-3)


def test_curvature_error_is_second_order():
    c = 1.0
    errors = []
    for samples in (51, 101, 201):
        z = np.linspace(-1.0, 1.0, samples)
        curvature = gaussian_curvature_of_revolution(c * np.cosh(z / c), z, z)
        errors.append(np.abs(curvature - (-1.0 / np.cosh(z) ** 4))[4:-4].max())
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all(ratios > 3.5), ratios


def test_curvature_invariant_under_reversal():
    a, b = 3.0, 1.0
    s = np.linspace(0.0, 2.0 * np.pi, 301)
    r, z = a + b * np.cos(s), b * np.sin(s)
    forward = gaussian_curvature_of_revolution(r, z, s)
    backward = gaussian_curvature_of_revolution(r[::-1], z[::-1], s)
    np.testing.assert_allclose(backward[::-1], forward, atol=1e-12)


def test_curvature_accepts_torch_tensors():
    torch = pytest.importorskip("torch")
    r, z, s = sphere_profile(1.0)
    curvature = gaussian_curvature_of_revolution(torch.tensor(r), torch.tensor(z), torch.tensor(s))
    np.testing.assert_allclose(curvature[5:-5], 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    ("radius", "height", "parameter", "match"),
    [
        ([1.0, -0.5, 1.0], [0.0, 1.0, 2.0], None, r"radius\[1\] = -0.5 is negative"),
        ([1.0, 1.0, 1.0], [0.0, 1.0], None, r"height has shape \(2,\); expected \(3,\)"),
        ([1.0, 1.0], [0.0, 1.0], None, r"M >= 3"),
        ([1.0, 1.0, 1.0], [0.0, 1.0, 1.0], None, r"do not advance at index 1"),
        ([1.0, 1.0, 1.0], [0.0, 1.0, 2.0], [0.0, 2.0, 1.0], r"parameter do not advance at index 1"),
        ([1.0, np.nan, 1.0], [0.0, 1.0, 2.0], None, r"radius contains 1 NaN"),
        ([0.0, 0.0, 0.0], [0.0, 1.0, 2.0], None, r"lies on the axis"),
    ],
)
def test_curvature_rejects_bad_profile(radius, height, parameter, match):
    with pytest.raises(ValueError, match=match):
        gaussian_curvature_of_revolution(radius, height, parameter)


def test_curvature_rejects_sympy():
    sympy = pytest.importorskip("sympy")
    with pytest.raises(TypeError, match="radius is a sympy .*lambdify"):
        gaussian_curvature_of_revolution(sympy.Matrix([1, 2, 3]), [0.0, 1.0, 2.0])


def shrinking_sphere(times, samples=81):
    s = np.linspace(0.0, np.pi, samples)
    radii = [np.sqrt(4.0 - 2.0 * t) * np.sin(s) for t in times]
    heights = [-np.sqrt(4.0 - 2.0 * t) * np.cos(s) for t in times]
    return radii, heights


def test_ricci_gif_has_one_frame_per_step(tmp_path, offscreen):
    times = np.linspace(0.0, 1.5, 5)
    radii, heights = shrinking_sphere(times)
    path = animate_ricci_flow(radii, heights, tmp_path / "ricci.gif", times=times, window_size=(240, 200))

    assert path == tmp_path / "ricci.gif"
    assert frame_count(path) == 5
    first, last = load_rgb(path, 0), load_rgb(path, 4)
    assert first.shape == (200, 240, 3)
    assert 0.1 < foreground_fraction(first) < 0.8
    # The camera is fixed on the first frame, so the shrinking sphere covers less of the last one.
    assert foreground_fraction(central_band(last)) < 0.7 * foreground_fraction(central_band(first))
    # Every frame keeps its colour bar.
    assert foreground_fraction(bottom_band(last)) > 0.1


def test_ricci_gif_colour_follows_curvature(tmp_path, offscreen):
    z = np.linspace(-2.0, 2.0, 101)
    neck = np.sqrt(4.0 - z**2) * (1.0 - 0.6 * np.exp(-2.0 * z**2))
    round_ = np.sqrt(4.0 - z**2)
    varying = animate_ricci_flow([neck], z, tmp_path / "neck.gif", window_size=(240, 240), clim=(-3.0, 3.0))
    constant = animate_ricci_flow([round_], z, tmp_path / "round.gif", window_size=(240, 240), clim=(-3.0, 3.0))

    varying_bins = occupied_hue_bins(central_band(load_rgb(varying)))
    constant_bins = occupied_hue_bins(central_band(load_rgb(constant)))
    assert varying_bins > constant_bins


def test_ricci_gif_graph_profile_shares_heights(tmp_path, offscreen):
    z = np.linspace(-1.0, 1.0, 41)
    radii = np.stack([np.cosh(z) * scale for scale in (1.0, 0.9, 0.8)])
    path = animate_ricci_flow(radii, z, tmp_path / "catenoid.gif", window_size=(160, 160))
    assert frame_count(path) == 3


@pytest.mark.parametrize(
    ("radii", "heights", "kwargs", "error", "match"),
    [
        ([], [], {}, ValueError, r"radii is empty"),
        ([np.ones(5)], [np.arange(5.0), np.arange(5.0)], {}, ValueError, r"heights has 2 steps but radii has 1"),
        ([np.ones(5)], np.arange(5.0), {"times": [0.0, 1.0]}, ValueError, r"times has shape \(2,\); expected \(1,\)"),
        ([np.ones(5)], np.arange(5.0), {"frame_duration_ms": 5}, ValueError, r"frame_duration_ms=5 is below 20"),
        ([np.ones(5)], np.arange(5.0), {"n_theta": 3}, ValueError, r"n_theta=3 is below 8"),
        ([np.ones((2, 5))], np.arange(5.0), {}, ValueError, r"radii\[0\] has shape \(2, 5\)"),
        ([np.array([1.0, -1.0, 1.0])], np.arange(3.0), {}, ValueError, r"radii\[0\]\[1\] = -1 is negative"),
        ([np.ones(3)], [np.arange(4.0)], {}, ValueError, r"heights\[0\] has shape \(4,\); expected \(3,\)"),
    ],
)
def test_ricci_gif_rejects_bad_input(tmp_path, radii, heights, kwargs, error, match):
    with pytest.raises(error, match=match):
        animate_ricci_flow(radii, heights, tmp_path / "bad.gif", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_ricci_gif_rejects_png_path(tmp_path):
    with pytest.raises(ValueError, match=r"does not end in \.gif"):
        animate_ricci_flow([np.ones(5)], np.arange(5.0), tmp_path / "flow.png")
