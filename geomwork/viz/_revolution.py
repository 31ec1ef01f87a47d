"""Surfaces of revolution: Gaussian curvature from a sampled profile, and a GIF along Ricci flow."""

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
    colour_limits,
    frame_labels,
    stack_frames,
)
from ._files import check_output_path, write_gif
from ._scene import DEFAULT_WINDOW_SIZE, apply_camera, clear_scene, close_on_error, new_plotter, scalar_bar_args

if TYPE_CHECKING:
    from pathlib import Path

    import pyvista

logger = logging.getLogger("geomwork.viz.revolution")

# A profile point closer to the axis than this fraction of the profile's largest radius counts as
# lying on the axis, where the curvature formula is 0/0.
_AXIS_FRACTION = 1e-9


def _check_profile(
    radius: Any, height: Any, parameter: Any, names: tuple[str, str, str] = ("radius", "height", "parameter")
) -> tuple[np.ndarray, ...]:
    """Convert and check one profile, and return radius, height and a strictly increasing parameter.

    ``names`` are the argument names used in messages, e.g. ``("radii[2]", "heights[2]", "parameters[2]")``.
    """
    radius_name, height_name, parameter_name = names
    r = as_real_array(radius, radius_name)
    z = as_real_array(height, height_name)
    if r.ndim != 1 or r.size < 3:
        raise ValueError(f"{radius_name} has shape {r.shape}; expected (M,) with M >= 3 profile samples")
    if z.shape != r.shape:
        raise ValueError(f"{height_name} has shape {z.shape}; expected {r.shape}, the shape of {radius_name}")
    check_finite(r, radius_name)
    check_finite(z, height_name)
    if (r < 0).any():
        index = int(np.flatnonzero(r < 0)[0])
        raise ValueError(
            f"{radius_name}[{index}] = {r[index]:.6g} is negative; the radius is the distance from the axis, "
            "so pass abs(radius) or start the profile on the axis"
        )

    if parameter is None:
        # Cumulative chord length: K does not depend on the parametrisation, and chord length keeps
        # the finite differences evenly weighted along the curve.
        steps = np.hypot(np.diff(r), np.diff(z))
        s = np.concatenate([[0.0], np.cumsum(steps)])
        source = "consecutive profile points"
    else:
        s = as_real_array(parameter, parameter_name)
        if s.shape != r.shape:
            raise ValueError(f"{parameter_name} has shape {s.shape}; expected {r.shape}, the shape of {radius_name}")
        check_finite(s, parameter_name)
        source = parameter_name
    if (np.diff(s) <= 0).any():
        index = int(np.flatnonzero(np.diff(s) <= 0)[0])
        raise ValueError(
            f"{source} do not advance at index {index} (s = {s[index]:.6g} then {s[index + 1]:.6g}); "
            "remove repeated profile points and order the samples along the curve"
        )
    return r, z, s


