"""Matplotlib line plots of flow observables and energies, and the islands' merge tree.

The figures are built on ``matplotlib.figure.Figure`` with the Agg canvas, not on pyplot, so they
need no display, leave no global figure state, and show inline in Jupyter when returned.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ._checks import as_real_array, check_finite, check_not_empty, check_shape, check_window_size
from ._files import atomic_output, check_output_path

if TYPE_CHECKING:
    from pathlib import Path

    from matplotlib.figure import Figure

logger = logging.getLogger("geomwork.viz.figures")

DEFAULT_FIGURE_SIZE = (800, 600)

T0_REFERENCE = 0.3
"""Value of :math:`t^2 \\langle E \\rangle` that defines the Wilson-flow scale :math:`t_0`."""


def _new_figure(size: Any, dpi: int) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = check_window_size(size)
    if int(dpi) < 10:
        raise ValueError(f"dpi={dpi!r} is below 10; pass e.g. 100")
    figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Figure, target: Path, return_figure: bool) -> Path | tuple[Path, Figure]:
    # The canvas is exactly figsize * dpi pixels because bbox_inches is left at its default.
    with atomic_output(target) as temporary:
        figure.savefig(temporary, format="png", dpi=figure.dpi)
    logger.info("wrote %s", target)
    return (target, figure) if return_figure else target


def _series(values: Any, name: str, length: int, times_name: str) -> np.ndarray:
    array = as_real_array(values, name)
    check_shape(array, name, (length,), f"({length},), one value per entry of {times_name}")
    check_finite(array, name)
    return array


def _plot_action_and_charge(top, times, action, charge, log_action) -> None:
    """Draw S/8π² and Q on ``top``, with Q on a twin axis when the action axis is logarithmic."""
    scaled = None if action is None else action / (8.0 * np.pi**2)
    positive = scaled is not None and bool((scaled > 0).all())
    if log_action is None:
        log_action = positive and scaled.max() > 100.0 * scaled.min()
    elif log_action and not positive:
        raise ValueError("log_action=True needs a positive action; pass log_action=False or leave it None")

    charge_axis = top.twinx() if log_action and charge is not None else top
    if scaled is not None:
        top.plot(times, scaled, marker=".", label=r"$S/8\pi^2$")
    if charge is not None:
        charge_axis.plot(times, charge, marker=".", color="C1", label=r"$Q$")
    # On a twin axis a line at Q = 0 would cross the logarithmic action axis at an arbitrary value.
    for integer in (-1, 1) if charge_axis is not top else (-1, 0, 1):
        if not log_action or charge_axis is not top:
            charge_axis.axhline(integer, color="0.6", linestyle=":", linewidth=1)
    if log_action:
        top.set_yscale("log")
        top.axhline(1, color="C0", linestyle=":", linewidth=1)
        top.set_ylabel(r"$S/8\pi^2$")
        if charge_axis is not top:
            charge_axis.set_ylabel("$Q$")
    else:
        top.set_ylabel("action and charge")
    handles, labels = top.get_legend_handles_labels()
    if charge_axis is not top:
        more_handles, more_labels = charge_axis.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    top.legend(handles, labels, loc="center right" if log_action else "best")


def plot_flow_observables(
    flow_time: Any,
    path: str | os.PathLike,
    *,
    action: Any = None,
    charge: Any = None,
    energy_density: Any = None,
    log_action: bool | None = None,
    title: str | None = None,
    size: tuple[int, int] = DEFAULT_FIGURE_SIZE,
    dpi: int = 100,
    return_figure: bool = False,
) -> Path | tuple[Path, Figure]:
    """Plot :math:`S/8\\pi^2`, :math:`Q` and :math:`t^2 E` against flow time.

    The top panel shows :math:`S/8\\pi^2` and :math:`Q` with dotted lines at the integers
    :math:`0, \\pm 1`, where a self-dual configuration of charge :math:`k` has :math:`S/8\\pi^2 = |k|`
    (action in units with :math:`g = 1`). The bottom panel shows :math:`t^2 \\langle E \\rangle` with a
    line at 0.3, whose crossing defines :math:`t_0`; the line is left out, with a note, when
    :math:`t^2 \\langle E \\rangle` stays below 0.15. A panel is drawn only when its data is given.

    Parameters
    ----------
    flow_time
        Flow times :math:`t`, shape ``(T,)``, non-decreasing.
    path
        PNG file to write. Its folder must exist.
    action
        Yang-Mills action :math:`S` at each flow time with :math:`g = 1`, shape ``(T,)``, plotted divided
        by :math:`8\\pi^2`.
    charge
        Topological charge :math:`Q` at each flow time, shape ``(T,)``.
    energy_density
        Mean energy density :math:`\\langle E \\rangle` at each flow time, shape ``(T,)``, plotted as
        :math:`t^2 \\langle E \\rangle`.
    log_action
        Logarithmic axis for :math:`S/8\\pi^2`, with :math:`Q` on a linear axis at the right.  None
        turns it on when the action is positive and spans more than two decades, as when the flow
        starts from a noisy field.
    title
        Figure title.
    size
        ``(width, height)`` of the PNG in pixels.
    dpi
        Dots per inch, which sets the font size relative to the picture.
    return_figure
        Also return the matplotlib Figure.

    Returns
    -------
    pathlib.Path or (pathlib.Path, matplotlib.figure.Figure)
        The written file, and the figure when ``return_figure`` is true.
    """
    target = check_output_path(path, ".png")
    times = as_real_array(flow_time, "flow_time")
    check_shape(times, "flow_time", (None,), "(T,): one flow time per measurement")
    check_not_empty(times, "flow_time", axis_name="flow times")
    check_finite(times, "flow_time")
    if (np.diff(times) < 0).any():
        index = int(np.flatnonzero(np.diff(times) < 0)[0])
        raise ValueError(
            f"flow_time decreases at index {index} ({times[index]:.6g} then {times[index + 1]:.6g}); "
            "sort the measurements by flow time"
        )
    if action is None and charge is None and energy_density is None:
        raise ValueError("nothing to plot: pass at least one of action=, charge= or energy_density=")

    length = len(times)
    action = None if action is None else _series(action, "action", length, "flow_time")
    charge = None if charge is None else _series(charge, "charge", length, "flow_time")
    energy_density = None if energy_density is None else _series(energy_density, "energy_density", length, "flow_time")

    figure = _new_figure(size, dpi)
    panels = int(action is not None or charge is not None) + int(energy_density is not None)
    axes = figure.subplots(panels, 1, sharex=True, squeeze=False)[:, 0]

    if action is not None or charge is not None:
        _plot_action_and_charge(axes[0], times, action, charge, log_action)

    if energy_density is not None:
        bottom = axes[-1]
        scaled_energy = times**2 * energy_density
        bottom.plot(times, scaled_energy, marker=".", color="C2", label=r"$t^2\langle E\rangle$")
        # The reference line would squash a curve far below it (a single instanton), so it is
        # drawn only when the curve comes within a factor of two of it.
        if np.nanmax(scaled_energy) >= 0.5 * T0_REFERENCE:
            bottom.axhline(T0_REFERENCE, color="0.4", linestyle="--", linewidth=1,
                           label=rf"$t^2\langle E\rangle = {T0_REFERENCE}$")
        else:
            bottom.text(0.02, 0.95, rf"$t^2\langle E\rangle < {0.5 * T0_REFERENCE:g}$: $t_0$ not reached",
                        transform=bottom.transAxes, va="top", fontsize="small", color="0.4")
        bottom.set_ylabel(r"$t^2\langle E\rangle$")
        bottom.legend(loc="best")

    axes[-1].set_xlabel("flow time $t$")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return _save(figure, target, return_figure)


def plot_energy_history(
    energy: Any,
    path: str | os.PathLike,
    *,
    log_scale: bool | None = None,
    ylabel: str = "energy",
    title: str | None = None,
    size: tuple[int, int] = DEFAULT_FIGURE_SIZE,
    dpi: int = 100,
    return_figure: bool = False,
) -> Path | tuple[Path, Figure]:
    """Plot energy against iteration for one run or several.

    Parameters
    ----------
    energy
        Energies of shape ``(I,)``, one per iteration, or a mapping from run label to such arrays
        (lengths may differ).
    path
        PNG file to write. Its folder must exist.
    log_scale
        Logarithmic y axis. None turns it on when every value is positive and the values span more
        than two decades.
    ylabel, title
        Axis label and figure title.
    size, dpi, return_figure
        As in :func:`plot_flow_observables`.

    Returns
    -------
    pathlib.Path or (pathlib.Path, matplotlib.figure.Figure)
        The written file, and the figure when ``return_figure`` is true.
    """
    target = check_output_path(path, ".png")
    runs = dict(energy) if isinstance(energy, Mapping) else {None: energy}
    if not runs:
        raise ValueError("energy is an empty mapping; pass at least one run label -> (I,) array")

    curves = {}
    for label, values in runs.items():
        name = "energy" if label is None else f"energy[{label!r}]"
        array = as_real_array(values, name)
        check_shape(array, name, (None,), "(I,): one energy per iteration")
        check_not_empty(array, name, axis_name="iterations")
        check_finite(array, name)
        curves[label] = array

    pooled = np.concatenate(list(curves.values()))
    if log_scale is None:
        log_scale = bool((pooled > 0).all() and pooled.max() > 100.0 * pooled.min())
    elif log_scale and (pooled <= 0).any():
        raise ValueError(
            f"log_scale=True but energy has values <= 0 (minimum {pooled.min():.6g}); "
            "pass log_scale=False or plot the energy above its minimum"
        )

    figure = _new_figure(size, dpi)
    axes = figure.subplots()
    for label, array in curves.items():
        axes.plot(np.arange(len(array)), array, label=label)
    if log_scale:
        axes.set_yscale("log")
    axes.set_xlabel("iteration")
    axes.set_ylabel(ylabel)
    if any(label is not None for label in curves):
        axes.legend(loc="best")
    if title:
        axes.set_title(title)
    figure.tight_layout()
    return _save(figure, target, return_figure)


def plot_merge_tree(
    linkage: Any,
    path: str | os.PathLike,
    *,
    labels: list[str] | None = None,
    threshold: float | None = None,
    ylabel: str = "merge distance",
    title: str | None = None,
    size: tuple[int, int] = DEFAULT_FIGURE_SIZE,
    dpi: int = 100,
    return_figure: bool = False,
) -> Path | tuple[Path, Figure]:
    """Draw the islands' merge tree as a dendrogram from a scipy linkage matrix.

    Parameters
    ----------
    linkage
        Linkage matrix of shape ``(n - 1, 4)`` as returned by ``scipy.cluster.hierarchy.linkage``:
        row ``i`` merges clusters ``Z[i, 0]`` and ``Z[i, 1]`` at distance ``Z[i, 2]`` into a cluster of
        ``Z[i, 3]`` leaves.
    path
        PNG file to write. Its folder must exist.
    labels
        Leaf labels, one per original observation (``n``). None numbers them.
    threshold
        Merge distance at which the tree is cut into islands: subtrees below it get their own colour
        and a dashed line marks it. None colours with scipy's default (70% of the largest distance).
    ylabel, title
        Axis label and figure title.
    size, dpi, return_figure
        As in :func:`plot_flow_observables`.

    Returns
    -------
    pathlib.Path or (pathlib.Path, matplotlib.figure.Figure)
        The written file, and the figure when ``return_figure`` is true.
    """
    from scipy.cluster import hierarchy

    target = check_output_path(path, ".png")
    matrix = as_real_array(linkage, "linkage")
    check_shape(matrix, "linkage", (None, 4), "(n - 1, 4) from scipy.cluster.hierarchy.linkage")
    check_not_empty(matrix, "linkage", axis_name="merges")
    check_finite(matrix, "linkage")
    if (matrix[:, 2] < 0).any():
        index = int(np.flatnonzero(matrix[:, 2] < 0)[0])
        raise ValueError(
            f"linkage[{index}, 2] = {matrix[index, 2]:.6g} is a negative merge distance; "
            "build the linkage with scipy.cluster.hierarchy.linkage"
        )
    try:
        # scipy checks indices and counts only for two or more merges.
        hierarchy.is_valid_linkage(matrix, throw=True, name="linkage")
    except (ValueError, TypeError) as error:
        raise ValueError(f"{error}; build it with scipy.cluster.hierarchy.linkage") from None

    leaves = len(matrix) + 1
    if labels is not None and len(labels) != leaves:
        raise ValueError(f"labels has {len(labels)} entries but linkage joins {leaves} leaves; pass one label per leaf")
    if threshold is not None:
        threshold = float(threshold)
        if not np.isfinite(threshold) or threshold < 0:
            raise ValueError(f"threshold={threshold!r} must be a finite merge distance >= 0")

    figure = _new_figure(size, dpi)
    axes = figure.subplots()
    hierarchy.dendrogram(matrix, ax=axes, labels=labels, color_threshold=threshold, above_threshold_color="0.5")
    if threshold is not None:
        axes.axhline(threshold, color="0.3", linestyle="--", linewidth=1)
        islands = int(hierarchy.fcluster(matrix, t=threshold, criterion="distance").max())
        axes.set_title(f"{islands} islands below merge distance {threshold:.3g}", fontsize="medium")
    axes.set_xlabel("leaf")
    axes.set_ylabel(ylabel)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return _save(figure, target, return_figure)
