"""Pictures of fields, flows and islands: pyvista (off screen by default) and matplotlib.

Every function takes numpy arrays (torch tensors are converted with ``.detach().cpu().numpy()``,
and sympy objects are rejected), writes the PNG or GIF path the caller gives through a temporary file
that is renamed on success, and returns that path. pyvista functions take ``window_size`` and
``camera_position``, and matplotlib functions take ``size`` and ``dpi``.
"""

from ._ellipsoids import AXIS_COLOURS, plot_gram_ellipsoids, plot_island_ellipsoids, principal_axes
from ._figures import plot_energy_history, plot_flow_observables, plot_merge_tree
from ._isosurfaces import animate_isosurfaces, default_levels, plot_isosurfaces
from ._revolution import animate_ricci_flow, gaussian_curvature_of_revolution
from ._scene import RenderingSupport, offscreen_rendering_support

__all__: list[str] = [
    "AXIS_COLOURS",
    "RenderingSupport",
    "animate_isosurfaces",
    "animate_ricci_flow",
    "default_levels",
    "gaussian_curvature_of_revolution",
    "offscreen_rendering_support",
    "plot_energy_history",
    "plot_flow_observables",
    "plot_gram_ellipsoids",
    "plot_island_ellipsoids",
    "plot_isosurfaces",
    "plot_merge_tree",
    "principal_axes",
]