def gaussian_curvature_of_revolution(radius: Any, height: Any, parameter: Any = None) -> np.ndarray:
    """Compute the Gaussian curvature of the surface swept by a profile curve around the z axis.

    The profile :math:`s \\mapsto (r(s), z(s))` with :math:`r \\ge 0` sweeps the surface
    :math:`(r\\cos\\theta, r\\sin\\theta, z)`, whose Gaussian curvature is

    .. math::

        K = \\frac{z' (r' z'' - r'' z')}{r \\, (r'^2 + z'^2)^2},

    for any regular parametrisation (primes are :math:`d/ds`). For a graph :math:`r(z)` this is
    :math:`K = -r'' / (r (1 + r'^2)^2)`. Exact cases: a sphere of radius :math:`R` has :math:`K = 1/R^2`.
    A torus :math:`r = a + b\\cos s, z = b\\sin s` has :math:`K = \\cos s / (b (a + b\\cos s))`. A catenoid
    :math:`r = c\\cosh(z/c)` has :math:`K = -1/(c^2\\cosh^4(z/c))`.

    Derivatives are second-order finite differences (``numpy.gradient`` with ``edge_order=2``) in
    ``parameter``, so the error falls as the square of the sample spacing, except at the two ends
    where it falls as the spacing.

    Parameters
    ----------
    radius
        Distance from the axis :math:`r(s_i)`, shape ``(M,)`` with ``M >= 3``, all ``>= 0``.
    height
        Height :math:`z(s_i)`, shape ``(M,)``.
    parameter
        Strictly increasing curve parameter :math:`s_i`, shape ``(M,)``. None uses the cumulative
        chord length of the samples.

    Returns
    -------
    ndarray, shape (M,)
        :math:`K` at each sample. At a sample on the axis (:math:`r = 0`, e.g. the poles of a sphere)
        the formula is 0/0, so :math:`K` there is interpolated linearly in :math:`s` from the
        off-axis samples (held constant beyond the last one).
    """
    r, z, s = _check_profile(radius, height, parameter)

    dr = np.gradient(r, s, edge_order=2)
    dz = np.gradient(z, s, edge_order=2)
    d2r = np.gradient(dr, s, edge_order=2)
    d2z = np.gradient(dz, s, edge_order=2)

    speed_squared = dr**2 + dz**2
    if (speed_squared == 0).any():
        index = int(np.flatnonzero(speed_squared == 0)[0])
        raise ValueError(
            f"the profile is not regular at sample {index} (r' = z' = 0); resample it without stationary points"
        )

    on_axis = r <= _AXIS_FRACTION * r.max()
    if on_axis.all():
        raise ValueError("radius is zero at every sample, so the profile lies on the axis and sweeps no surface")
    curvature = np.empty_like(r)
    off = ~on_axis
    curvature[off] = dz[off] * (dr[off] * d2z[off] - d2r[off] * dz[off]) / (r[off] * speed_squared[off] ** 2)
    if on_axis.any():
        curvature[on_axis] = np.interp(s[on_axis], s[off], curvature[off])
    return curvature


def _revolution_mesh(r: np.ndarray, z: np.ndarray, curvature: np.ndarray, n_theta: int) -> pyvista.StructuredGrid:
    import pyvista

    theta = np.linspace(0.0, 2.0 * np.pi, n_theta)
    x = r[:, None] * np.cos(theta)[None, :]
    y = r[:, None] * np.sin(theta)[None, :]
    height = np.broadcast_to(z[:, None], x.shape)
    mesh = pyvista.StructuredGrid(x, y, np.ascontiguousarray(height))
    # StructuredGrid numbers points in Fortran order of the (M, n_theta) arrays.
    mesh.point_data["Gaussian curvature"] = np.broadcast_to(curvature[:, None], x.shape).ravel(order="F")
    return mesh


def _robust_limits(curvatures: list[np.ndarray]) -> tuple[float, float]:
    """1st to 99th percentile of K over all frames, centred on zero when K takes both signs."""
    pooled = np.concatenate(curvatures)
    low, high = np.percentile(pooled, [1.0, 99.0])
    if low < 0 < high:
        bound = max(-low, high)
        return -bound, bound
    return colour_limits(np.array([low, high]), None)


