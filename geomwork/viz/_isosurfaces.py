"""Isosurfaces of a scalar field on a regular 3D grid, as a picture or as a GIF along a flow."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from ._checks import (
    as_real_array,
    check_clim,
    check_finite,
    check_frame_duration,
    check_opacity,
    frame_labels,
    stack_frames,
)
from ._files import check_output_path, write_gif
from ._scene import (
    DEFAULT_WINDOW_SIZE,
    apply_camera,
    clear_scene,
    close_on_error,
    finish,
    new_plotter,
    scalar_bar_args,
    screenshot_png,
)

if TYPE_CHECKING:
    from pathlib import Path

    import pyvista

logger = logging.getLogger("geomwork.viz.isosurfaces")

UNSIGNED_FRACTIONS = (0.25, 0.5, 0.75)
"""Default levels of a field of one sign, as fractions of the way from its minimum to its maximum."""

SIGNED_FRACTIONS = (0.3, 0.6)
"""Default levels of a field of both signs: plus and minus these fractions of its maximum ``|f|``."""


def default_levels(field: np.ndarray) -> np.ndarray:
    """Choose isosurface levels for ``field``.

    A field taking both signs (its minimum below ``-1e-3`` times its maximum ``|f|``, as a
    topological-charge density does) gets the levels :math:`\\pm c \\max|f|` for ``c`` in
    :data:`SIGNED_FRACTIONS`. Any other field (an action density) gets
    :math:`f_{min} + c (f_{max} - f_{min})` for ``c`` in :data:`UNSIGNED_FRACTIONS`.
    A constant field gets no levels.
    """
    low, high = float(field.min()), float(field.max())
    magnitude = max(abs(low), abs(high))
    if high == low:
        return np.empty(0)
    if low < -1e-3 * magnitude and high > 1e-3 * magnitude:
        fractions = np.asarray(SIGNED_FRACTIONS)
        return np.concatenate([-fractions[::-1], fractions]) * magnitude
    return low + np.asarray(UNSIGNED_FRACTIONS) * (high - low)


def _check_field(field: Any, name: str) -> np.ndarray:
    array = as_real_array(field, name)
    if array.ndim != 3 or min(array.shape) < 2:
        raise ValueError(
            f"{name} has shape {array.shape}; expected (nx, ny, nz) with at least 2 points per axis, "
            "indexed field[i, j, k] at origin + (i, j, k) * spacing"
        )
    check_finite(array, name)
    return array


def _check_levels(levels: Any) -> np.ndarray | None:
    if levels is None:
        return None
    array = np.atleast_1d(as_real_array(levels, "levels"))
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"levels has shape {array.shape}; pass a non-empty list of field values, or None")
    check_finite(array, "levels")
    return np.sort(array)


def _check_triple(value: Any, name: str, positive: bool) -> tuple[float, float, float]:
    array = as_real_array(value, name)
    if array.shape != (3,) or not np.isfinite(array).all() or (positive and (array <= 0).any()):
        kind = "positive " if positive else ""
        raise ValueError(f"{name}={value!r} must be three finite {kind}numbers (x, y, z)")
    return tuple(float(v) for v in array)


def _grid(field: np.ndarray, spacing: tuple, origin: tuple, name: str) -> pyvista.ImageData:
    import pyvista

    grid = pyvista.ImageData(dimensions=field.shape, spacing=spacing, origin=origin)
    # VTK orders points with x fastest, which is numpy's Fortran order for field[i, j, k].
    grid.point_data[name] = field.ravel(order="F")
    return grid


def _symmetric_limits(low: float, high: float) -> tuple[float, float]:
    """Colour range centred on zero when the values take both signs, else the values' range."""
    if low < 0 < high:
        bound = max(-low, high)
        return -bound, bound
    if low == high:
        pad = 0.5 * abs(low) if low != 0 else 0.5
        return low - pad, high + pad
    return low, high


