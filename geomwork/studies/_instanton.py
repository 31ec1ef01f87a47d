"""The instanton part of a study: exact BPST, its kernels, a noisy lattice copy and its Wilson flow."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import sympy
import torch

from ._progress import progress_bar

__all__ = ["run_instanton"]

logger = logging.getLogger("geomwork.studies.instanton")

KERNEL_QUANTITIES = ("potential", "field-strength", "action-density", "instanton-density")
_CHECK_POINTS = 4


def _derive(connection) -> dict[str, Any]:
    """Verify the BPST connection exactly: self-duality, action 8π²/g² and instanton number 1."""
    from ..symbolic import integrate_over_space

    g = sympy.Symbol("g", positive=True)
    action = integrate_over_space(connection.action_form(coupling=g), separable_only=True)
    charge = integrate_over_space(connection.instanton_density(), separable_only=True)
    density = connection.action_density().factor()
    rho = next(symbol for symbol in density.free_symbols if str(symbol) == "rho")
    radius2 = sum(x ** 2 for x in connection.chart.coordinates)
    closed_form = 48 * rho ** 4 / (radius2 + rho ** 2) ** 4
    return {
        "connection": connection.name,
        "algebra": connection.algebra.name,
        "self_dual": bool(connection.is_self_dual()),
        "action": str(action),
        "action_latex": sympy.latex(action),
        "action_is_8pi2_over_g2": bool(sympy.simplify(action - 8 * sympy.pi ** 2 / g ** 2) == 0),
        "action_over_8pi2_at_g_1": float(action.subs(g, 1) / (8 * sympy.pi ** 2)),
        "instanton_number": int(charge),
        "action_density": str(density),
        "action_density_is_48rho4_over_r2_plus_rho2_to_4": bool(
            sympy.simplify(density - closed_form) == 0),
    }


def _kernel_error(kernel, expression, coordinates, rho: float, generator: torch.Generator) -> float:
    """Largest error of ``kernel`` against mpmath evaluation of ``expression`` at random points."""
    import mpmath

    points = 4.0 * torch.rand(_CHECK_POINTS, 4, generator=generator, dtype=torch.float64) - 2.0
    values = kernel(points, rho=rho).reshape(_CHECK_POINTS, -1)
    components = sympy.flatten(expression.tolist()) if hasattr(expression, "tolist") else [expression]
    symbols = {str(symbol): symbol for component in components for symbol in component.free_symbols}
    rho_symbol = symbols.get("rho", sympy.Symbol("rho"))
    exact_function = sympy.lambdify([*coordinates, rho_symbol], components, "mpmath")
    error = 0.0
    with mpmath.workdps(30):
        for point, value in zip(points.tolist(), values):
            exact = np.array([float(value) for value in exact_function(*point, rho)])
            scale = max(1.0, float(np.abs(exact).max()))
            error = max(error, float(np.abs(value.numpy() - exact).max()) / scale)
    return error


def _write_kernels(connection, folder: Path, size: float, seed: int) -> tuple[dict, dict[str, Any]]:
    from ..codegen import connection_expressions, connection_kernels

    kernels = connection_kernels(connection, KERNEL_QUANTITIES, use_cache=False)
    folder.mkdir()
    generator = torch.Generator().manual_seed(seed)
    report = {}
    for quantity, kernel in kernels.items():
        path = folder / f"{quantity.replace('-', '_')}.py"
        path.write_text(kernel.source, encoding="utf-8")
        error = _kernel_error(kernel, connection_expressions(connection, quantity),
                              connection.chart.coordinates, size, generator)
        report[quantity] = {"module": str(path.relative_to(folder.parent)), "function": kernel.plan.name,
                            "max_relative_error_against_mpmath": error}
    return kernels, report


def _embed(field, group: str):
    """Put SU(2) links in the upper-left block of SU(3) links when ``group`` is su3."""
    from ..numeric import LatticeGaugeField

    if group == "su2":
        return field
    links = torch.zeros(*field.links.shape[:-2], 3, 3, dtype=field.links.dtype)
    links[..., :2, :2] = field.links
    links[..., 2, 2] = 1.0
    return LatticeGaugeField(links, "su3")


def _frame_gram(field, time_slice: int) -> torch.Tensor:
    """Return :math:`G_{\\mu\\nu} = \\langle A_\\mu, A_\\nu\\rangle` (μ, ν = 0, 1, 2) on the slice.

    :math:`A_\\mu(x)` is the algebra projection of the link :math:`U_\\mu(x)` (the potential times
    the spacing to leading order) and :math:`\\langle X, Y\\rangle = -2\\,\\mathrm{Re\\,tr}(XY)`, so
    that :math:`G_{\\mu\\nu} = \\sum_a A^a_\\mu A^a_\\nu` in an orthonormal basis.
    """
    potential = field.group.project_algebra(field.links[:, :, :, time_slice, :3])
    products = torch.einsum("...mij,...nji->...mn", potential, potential)
    return -2.0 * products.real


def _slice_samples(density: np.ndarray, gram: np.ndarray, fraction: float = 0.05):
    """Sites of a 3D slice whose density is at least ``fraction`` of its largest value."""
    mask = density >= fraction * density.max()
    points = np.argwhere(mask).astype(float)
    return points, gram[mask], density[mask]


def _flow(field, settings: Mapping[str, Any], progress: bool):
    """Flow in ``frames - 1`` segments and return the field, the joined history and the frames."""
    from ..numeric import wilson_flow

    step = settings["flow_step"]
    total = int(round(settings["flow_time"] / step))
    ends = np.unique(np.round(np.linspace(0, total, settings["frames"])).astype(int))
    series = {"t": [0.0], "action": [], "energy_clover": [], "topological_charge": []}
    clovers = field.clover_fields()
    frames = {"t": [0.0], "action_density": [field.energy_density(clovers=clovers).numpy()],
              "charge_density": [field.topological_charge_density(clovers=clovers).numpy()]}
    with progress_bar(total, "Wilson flow", progress) as bar:
        for start, end in zip(ends[:-1], ends[1:]):
            field, history = wilson_flow(field, (end - start) * step, step,
                                         measure_every=settings["measure_every"], progress=bar)
            first = 0 if start == 0 else 1
            series["t"] += [start * step + t for t in history.t[1:]]
            for name in ("action", "energy_clover", "topological_charge"):
                series[name] += getattr(history, name)[first:]
            clovers = field.clover_fields()
            frames["t"].append(end * step)
            frames["action_density"].append(field.energy_density(clovers=clovers).numpy())
            frames["charge_density"].append(field.topological_charge_density(clovers=clovers).numpy())
    series = {name: np.asarray(values, dtype=float) for name, values in series.items()}
    frames = {name: np.asarray(values) for name, values in frames.items()}
    return field, series, frames


def run_instanton(settings: Mapping[str, Any], pictures: Mapping[str, Any], folder: Path, data, *,
                  seed: int, progress: bool, stage: Callable[[str], None]) -> dict[str, Any]:
    """Run the instanton part into ``folder`` and the HDF5 group ``data`` and return its summary."""
    from ..numeric import discretise_connection, heatbath_sweep, instanton_action
    from ..symbolic import bpst
    from ..viz import (animate_isosurfaces, default_levels, plot_flow_observables, plot_gram_ellipsoids,
                       plot_isosurfaces)

    summary: dict[str, Any] = {}
    stage("derive and verify the BPST instanton exactly")
    connection = bpst(gauge="singular")
    summary["symbolic"] = _derive(connection)

    stage("generate the BPST kernels")
    size = settings["size"]
    kernels, summary["kernels"] = _write_kernels(connection, folder / "kernels", size, seed)

    stage("put the instanton on the lattice")
    extents = tuple(settings["lattice"])
    origin = [-(extent / 2 - 0.5) for extent in extents]
    field = discretise_connection(connection, extents, 1.0, origin=origin, parameters={"rho": size},
                                  potential=kernels["potential"])
    field = _embed(field, settings["group"])
    lattice = {"group": settings["group"], "extents": list(extents), "size_rho": size,
               "initial_action_over_8pi2": float(instanton_action(field)),
               "initial_charge": float(field.topological_charge())}

    stage("add thermal noise (heat bath)")
    generator = torch.Generator().manual_seed(seed)
    for _ in range(settings["noise_sweeps"]):
        heatbath_sweep(field, settings["noise_beta"], generator)
    lattice.update({"noise_beta": settings["noise_beta"], "noise_sweeps": settings["noise_sweeps"],
                    "noisy_plaquette": float(field.mean_plaquette()),
                    "noisy_action_over_8pi2": float(instanton_action(field)),
                    "noisy_charge": float(field.topological_charge())})

    stage("Wilson flow")
    field, series, frames = _flow(field, settings, progress)
    action_over_8pi2 = 2 * field.n * series["action"] / (8 * math.pi ** 2)
    t2e = series["t"] ** 2 * series["energy_clover"]
    steps = round(settings["flow_time"] / settings["flow_step"])
    flow = {"flow_time": settings["flow_time"], "step": settings["flow_step"], "steps": steps,
            "measurements": len(series["t"]),
            "action_over_8pi2": float(action_over_8pi2[-1]), "charge": float(series["topological_charge"][-1]),
            "abs_charge": abs(float(series["topological_charge"][-1])), "t2E": float(t2e[-1]),
            "action_never_increases": bool(np.all(np.diff(series["action"]) <= 1e-12 * series["action"][0]))}
    summary["lattice"], summary["flow"] = lattice, flow

    stage("draw the instanton pictures")
    density = frames["action_density"][-1]
    peak = np.unravel_index(int(density.argmax()), density.shape)
    time_slice = int(peak[3])
    slice_density = density[..., time_slice]
    window, animation = tuple(pictures["window_size"]), tuple(pictures["animation_size"])
    names = {}
    names["flow_observables"] = plot_flow_observables(
        series["t"], folder / "flow_observables.png", action=8 * math.pi ** 2 * action_over_8pi2,
        charge=series["topological_charge"], energy_density=series["energy_clover"],
        title=f"Wilson flow of a noisy BPST instanton, {settings['group'].upper()} "
              f"{'x'.join(map(str, extents))}", size=tuple(pictures["figure_size"]))
    names["action_density"] = plot_isosurfaces(
        slice_density, folder / "action_density.png", window_size=window,
        title=f"action density E(n) at t = {settings['flow_time']:g}, slice n3 = {time_slice}")
    names["charge_density"] = plot_isosurfaces(
        frames["charge_density"][-1][..., time_slice], folder / "charge_density.png",
        field_name="charge density", window_size=window,
        title=f"topological-charge density q(n) at t = {settings['flow_time']:g}, slice n3 = {time_slice}")
    names["flow_animation"] = animate_isosurfaces(
        [frame[..., time_slice] for frame in frames["action_density"]], folder / "wilson_flow.gif",
        times=frames["t"].tolist(), levels=default_levels(slice_density), window_size=animation)
    charge_slices = [frame[..., time_slice] for frame in frames["charge_density"]]
    names["charge_animation"] = animate_isosurfaces(
        charge_slices, folder / "charge_flow.gif", times=frames["t"].tolist(), field_name="charge density",
        levels=default_levels(charge_slices[-1]), window_size=animation)
    gram = _frame_gram(field, time_slice).numpy()
    points, sample_gram, sample_density = _slice_samples(slice_density, gram)
    names["ellipsoids"] = plot_gram_ellipsoids(
        points, sample_gram, sample_density, folder / "instanton_ellipsoids.png", window_size=window,
        title=f"frame Gram ellipsoids and PCA axes, slice n3 = {time_slice}")
    summary["pictures"] = {name: path.name for name, path in names.items()}
    summary["slice"] = {"direction": 3, "site": time_slice, "peak_site": [int(i) for i in peak],
                        "ellipsoid_samples": len(points)}

    group = data.create_group("instanton")
    for name, values in series.items():
        group.create_dataset(f"flow/{name}", data=values)
    group.create_dataset("flow/action_over_8pi2", data=action_over_8pi2)
    group.create_dataset("flow/t2E", data=t2e)
    group.create_dataset("frames/t", data=frames["t"])
    group.create_dataset("frames/action_density", data=frames["action_density"], compression="gzip")
    group.create_dataset("frames/charge_density", data=frames["charge_density"], compression="gzip")
    links = group.create_dataset("flowed_links", data=field.links.numpy(), compression="gzip")
    links.attrs["layout"] = "(L0, L1, L2, L3, mu, N, N), U_mu(x) at lattice site x"
    return summary