def animate_ricci_flow(
    radii: Any,
    heights: Any,
    path: str | os.PathLike,
    *,
    times: Any = None,
    parameters: Any = None,
    n_theta: int = 64,
    cmap: str | None = None,
    clim: tuple[float, float] | None = None,
    frame_duration_ms: int = 250,
    window_size: tuple[int, int] = DEFAULT_WINDOW_SIZE,
    camera_position: Any = None,
    zoom: float = 1.0,
) -> Path:
    """Write an animated GIF of a surface of revolution along a flow, coloured by Gaussian curvature.

    Each frame sweeps the profile :math:`(r(s), z(s))` of that step around the z axis and colours
    it by :math:`K` from :func:`gaussian_curvature_of_revolution`. Under Ricci flow
    :math:`\\partial_t g = -2\\,\\mathrm{Ric} = -2 K g` a round sphere of radius :math:`R_0` stays
    round with :math:`R(t)^2 = R_0^2 - 2t`, so its colour moves evenly up the colour map as it shrinks.
    The camera is set on the first frame and kept, and the colour range is shared by all frames.

    Parameters
    ----------
    radii
        Sequence of profile radii, one array of shape ``(M_t,)`` per step, or one array ``(steps, M)``.
    heights
        Heights of the profile samples: a sequence like ``radii`` for curves :math:`(r(s), z(s))`
        that move in :math:`z`, or one array ``(M,)`` shared by every step for a graph :math:`r(z)`.
    path
        GIF file to write. Its folder must exist.
    times
        Flow time of each step, shown on its frame. None shows the step number.
    parameters
        Curve parameters per step, like ``radii``. None uses chord length (see
        :func:`gaussian_curvature_of_revolution`).
    n_theta
        Number of samples around the axis.
    cmap
        Matplotlib colour map. None uses ``"coolwarm"`` when the colour range spans zero, else ``"viridis"``.
    clim
        Colour range of :math:`K`. None spans the 1st to 99th percentile of :math:`K` over all frames,
        so a spike at the axis does not wash out the rest.
    frame_duration_ms, window_size, camera_position, zoom
        As in :func:`animate_isosurfaces`.

    Returns
    -------
    pathlib.Path
        The written file. It has one frame per step.
    """
    target = check_output_path(path, ".gif")
    radius_frames = stack_frames(radii, "radii", 1, "arrays of shape (M,) of profile radii")
    count = len(radius_frames)

    height_array = None if isinstance(heights, (list, tuple)) else as_real_array(heights, "heights")
    if height_array is not None and height_array.ndim == 1:
        height_frames = [height_array] * count
    else:
        height_frames = stack_frames(heights, "heights", 1, "arrays of shape (M,) of profile heights")
    if len(height_frames) != count:
        raise ValueError(
            f"heights has {len(height_frames)} steps but radii has {count}; pass one height array per step "
            "or a single (M,) array shared by all steps"
        )
    if parameters is None:
        parameter_frames = [None] * count
    else:
        parameter_frames = stack_frames(parameters, "parameters", 1, "arrays of shape (M,) of curve parameters")
        if len(parameter_frames) != count:
            raise ValueError(f"parameters has {len(parameter_frames)} steps but radii has {count}")

    labels = frame_labels(times, count)
    frame_duration_ms = check_frame_duration(frame_duration_ms)
    if int(n_theta) < 8:
        raise ValueError(f"n_theta={n_theta!r} is below 8, too few for a round surface; pass e.g. 64")

    profiles = []
    for index in range(count):
        names = (f"radii[{index}]", f"heights[{index}]", f"parameters[{index}]")
        r, z, s = _check_profile(radius_frames[index], height_frames[index], parameter_frames[index], names)
        profiles.append((r, z, gaussian_curvature_of_revolution(r, z, s)))

    if clim is not None:
        limits = check_clim(clim)
    else:
        limits = _robust_limits([curvature for _, _, curvature in profiles])
    colour_map = cmap or ("coolwarm" if limits[0] < 0 < limits[1] else "viridis")

    images = []
    plotter = new_plotter(window_size, off_screen=True)
    with close_on_error(plotter):
        for index, (r, z, curvature) in enumerate(profiles):
            clear_scene(plotter)
            plotter.add_mesh(
                _revolution_mesh(r, z, curvature, int(n_theta)),
                scalars="Gaussian curvature",
                cmap=colour_map,
                clim=limits,
                smooth_shading=True,
                scalar_bar_args=scalar_bar_args("Gaussian curvature K"),
            )
            plotter.add_text(
                f"{labels[index]}   K from {curvature.min():.3g} to {curvature.max():.3g}",
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