def _add_isosurfaces(
    plotter: pyvista.Plotter,
    grid: pyvista.ImageData,
    name: str,
    levels: np.ndarray,
    cmap: str,
    clim: tuple[float, float],
    opacity: float,
) -> int:
    """Add the contour surfaces and the grid outline, and return how many points the surfaces have."""
    plotter.add_mesh(grid.outline(), color="black", line_width=1)
    if levels.size == 0:
        return 0
    surfaces = grid.contour(isosurfaces=levels, scalars=name)
    if surfaces.n_points == 0:
        return 0
    plotter.add_mesh(
        surfaces,
        scalars=name,
        cmap=cmap,
        clim=clim,
        opacity=opacity,
        smooth_shading=True,
        scalar_bar_args=scalar_bar_args(name),
    )
    return surfaces.n_points


def plot_isosurfaces(
    field: Any,
    path: str | os.PathLike,
    *,
    levels: Any = None,
    spacing: tuple[float, float, float] = (1.0, 1.0, 1.0),
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0),
    field_name: str = "action density",
    cmap: str | None = None,
    clim: tuple[float, float] | None = None,
    opacity: float = 0.6,
    title: str | None = None,
    window_size: tuple[int, int] = DEFAULT_WINDOW_SIZE,
    camera_position: Any = None,
    zoom: float = 1.0,
    off_screen: bool = True,
    return_plotter: bool = False,
) -> Path | tuple[Path, pyvista.Plotter]:
    """Draw isosurfaces of a scalar field on a regular 3D grid, coloured by their level.

    Parameters
    ----------
    field
        Values of shape ``(nx, ny, nz)``, where ``field[i, j, k]`` sits at ``origin + (i, j, k) * spacing``
        (``indexing="ij"`` in ``numpy.meshgrid``). For a 4D lattice, pass one time slice.
    path
        PNG file to write. Its folder must exist.
    levels
        Field values of the surfaces. None picks them with :func:`default_levels`.
    spacing, origin
        Grid step and position of ``field[0, 0, 0]``, each ``(x, y, z)``.
    field_name
        Name of the field, used as the colour-bar title.
    cmap
        Matplotlib colour map. None uses ``"coolwarm"`` for a field of both signs and ``"viridis"``
        otherwise.
    clim
        Colour range. None spans the levels (centred on zero for a field of both signs).
    opacity
        Opacity of the surfaces, in ``(0, 1]``. Below 1 the inner surfaces show through.
    title, window_size, camera_position, zoom, off_screen, return_plotter
        As in :func:`plot_gram_ellipsoids`.

    Returns
    -------
    pathlib.Path or (pathlib.Path, pyvista.Plotter)
        The written file, and the plotter when ``return_plotter`` is true.

    Raises
    ------
    ValueError
        For a field that is not 3D, has NaN or infinite entries, or is constant while ``levels`` is None.
    """
    target = check_output_path(path, ".png")
    values = _check_field(field, "field")
    spacing = _check_triple(spacing, "spacing", positive=True)
    origin = _check_triple(origin, "origin", positive=False)
    opacity = check_opacity(opacity)

    chosen = _check_levels(levels)
    if chosen is None:
        chosen = default_levels(values)
        if chosen.size == 0:
            raise ValueError(
                f"field is constant ({values.flat[0]:.6g}) so it has no isosurfaces; pass levels= explicitly "
                "or check that the field was filled"
            )
    signed = chosen.min() < 0 < chosen.max()
    colour_map = cmap or ("coolwarm" if signed else "viridis")
    limits = check_clim(clim) if clim is not None else _symmetric_limits(float(chosen.min()), float(chosen.max()))

    plotter = new_plotter(window_size, off_screen)
    with close_on_error(plotter):
        drawn = _add_isosurfaces(
            plotter, _grid(values, spacing, origin, field_name), field_name, chosen, colour_map, limits, opacity
        )
        if drawn == 0:
            logger.warning("no isosurface of %s at levels %s lies inside the grid", field_name, chosen)
        if title:
            plotter.add_text(title, position="upper_left", font_size=12, color="black")
        apply_camera(plotter, camera_position, zoom)
        screenshot_png(plotter, target)
    return finish(plotter, target, return_plotter)


