"""Ellipsoid glyphs of 3x3 symmetric PSD matrices beside the principal axes of the sample points."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from ._checks import (
    as_real_array,
    check_finite,
    check_not_empty,
    check_opacity,
    check_positive,
    check_shape,
    colour_limits,
    symmetric_psd_eigh,
)
from ._files import check_output_path
from ._scene import (
    DEFAULT_WINDOW_SIZE,
    apply_camera,
    close_on_error,
    finish,
    new_plotter,
    scalar_bar_args,
    screenshot_png,
)

if TYPE_CHECKING:
    from pathlib import Path

    import pyvista

logger = logging.getLogger("geomwork.viz.ellipsoids")

AXIS_COLOURS = ("#d62728", "#2ca02c", "#1f77b4")
"""Colours of the first, second and third principal axis (red, green, blue)."""

# With scale=None, the 95th percentile of the largest semi-axes spans this fraction of the median
# nearest-neighbour distance, so typical glyphs leave gaps through which inner ones and the arrows show.
_AUTO_SCALE_FRACTION = 0.35
_AUTO_SCALE_PERCENTILE = 95.0


def principal_axes(points: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compute the principal axes (PCA) of sample points in 3D.

    Parameters
    ----------
    points
        Array of shape ``(N, 3)`` with ``N >= 2``.

    Returns
    -------
    mean : ndarray, shape (3,)
        The centroid.
    variances : ndarray, shape (3,)
        Eigenvalues of the sample covariance :math:`C = \\frac{1}{N-1}\\sum_n (x_n - \\bar x)(x_n - \\bar x)^T`,
        in decreasing order.
    axes : ndarray, shape (3, 3)
        ``axes[i]`` is the unit eigenvector of ``variances[i]``, so ``C @ axes[i] = variances[i] * axes[i]``.
        Each axis is only defined up to sign, so the sign is chosen so its largest component is positive.
    """
    array = as_real_array(points, "points")
    check_shape(array, "points", (None, 3), "(N, 3): one row (x, y, z) per sample point")
    check_not_empty(array, "points", minimum=2, axis_name="points")
    check_finite(array, "points")

    mean = array.mean(axis=0)
    covariance = np.cov(array, rowvar=False)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    order = np.argsort(eigenvalues)[::-1]
    variances = np.clip(eigenvalues[order], 0.0, None)
    axes = eigenvectors[:, order].T

    signs = np.sign(axes[np.arange(3), np.abs(axes).argmax(axis=1)])
    axes = axes * signs[:, None]
    return mean, variances, axes


def _ellipsoid_glyphs(
    centres: np.ndarray, eigenvalues: np.ndarray, eigenvectors: np.ndarray, scale: float
) -> pyvista.PolyData:
    """Merge one ellipsoid per centre into a PolyData, with semi-axis i of length ``scale * sqrt(eigenvalues[:, i])``.

    Point data ``"glyph"`` is the index of the centre each vertex belongs to.
    """
    import pyvista

    unit = pyvista.Sphere(radius=1.0, theta_resolution=20, phi_resolution=14)
    unit_points = np.asarray(unit.points, dtype=np.float64)
    unit_faces = np.asarray(unit.faces).reshape(-1, 4)

    # Column i of each transform is eigenvector i stretched to its semi-axis length.
    transforms = eigenvectors * (scale * np.sqrt(eigenvalues))[:, None, :]
    points = centres[:, None, :] + np.einsum("nij,pj->npi", transforms, unit_points)

    count, per_glyph = points.shape[0], unit_points.shape[0]
    offsets = (np.arange(count) * per_glyph)[:, None, None]
    faces = np.tile(unit_faces, (count, 1, 1))
    faces[:, :, 1:] += offsets

    mesh = pyvista.PolyData(points.reshape(-1, 3), faces.reshape(-1))
    mesh.point_data["glyph"] = np.repeat(np.arange(count), per_glyph)
    return mesh


def _median_spacing(points: np.ndarray) -> float:
    """Median distance from each point to its nearest neighbour, or 1.0 for fewer than two distinct points."""
    from scipy.spatial import cKDTree

    if len(points) < 2:
        return 1.0
    distances, _ = cKDTree(points).query(points, k=2)
    nearest = distances[:, 1]
    nearest = nearest[nearest > 0]
    return float(np.median(nearest)) if nearest.size else 1.0


