import numpy as np
import pytest

from geomwork.viz import animate_isosurfaces, default_levels, plot_isosurfaces

from .image_stats import bottom_band, central_band, foreground_fraction, frame_count, load_rgb

SIZE = (320, 240)
AXIS = np.linspace(-2.0, 2.0, 20)
X, Y, Z = np.meshgrid(AXIS, AXIS, AXIS, indexing="ij")
SPACING = (AXIS[1] - AXIS[0],) * 3
ORIGIN = (AXIS[0],) * 3


def bump(width=0.6):
    """An action-density-like bump: positive, peaked at the origin."""
    return np.exp(-(X**2 + Y**2 + Z**2) / width)


def dipole():
    """A charge-density-like field: positive for x > 0, negative for x < 0."""
    return X * np.exp(-(X**2 + Y**2 + Z**2))


def test_default_levels_unsigned_field():
    levels = default_levels(bump())
    field = bump()
    expected = field.min() + np.array([0.25, 0.5, 0.75]) * (field.max() - field.min())
    np.testing.assert_allclose(levels, expected)


def test_default_levels_signed_field():
    field = dipole()
    peak = np.abs(field).max()
    np.testing.assert_allclose(default_levels(field), np.array([-0.6, -0.3, 0.3, 0.6]) * peak)


def test_default_levels_constant_field():
    assert default_levels(np.full((3, 3, 3), 2.0)).size == 0


def test_isosurface_picture_size_and_content(tmp_path, offscreen):
    path = plot_isosurfaces(bump(), tmp_path / "bump.png", spacing=SPACING, origin=ORIGIN, window_size=SIZE)
    rgb = load_rgb(path)
    assert rgb.shape == (240, 320, 3)
    assert 0.03 < foreground_fraction(central_band(rgb)) < 0.6


def test_isosurface_signed_field_shows_both_signs(tmp_path, offscreen):
    path = plot_isosurfaces(dipole(), tmp_path / "dipole.png", field_name="charge density", window_size=SIZE)
    scene = central_band(load_rgb(path)).astype(int)
    reddish = ((scene[..., 0] - scene[..., 2]) > 60).mean()
    bluish = ((scene[..., 2] - scene[..., 0]) > 60).mean()
    assert reddish > 0.01
    assert bluish > 0.01


def test_isosurface_explicit_levels_outside_field(tmp_path, offscreen, caplog):
    path = plot_isosurfaces(bump(), tmp_path / "empty.png", levels=[5.0], window_size=SIZE)
    assert path.exists()
    assert "no isosurface of action density" in caplog.text


def test_isosurface_gif_one_frame_per_step(tmp_path, offscreen):
    fields = [bump(width) for width in (0.3, 0.6, 0.9, 1.2)]
    path = animate_isosurfaces(fields, tmp_path / "flow.gif", times=[0.0, 0.1, 0.2, 0.3], window_size=SIZE)
    assert frame_count(path) == 4
    first = load_rgb(path, 0)
    assert first.shape == (240, 320, 3)
    assert foreground_fraction(central_band(first)) > 0.03
    assert foreground_fraction(bottom_band(load_rgb(path, 3))) > 0.1


def test_isosurface_gif_fixed_levels_show_growth(tmp_path, offscreen):
    # With fixed levels and a fixed camera, a widening bump covers more of each later frame.
    stacked = np.stack([bump(width) for width in (0.3, 1.5)])
    path = animate_isosurfaces(stacked, tmp_path / "grow.gif", levels=[0.5], opacity=1.0, window_size=SIZE)
    assert frame_count(path) == 2
    narrow = foreground_fraction(central_band(load_rgb(path, 0)))
    wide = foreground_fraction(central_band(load_rgb(path, 1)))
    assert wide > narrow


def test_isosurface_gif_constant_frame_draws_outline(tmp_path, offscreen):
    fields = [bump(), np.zeros_like(X)]
    path = animate_isosurfaces(fields, tmp_path / "vanish.gif", window_size=SIZE)
    assert frame_count(path) == 2


@pytest.mark.parametrize(
    ("field", "kwargs", "match"),
    [
        (np.zeros((4, 4)), {}, r"field has shape \(4, 4\); expected \(nx, ny, nz\)"),
        (np.ones((4, 4, 4)), {}, r"field is constant \(1\) so it has no isosurfaces; pass levels="),
        (np.where(X > 0, np.nan, 1.0), {}, r"field contains 4000 NaN"),
        (bump(), {"spacing": (1.0, 0.0, 1.0)}, r"spacing=\(1.0, 0.0, 1.0\) must be three finite positive numbers"),
        (bump(), {"levels": []}, r"levels has shape \(0,\); pass a non-empty list"),
        (bump(), {"opacity": 0.0}, r"opacity=0.0 is outside \(0, 1\]"),
    ],
)
def test_isosurface_rejects_bad_input(tmp_path, field, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_isosurfaces(field, tmp_path / "bad.png", **kwargs)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("fields", "kwargs", "match"),
    [
        ([], {}, r"fields is empty; pass at least one frame"),
        (np.zeros((3, 4, 4)), {}, r"fields has shape \(3, 4, 4\); expected a sequence of arrays"),
        ([bump(), np.zeros((4, 4))], {}, r"fields\[1\] has shape \(4, 4\)"),
        ([bump()], {"times": [0.0, 1.0]}, r"times has shape \(2,\); expected \(1,\)"),
        ([bump()], {"times": [np.inf]}, r"times contains 1 NaN or infinite"),
    ],
)
def test_isosurface_gif_rejects_bad_input(tmp_path, fields, kwargs, match):
    with pytest.raises(ValueError, match=match):
        animate_isosurfaces(fields, tmp_path / "bad.gif", **kwargs)
    assert list(tmp_path.iterdir()) == []