def animate_isosurfaces(
    fields: Any,
    path: str | os.PathLike,
    *,
    times: Any = None,
    levels: Any = None,
    spacing: tuple[float, float, float] = (1.0, 1.0, 1.0),
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0),
    field_name: str = "action density",
    cmap: str | None = None,
    clim: tuple[float, float] | None = None,
    opacity: float = 0.6,
    frame_duration_ms: int = 250,
    window_size: tuple[int, int] = DEFAULT_WINDOW_SIZE,
    camera_position: Any = None,
    zoom: float = 1.0,
) -> Path:
    """Write an animated GIF of isosurfaces of a field along a flow, one frame per step.

    The camera is set on the first frame and kept, so motion and shrinking show as such. The colour
    range is shared by all frames so a colour means the same value throughout.

    Parameters
    ----------
    fields
        Sequence of arrays of shape ``(nx, ny, nz)``, or one array ``(steps, nx, ny, nz)``.
        Grids may differ in shape between steps, but share ``spacing`` and ``origin``.
    path
        GIF file to write. Its folder must exist.
    times
        Flow time of each step, shown on its frame. None shows the step number.
    levels
        Field values of the surfaces, the same for every frame. None picks them per frame with
        :func:`default_levels`, so every frame shows the field's shape at its own scale.
        A constant frame then shows only the grid outline.
    frame_duration_ms
        Display time of one frame in milliseconds.
    spacing, origin, field_name, cmap, clim, opacity, window_size, camera_position, zoom
        As in :func:`plot_isosurfaces`.

    Returns
    -------
    pathlib.Path
        The written file. It has one frame per step.
    """
    target = check_output_path(path, ".gif")
    frames = stack_frames(fields, "fields", 3, "arrays of shape (nx, ny, nz)")
    frames = [_check_field(frame, f"fields[{index}]") for index, frame in enumerate(frames)]
    labels = frame_labels(times, len(frames))
    spacing = _check_triple(spacing, "spacing", positive=True)
    origin = _check_triple(origin, "origin", positive=False)
    opacity = check_opacity(opacity)
    frame_duration_ms = check_frame_duration(frame_duration_ms)

    fixed_levels = _check_levels(levels)
    per_frame_levels = [fixed_levels if fixed_levels is not None else default_levels(frame) for frame in frames]
    nonempty = [frame_levels for frame_levels in per_frame_levels if frame_levels.size]
    if clim is not None:
        clim = check_clim(clim)
    elif nonempty:
        pooled = np.concatenate(nonempty)
        clim = _symmetric_limits(float(pooled.min()), float(pooled.max()))
    else:
        # Every frame is constant, so only outlines are drawn and the colour range is never shown.
        clim = (-1.0, 1.0)
    signed = clim[0] < 0 < clim[1]
    colour_map = cmap or ("coolwarm" if signed else "viridis")

    images = []
    plotter = new_plotter(window_size, off_screen=True)
    with close_on_error(plotter):
        for index, (frame, frame_levels) in enumerate(zip(frames, per_frame_levels)):
            clear_scene(plotter)
            _add_isosurfaces(
                plotter, _grid(frame, spacing, origin, field_name), field_name, frame_levels, colour_map, clim, opacity
            )
            plotter.add_text(
                f"{labels[index]}   {field_name} from {frame.min():.3g} to {frame.max():.3g}",
                position="upper_left",
                font_size=12,
                color="black",
                name="label",
            )
            if index == 0:
                apply_camera(plotter, camera_position, zoom)
            images.append(plotter.screenshot(return_img=True))
    plotter.close()

    write_gif(images, target, frame_duration_ms)
    return target