def _checked_points(values: Any, name: str, description: str, axis_name: str, minimum: int = 1) -> np.ndarray:
    """Return ``values`` as a finite ``(n, 3)`` float array with at least ``minimum`` rows."""
    points = as_real_array(values, name)
    check_shape(points, name, (None, 3), description)
    check_not_empty(points, name, minimum=minimum, axis_name=axis_name)
    check_finite(points, name)
    return points


def _checked_matrices(values: Any, name: str, description: str, count: int, kind: str):
    """Return the eigenvalues and eigenvectors of ``count`` finite, symmetric PSD 3x3 matrices."""
    matrices = as_real_array(values, name)
    check_shape(matrices, name, (count, 3, 3), description)
    check_finite(matrices, name)
    return symmetric_psd_eigh(matrices, name, kind)


def _add_legend(plotter: pyvista.Plotter, entries: list[tuple[str, Any]]) -> None:
    """Add a legend box of ``entries`` in the upper right corner, inside the picture."""
    width, height = 0.2, min(0.04 * len(entries), 0.9)
    legend = plotter.add_legend(entries, bcolor="white", border=True, size=(width, height), face=None)
    # pyvista 0.49 computes the x position of loc="upper right" from the height, which pushes a
    # short legend past the right edge and a tall one into the middle, so place it here.
    legend.SetPosition(1 - width - 0.02, 1 - height - 0.02)


def _add_principal_axes(plotter: pyvista.Plotter, points: np.ndarray, n_std: float) -> list[tuple[str, str]]:
    """Draw the principal axes of ``points`` as arrows through the centroid and return legend entries.

    Each arrow spans ``mean - n_std * sqrt(variance) * axis`` to ``mean + n_std * sqrt(variance) * axis``.
    """
    import pyvista

    mean, variances, axes = principal_axes(points)
    total = variances.sum()
    entries = []
    for index in range(3):
        half_length = n_std * np.sqrt(variances[index])
        if half_length <= 0:
            logger.info("principal axis %d has zero variance; no arrow drawn", index + 1)
            continue
        arrow = pyvista.Arrow(
            start=mean - half_length * axes[index],
            direction=axes[index],
            scale=2.0 * half_length,
            tip_length=0.12,
            tip_radius=0.035,
            shaft_radius=0.012,
        )
        plotter.add_mesh(arrow, color=AXIS_COLOURS[index])
        share = 100.0 * variances[index] / total if total > 0 else 0.0
        entries.append((f"PC{index + 1} ({share:.0f}%)", AXIS_COLOURS[index]))
    return entries


