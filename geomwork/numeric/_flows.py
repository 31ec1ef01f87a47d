"""Gradient flows of lattice gauge fields: the Wilson flow and cooling.

The Wilson flow (Lüscher, JHEP 08 (2010) 071) is
:math:`\\dot V_\\mu(x, t) = Z_\\mu(x, t) V_\\mu(x, t)` with
:math:`Z_\\mu(x) = -g_0^2\\,\\partial_{x,\\mu} S_w(V) = -\\mathcal{P}(V_\\mu(x) A_\\mu(x))`, where
:math:`A_\\mu(x)` is the staple sum and :math:`\\mathcal{P}` the projection onto the Lie algebra
(traceless anti-Hermitian part for SU(N)).  Along the flow the Wilson action never increases:
:math:`dS/dt = -(\\beta/2N)\\sum_{x,\\mu}\\langle Z, Z\\rangle \\le 0`.

Integrators are commutator-free Lie-group Runge–Kutta schemes in 2N-storage form: with
:math:`Z_i = \\epsilon Z(W_i)`,

.. math:: X_i = a_i X_{i-1} + Z_i, \\qquad W_{i+1} = \\exp(b_i X_i)\\,W_i .

Lüscher's third-order scheme, :math:`W_1 = e^{Z_0/4}W_0`,
:math:`W_2 = e^{8Z_1/9 - 17Z_0/36}W_1`, :math:`W_3 = e^{3Z_2/4 - 8Z_1/9 + 17Z_0/36}W_2`, is
:math:`a = (0, -17/32, -32/27)` and :math:`b = (1/4, 8/9, 3/4)`; it stores two fields.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field as dataclass_field

import torch

from ._lattice import LatticeGaugeField, _dagger, parity_mask, staple_sum, staple_sums
from ._montecarlo import _subgroups
from ._groups import U1, quaternion_to_su2, su2_to_quaternion

__all__ = [
    "FlowHistory",
    "INTEGRATORS",
    "LowStorageRungeKutta",
    "cool",
    "find_t0",
    "find_w0",
    "wilson_flow",
    "wilson_flow_force",
]

logger = logging.getLogger("geomwork.numeric.flows")


@dataclass(frozen=True)
class LowStorageRungeKutta:
    """A commutator-free Lie-group Runge–Kutta scheme in 2N-storage (Williamson) form.

    Attributes
    ----------
    name : str
    a, b : tuple of float
        Coefficients of :math:`X_i = a_i X_{i-1} + Z_i` and :math:`W_{i+1} = \\exp(b_i X_i)W_i`;
        ``a[0]`` is ignored.
    order : int
        The global order of accuracy.
    """

    name: str
    a: tuple[float, ...]
    b: tuple[float, ...]
    order: int

    def step(self, links: torch.Tensor, epsilon: float, force, exp) -> torch.Tensor:
        """Return the links after one step of size ``epsilon``; ``links`` is not modified.

        ``force(links)`` returns :math:`Z(W)` as a new tensor of the links' shape (the step
        scales it in place), and ``exp`` is the group exponential.  The update :math:`W \\mapsto \\exp(b_i X_i)W` runs slab by slab along the
        first lattice axis, so its temporaries stay a fraction of the field's size.
        """
        links = links.clone()
        accumulator = None
        for a, b in zip(self.a, self.b):
            increment = force(links).mul_(epsilon)
            if accumulator is None:
                accumulator = increment
            else:
                accumulator.mul_(a).add_(increment)
                del increment
            for slab in range(links.shape[0]):
                links[slab] = exp(b * accumulator[slab]) @ links[slab]
        return links


LUSCHER_RK3 = LowStorageRungeKutta("rk3", a=(0.0, -17.0 / 32.0, -32.0 / 27.0), b=(0.25, 8.0 / 9.0, 0.75), order=3)
EULER = LowStorageRungeKutta("euler", a=(0.0,), b=(1.0,), order=1)

INTEGRATORS: dict[str, LowStorageRungeKutta] = {"euler": EULER, "rk3": LUSCHER_RK3}
"""Registry of flow integrators by name."""


def wilson_flow_force(field: LatticeGaugeField, links: torch.Tensor | None = None) -> torch.Tensor:
    """Return :math:`Z_\\mu(x) = -\\mathcal{P}(U_\\mu(x) A_\\mu(x))`, the Wilson-flow generator.

    Parameters
    ----------
    field : LatticeGaugeField
        Supplies the group, and the links unless ``links`` is given.
    links : torch.Tensor, optional
        Links of the field's layout to use instead of ``field.links``.

    Returns
    -------
    torch.Tensor
        Lie-algebra elements of shape ``(*extents, d, N, N)``; :math:`-g_0^2` times the gradient
        of the Wilson action with respect to :math:`\\langle X, Y\\rangle = -2\\,\\mathrm{tr}(XY)`.
    """
    links = field.links if links is None else links
    force = staple_sums(links)

    # Slab by slab along the first lattice axis, so temporaries stay a fraction of the field.
    for slab in range(force.shape[0]):
        force[slab] = field.group.project_algebra(links[slab] @ force[slab])
    return force.neg_()


@dataclass
class FlowHistory:
    """Measurements along a flow, one entry per measured time.

    Attributes
    ----------
    t : list of float
        Flow times (lattice units); for cooling, the number of sweeps.
    energy_clover, energy_plaquette : list of float
        Lattice average of the energy density E, clover and plaquette definitions.
    action : list of float
        Wilson action divided by beta, :math:`\\sum_{x,\\mu<\\nu}(1 - \\mathrm{Re\\,tr}\\,P/N)`.
    topological_charge : list of float
        Clover Q (4D fields only; empty otherwise).
    """

    t: list = dataclass_field(default_factory=list)
    energy_clover: list = dataclass_field(default_factory=list)
    energy_plaquette: list = dataclass_field(default_factory=list)
    action: list = dataclass_field(default_factory=list)
    topological_charge: list = dataclass_field(default_factory=list)

    def t2e(self, kind: str = "clover") -> torch.Tensor:
        """Return :math:`t^2\\langle E(t)\\rangle` as a float64 tensor."""
        energy = self.energy_clover if kind == "clover" else self.energy_plaquette
        t = torch.tensor(self.t, dtype=torch.float64)
        return t * t * torch.tensor(energy, dtype=torch.float64)

    def record(self, t: float, field: LatticeGaugeField) -> None:
        """Append the measurements of ``field`` at time ``t``."""
        planes = field.ndim * (field.ndim - 1) // 2
        clovers = field.clover_fields()
        self.t.append(float(t))
        self.energy_clover.append(float(field.energy_density("clover", clovers=clovers).mean()))
        self.energy_plaquette.append(float(field.mean_energy_density("plaquette")))
        self.action.append(float(field.volume * planes * (1.0 - field.mean_plaquette())))
        if field.ndim == 4:
            self.topological_charge.append(float(field.topological_charge_density(clovers=clovers).sum()))


def wilson_flow(
    field: LatticeGaugeField,
    t_max: float,
    step: float,
    *,
    integrator: str | LowStorageRungeKutta = "rk3",
    measure_every: int = 1,
    progress=None,
) -> tuple[LatticeGaugeField, FlowHistory]:
    """Integrate the Wilson flow from ``t = 0`` to ``t_max`` with fixed steps.

    Parameters
    ----------
    field : LatticeGaugeField
        The start configuration; it is not modified.
    t_max : float
        Final flow time in lattice units; the number of steps is ``round(t_max / step)``.
    step : float
        Step size :math:`\\epsilon`.
    integrator : str or LowStorageRungeKutta
        A name from :data:`INTEGRATORS` (default Lüscher's ``"rk3"``) or a scheme.
    measure_every : int
        Steps between measurements; t = 0 and the last step are always measured.
    progress : object with ``update(n)``, optional
        For example a ``tqdm`` bar; ``update(1)`` is called after every step.

    Returns
    -------
    (LatticeGaugeField, FlowHistory)
        The flowed field and the measurements (E, t²E, action, Q for 4D).
    """
    scheme = _get_integrator(integrator)
    if not step > 0 or not t_max >= 0:
        raise ValueError(f"wilson_flow step = {step!r}, t_max = {t_max!r}; use step > 0 and t_max >= 0")
    steps = int(round(t_max / step))
    if not math.isclose(steps * step, t_max, rel_tol=1e-9, abs_tol=1e-12):
        raise ValueError(
            f"wilson_flow t_max = {t_max} is not a whole number of steps of {step}; "
            f"use t_max = {steps * step:g} or another step"
        )
    logger.info("Wilson flow of %s to t = %g in %d %s steps", field, t_max, steps, scheme.name)

    history = FlowHistory()
    history.record(0.0, field)
    links = field.links

    def force(current):
        return wilson_flow_force(field, current)

    for index in range(1, steps + 1):
        links = scheme.step(links, step, force, field.group.exp)
        if index % measure_every == 0 or index == steps:
            history.record(index * step, field.with_links(links))
        if progress is not None:
            progress.update(1)
    return field.with_links(links), history


def _get_integrator(integrator) -> LowStorageRungeKutta:
    if isinstance(integrator, LowStorageRungeKutta):
        return integrator
    if integrator in INTEGRATORS:
        return INTEGRATORS[integrator]
    raise ValueError(f"unknown flow integrator {integrator!r}; use one of {sorted(INTEGRATORS)} or a LowStorageRungeKutta")


# Scale setting ------------------------------------------------------------------------------


def _crossing(t: torch.Tensor, values: torch.Tensor, target: float, quantity: str) -> float:
    """Return the first t where ``values`` crosses ``target`` upwards, by linear interpolation."""
    above = torch.nonzero(values >= target).flatten()
    if above.numel() == 0 or above[0] == 0:
        found = "never reaches" if above.numel() == 0 else "already starts at or above"
        raise ValueError(
            f"{quantity} {found} {target} on the measured range t = [{float(t[0]):g}, {float(t[-1]):g}] "
            f"(values {float(values.min()):.4g} .. {float(values.max()):.4g}); flow further or measure more often"
        )
    i = int(above[0])
    fraction = (target - values[i - 1]) / (values[i] - values[i - 1])
    return float(t[i - 1] + fraction * (t[i] - t[i - 1]))


def find_t0(history: FlowHistory, target: float = 0.3, kind: str = "clover") -> float:
    """Return :math:`t_0`, where :math:`t^2\\langle E\\rangle` first reaches ``target`` (0.3).

    The crossing is interpolated linearly between the two measurements around it, so the
    interpolation error shrinks with the spacing of the measured times.
    """
    t = torch.tensor(history.t, dtype=torch.float64)
    return _crossing(t, history.t2e(kind), target, "t^2 E(t)")


def find_w0(history: FlowHistory, target: float = 0.3, kind: str = "clover") -> float:
    """Return :math:`w_0`, where :math:`t\\,\\frac{d}{dt}(t^2\\langle E\\rangle) = ` ``target`` at :math:`t = w_0^2`.

    The derivative is the difference quotient of neighbouring measurements, placed at their
    midpoint times, and the crossing is found by linear interpolation.
    """
    t = torch.tensor(history.t, dtype=torch.float64)
    t2e = history.t2e(kind)
    midpoint = 0.5 * (t[1:] + t[:-1])
    w = midpoint * (t2e[1:] - t2e[:-1]) / (t[1:] - t[:-1])
    return math.sqrt(_crossing(midpoint, w, target, "t d/dt t^2 E(t)"))


# Cooling ------------------------------------------------------------------------------------


def _cool_direction(field: LatticeGaugeField, mu: int, parity: int) -> None:
    links = field.links
    mask = parity_mask(field.extents, parity, device=links.device)
    staples = staple_sum(links, mu)[mask]
    current = links[..., mu, :, :][mask]
    if isinstance(field.group, U1):
        updated = staples.conj() / staples.abs().clamp(min=torch.finfo(staples.real.dtype).tiny)
    else:
        # In each SU(2) subgroup, r = V^dagger maximises Re tr(r V) and so minimises the action.
        product = current @ staples
        updated = current.clone()
        for i, j in _subgroups(field.n):
            rows = [i, j]
            quaternion = su2_to_quaternion(product[..., rows, :][..., :, rows])
            k = quaternion.norm(dim=-1, keepdim=True).clamp(min=torch.finfo(quaternion.dtype).tiny)
            r = _dagger(quaternion_to_su2(*(quaternion / k).unbind(-1)))
            updated[..., rows, :] = r @ updated[..., rows, :]
            product[..., rows, :] = r @ product[..., rows, :]
    links[..., mu, :, :][mask] = updated


def cool(field: LatticeGaugeField, sweeps: int, *, measure_every: int = 1, progress=None) -> tuple[LatticeGaugeField, FlowHistory]:
    """Cool a field: replace each link by the one that minimises the local Wilson action.

    Sweeps run in checkerboard order (every extent must be even); for SU(N) each SU(2)
    subgroup is minimised in turn (Cabibbo–Marinari), for U(1) the link becomes
    :math:`A^*/|A|`.  The action never increases.

    Returns
    -------
    (LatticeGaugeField, FlowHistory)
        The cooled field and the measurements, with ``t`` the number of sweeps.
    """
    field.require_even_extents("cooling sweeps")
    logger.info("cooling %s for %d sweeps", field, sweeps)
    cooled = field.clone()
    history = FlowHistory()
    history.record(0, cooled)
    for sweep in range(1, sweeps + 1):
        for mu in range(cooled.ndim):
            for parity in (0, 1):
                _cool_direction(cooled, mu, parity)
        if sweep % measure_every == 0 or sweep == sweeps:
            history.record(sweep, cooled)
        if progress is not None:
            progress.update(1)
    cooled.links = cooled.group.reunitarise(cooled.links)
    return cooled, history