def plot_gram_ellipsoids(
    points: Any,
    gram: Any,
    density: Any,
    path: str | os.PathLike,
    *,
    scale: float | None = None,
    n_std: float = 2.0,
    density_name: str = "action density",
    cmap: str = "viridis",
    clim: tuple[float, float] | None = None,
    show_axes_arrows: bool = True,
    title: str | None = None,
    window_size: tuple[int, int] = DEFAULT_WINDOW_SIZE,
    camera_position: Any = None,
    zoom: float = 1.0,
    off_screen: bool = True,
    return_plotter: bool = False,
) -> Path | tuple[Path, pyvista.Plotter]:
    """Draw one ellipsoid per sample point from its frame Gram matrix, coloured by a density, with PCA arrows.

    For a connection :math:`A = A^a_\\mu T_a dx^\\mu` sampled on a 3D slice, the frame Gram matrix at a
    point is :math:`G_{\\mu\\nu} = \\sum_a A^a_\\mu A^a_\\nu` with :math:`\\mu, \\nu` running over the slice's
    three directions. Its ellipsoid has semi-axes :math:`s\\sqrt{\\lambda_i}` along the eigenvectors
    :math:`v_i` of :math:`G`, i.e. it is the image of the unit sphere under :math:`s\\,G^{1/2}`.
    The arrows are the principal axes of the same points (see :func:`principal_axes`), each drawn from
    :math:`\\bar x - n\\sigma_i v_i` to :math:`\\bar x + n\\sigma_i v_i` with :math:`n` = ``n_std``.

    Parameters
    ----------
    points
        Sample positions, shape ``(N, 3)``, as a numpy array or torch tensor.
    gram
        Symmetric positive semi-definite matrices, shape ``(N, 3, 3)``, one per point.
    density
        Scalar per point, shape ``(N,)``, used for the colour (action density by default).
    path
        PNG file to write. Its folder must exist.
    scale
        Factor :math:`s` from :math:`\\sqrt{\\lambda}` to length. None chooses it so the 95th
        percentile of the largest semi-axes is 0.35 of the median nearest-neighbour distance of ``points``.
    n_std
        Half-length of each PCA arrow in standard deviations of the points along that axis.
    density_name
        Title of the colour bar.
    cmap
        Matplotlib colour map name.
    clim
        Colour range ``(low, high)``. None uses the range of ``density``.
    show_axes_arrows
        Draw the principal axes, which needs ``N >= 2``.
    title
        Text at the top of the picture.
    window_size
        ``(width, height)`` of the picture in pixels.
    camera_position
        Any value pyvista's ``Plotter.camera_position`` takes. None looks from the ``"iso"`` direction.
    zoom
        Camera zoom factor after positioning.
    off_screen
        Render without a window (the default). ``False`` opens a window, which needs a display.
        In Jupyter the returned plotter can be shown interactively with ``plotter.show()`` where a
        pyvista Jupyter backend (trame) is installed.
    return_plotter
        Also return the pyvista Plotter, left open.

    Returns
    -------
    pathlib.Path or (pathlib.Path, pyvista.Plotter)
        The written file, and the plotter when ``return_plotter`` is true.

    Raises
    ------
    ValueError
        For wrong shapes, mismatched ``N``, NaN or infinite entries, or a Gram matrix that is not
        symmetric or has an eigenvalue below ``-64 eps`` times its largest entry.
    """
    target = check_output_path(path, ".png")

    centres = _checked_points(points, "points", "(N, 3): one row (x, y, z) per sample point", "points")
    count = len(centres)
    eigenvalues, eigenvectors = _checked_matrices(gram, "gram", f"(N, 3, 3) with N = {count} from points",
                                                  count, "frame Gram matrices")

    values = as_real_array(density, "density")
    check_shape(values, "density", (count,), f"(N,) with N = {count} from points")
    check_finite(values, "density")

    largest = float(np.sqrt(eigenvalues.max()))
    if scale is None:
        typical = float(np.percentile(np.sqrt(eigenvalues[:, -1]), _AUTO_SCALE_PERCENTILE))
        typical = typical if typical > 0 else largest
        scale = _AUTO_SCALE_FRACTION * _median_spacing(centres) / typical if typical > 0 else 1.0
    scale = check_positive(scale, "scale", "1.0")
    n_std = check_positive(n_std, "n_std", "2.0")
    if largest == 0:
        logger.warning("every Gram matrix in gram is zero; the ellipsoids have no extent")
    if show_axes_arrows and count < 2:
        raise ValueError("points has 1 point; principal axes need at least 2, or pass show_axes_arrows=False")
    low, high = colour_limits(values, clim)

    glyphs = _ellipsoid_glyphs(centres, eigenvalues, eigenvectors, scale)
    glyphs.point_data[density_name] = values[glyphs.point_data["glyph"]]

    plotter = new_plotter(window_size, off_screen)
    with close_on_error(plotter):
        plotter.add_mesh(
            glyphs,
            scalars=density_name,
            cmap=cmap,
            clim=(low, high),
            smooth_shading=True,
            scalar_bar_args=scalar_bar_args(density_name),
        )
        if show_axes_arrows:
            entries = _add_principal_axes(plotter, centres, n_std)
            if entries:
                _add_legend(plotter, entries)
        if title:
            plotter.add_text(title, position="upper_left", font_size=12, color="black")
        apply_camera(plotter, camera_position, zoom)
        screenshot_png(plotter, target)
    return finish(plotter, target, return_plotter)


# tab10 entries other than blue, green and red, which AXIS_COLOURS uses for the principal axes.
_ISLAND_TAB10_INDICES = (1, 4, 5, 6, 8, 9, 7)
# tab20 has each tab10 hue as a dark and a light shade; these skip blue, green and red.
_ISLAND_TAB20_INDICES = (2, 8, 10, 12, 14, 16, 18, 3, 9, 11, 13, 15, 17, 19)


def _island_colours(count: int) -> list[tuple[float, float, float]]:
    """Distinct colours for ``count`` islands, none of them an axis colour.

    Up to 7 islands get tab10 without blue, green and red. Up to 14 get tab20 without those
    hues, its dark shades first and then the light ones. Beyond that they come from turbo.
    """
    from matplotlib import colormaps

    if count <= len(_ISLAND_TAB10_INDICES):
        source = colormaps["tab10"]
        return [source(index)[:3] for index in _ISLAND_TAB10_INDICES[:count]]
    if count <= len(_ISLAND_TAB20_INDICES):
        source = colormaps["tab20"]
        return [source(index)[:3] for index in _ISLAND_TAB20_INDICES[:count]]
    source = colormaps["turbo"]
    return [source(x)[:3] for x in np.linspace(0.05, 0.95, count)]


def plot_island_ellipsoids(
    centres: Any,
    covariances: Any,
    pooled: Any,
    path: str | os.PathLike,
    *,
    n_std: float = 2.0,
    labels: list[str] | None = None,
    show_points: bool = True,
    point_size: float = 4.0,
    opacity: float = 0.55,
    title: str | None = None,
    window_size: tuple[int, int] = DEFAULT_WINDOW_SIZE,
    camera_position: Any = None,
    zoom: float = 1.0,
    off_screen: bool = True,
    return_plotter: bool = False,
) -> Path | tuple[Path, pyvista.Plotter]:
    """Draw each island's covariance ellipsoid beside the principal axes of the pooled data.

    Island ``k`` is the ellipsoid :math:`\\{x : (x - c_k)^T \\Sigma_k^{-1} (x - c_k) = n^2\\}` with
    :math:`n` = ``n_std``, i.e. semi-axes :math:`n\\sqrt{\\lambda_i}` along the eigenvectors of
    :math:`\\Sigma_k`. The arrows are the principal axes of ``pooled`` with the same ``n_std``
    (see :func:`principal_axes`), so an island aligned with a principal axis shows up as an ellipsoid
    elongated along that arrow.

    Parameters
    ----------
    centres
        Island centres, shape ``(K, 3)``, in the same 3D coordinates as ``pooled``.
    covariances
        Island covariances, shape ``(K, 3, 3)``, symmetric positive semi-definite.
    pooled
        Pooled data of all islands, shape ``(M, 3)`` with ``M >= 2``.
    path
        PNG file to write. Its folder must exist.
    n_std
        Ellipsoid and arrow half-lengths in standard deviations.
    labels
        Legend text per island. None names them ``"island 0"``, ``"island 1"``, ...
        The legend is drawn for at most 12 islands.
    show_points
        Draw the pooled data as small grey points.
    point_size
        Size of those points in pixels.
    opacity
        Opacity of the ellipsoids, in ``(0, 1]``.
    title, window_size, camera_position, zoom, off_screen, return_plotter
        As in :func:`plot_gram_ellipsoids`.

    Returns
    -------
    pathlib.Path or (pathlib.Path, pyvista.Plotter)
        The written file, and the plotter when ``return_plotter`` is true.
    """
    target = check_output_path(path, ".png")

    island_centres = _checked_points(centres, "centres", "(K, 3): one row per island centre", "islands")
    count = len(island_centres)
    eigenvalues, eigenvectors = _checked_matrices(covariances, "covariances",
                                                  f"(K, 3, 3) with K = {count} from centres", count, "covariances")
    data = _checked_points(pooled, "pooled", "(M, 3): one row per pooled sample", "samples", minimum=2)

    n_std = check_positive(n_std, "n_std", "2.0")
    opacity = check_opacity(opacity)
    if labels is None:
        labels = [f"island {k}" for k in range(count)]
    elif len(labels) != count:
        raise ValueError(f"labels has {len(labels)} entries but centres has {count} islands; pass one label per island")

    glyphs = _ellipsoid_glyphs(island_centres, eigenvalues, eigenvectors, n_std)
    colours = np.asarray(_island_colours(count))
    glyphs.point_data["colour"] = colours[glyphs.point_data["glyph"]]

    plotter = new_plotter(window_size, off_screen)
    with close_on_error(plotter):
        if show_points:
            plotter.add_points(data, color="#7f7f7f", point_size=point_size, opacity=0.6)
        plotter.add_mesh(glyphs, scalars="colour", rgb=True, opacity=opacity, smooth_shading=True)
        entries = _add_principal_axes(plotter, data, n_std)
        if count <= 12:
            entries += [(str(label), tuple(colour)) for label, colour in zip(labels, colours)]
        if entries:
            _add_legend(plotter, entries)
        if title:
            plotter.add_text(title, position="upper_left", font_size=12, color="black")
        apply_camera(plotter, camera_position, zoom)
        screenshot_png(plotter, target)
    return finish(plotter, target, return_plotter)
