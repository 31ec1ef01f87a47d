"""Ricci–Yang–Mills flow of a surface carrying a U(1) field.

The flow couples :math:`\\partial_t g_{ij} = -2R_{ij} + F^2_{ij}`, with
:math:`F^2_{ij} = g^{kl}\\langle F_{ik}, F_{jl}\\rangle`, to the Yang–Mills gradient flow
:math:`\\partial_t A_j = D^iF_{ij}`.  The algebra is :math:`\\mathfrak{u}(1)` with generator
:math:`T = -i` and :math:`\\langle X, Y\\rangle = -2\\,\\mathrm{tr}(XY)`, so
:math:`\\langle T, T\\rangle = 2`; these are the conventions of
:func:`geomwork.symbolic.ricci_yang_mills_rhs`.

The right-hand sides are derived exactly from that function on a metric ansatz whose unknowns
are sympy functions, reduced to partial (or ordinary) differential equations in the unknowns
and their jets, and turned into torch kernels by :class:`geomwork.codegen.Kernel`.  This is the
only place where the numeric layer touches sympy, and it does so once per process, in
:func:`monopole_surface_kernel` and :func:`torus_kernel`.

Two reductions are solved:

* A sphere :math:`g = e^{2u(\\theta)}(d\\theta^2 + \\sin^2\\theta\\,d\\phi^2)` with
  :math:`A = a(\\theta)\\,T\\,d\\phi`, :math:`a(0) = 0` and :math:`a(\\pi) = n` for a monopole of
  charge n.  In two dimensions :math:`F^2` is a multiple of :math:`g`, so the flow stays in
  the conformal class.  The round sphere of area :math:`4\\pi\\rho` with the Dirac monopole obeys
  :math:`\\dot\\rho = -2 + n^2/(2\\rho)`, which has the stable fixed point :math:`\\rho = n^2/4`.
* A flat torus :math:`g = \\begin{pmatrix}p & r\\\\ r & q\\end{pmatrix}` with constant field
  strength :math:`F_{xy} = b\\,T` (:math:`A = b\\,x\\,T\\,dy` on a chart).  Then
  :math:`\\dot g = 2b^2 g/\\det g` and :math:`\\dot A = 0`, whose solution is
  :math:`g(t) = g_0\\sqrt{1 + 4b^2t/\\det g_0}`.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from ._geometric_integrators import integrate

__all__ = [
    "MonopoleSurfaceSolution",
    "TorusSolution",
    "monopole_surface_kernel",
    "ricci_yang_mills_monopole_flow",
    "ricci_yang_mills_torus_flow",
    "torus_kernel",
]

logger = logging.getLogger("geomwork.numeric.rym_flow")


class ReductionError(RuntimeError):
    """Raised when a symbolic right-hand side leaves the ansatz it was reduced on."""


@functools.cache
def monopole_surface_kernel():
    """Derive the conformal-gauge Ricci–Yang–Mills equations on :math:`S^2` and build their kernel.

    Builds :math:`g = e^{2u}(d\\theta^2 + \\sin^2\\theta\\,d\\phi^2)` and :math:`A = a\\,T\\,d\\phi`
    with :math:`u, a` sympy functions of :math:`\\theta`, calls
    :func:`geomwork.symbolic.ricci_yang_mills_rhs`, checks that the velocity is conformal and
    rotationally symmetric, and returns a :class:`geomwork.codegen.Kernel` of input
    ``jet = (theta, u, u', u'', a', a'')`` of shape ``(..., 6)`` and output
    :math:`(\\partial_t u, \\partial_t a)` of shape ``(..., 2)``.
    """
    import sympy

    from ..codegen import Kernel
    from ..symbolic import Chart, Connection, Metric, ricci_yang_mills_rhs, u1

    chart = Chart("theta phi", name="S2 conformal")
    theta = chart.coordinates[0]
    u, a = sympy.Function("u")(theta), sympy.Function("a")(theta)
    metric = Metric(chart, [sympy.exp(2 * u), sympy.exp(2 * u) * sympy.sin(theta) ** 2], name="g")
    connection = Connection(u1(), chart, [[0, a]], name="A", metric=metric)
    velocity, potential_rate = ricci_yang_mills_rhs(metric, connection)

    # The ansatz is kept only if the velocity is conformal and A keeps its d(phi) form.
    off_conformal = sympy.simplify(velocity[1, 1] - sympy.sin(theta) ** 2 * velocity[0, 0])
    if off_conformal != 0 or velocity[0, 1] != 0 or potential_rate[0][0]:
        raise ReductionError(f"the Ricci-Yang-Mills velocity leaves the conformal ansatz: "
                             f"{off_conformal}, {velocity[0, 1]}, {potential_rate[0][0]}")

    jet = sympy.symbols("u u_1 u_2 a_1 a_2", real=True)
    rates = [velocity[0, 0] * sympy.exp(-2 * u) / 2, potential_rate[0][1].expr]
    rates = [_to_jet(rate, theta, [(u, jet[:3]), (a, (None,) + jet[3:])]) for rate in rates]
    return Kernel(rates, inputs={"jet": [theta, *jet]}, name="rym_monopole_surface",
                  use_cache=False)


@functools.cache
def torus_kernel():
    """Derive the Ricci–Yang–Mills equations of a flat torus with constant field and build their kernel.

    Input ``state = (p, q, r, b)`` of shape ``(..., 4)`` for :math:`g = ((p, r), (r, q))` and
    :math:`F_{xy} = b\\,T`; output :math:`(\\dot p, \\dot q, \\dot r)` of shape ``(..., 3)``.
    """
    import sympy

    from ..codegen import Kernel
    from ..symbolic import Chart, Connection, Metric, ricci_yang_mills_rhs, u1

    chart = Chart("x y", name="T2")
    x = chart.coordinates[0]
    p, q, r, b = sympy.symbols("p q r b", real=True)
    metric = Metric(chart, [[p, r], [r, q]], name="g")
    connection = Connection(u1(), chart, [[0, b * x]], name="A", metric=metric)
    velocity, potential_rate = ricci_yang_mills_rhs(metric, connection)
    if any(component for row in potential_rate for component in row):
        raise ReductionError(f"the constant field on the flat torus is not Yang-Mills: "
                             f"dA/dt = {potential_rate}")
    rates = [sympy.simplify(velocity[0, 0]), sympy.simplify(velocity[1, 1]),
             sympy.simplify(velocity[0, 1])]
    return Kernel(rates, inputs={"state": [p, q, r, b]}, name="rym_flat_torus", use_cache=False)


def _to_jet(expression, variable, functions):
    """Replace each function and its derivatives by jet symbols, highest derivative first."""
    import sympy

    for function, symbols in functions:
        for order in reversed(range(len(symbols))):
            target = function if order == 0 else sympy.Derivative(function, (variable, order))
            if symbols[order] is not None:
                expression = expression.subs(target, symbols[order])
    leftover = expression.atoms(sympy.Function) - expression.atoms(sympy.sin, sympy.cos, sympy.exp)
    if leftover:
        raise ReductionError(f"the reduced right-hand side still contains {sorted(map(str, leftover))}")
    return expression


@dataclass
class MonopoleSurfaceSolution:
    """Saved states of the Ricci–Yang–Mills flow of a sphere with a U(1) monopole.

    Attributes
    ----------
    times : torch.Tensor, shape ``(S,)``
    theta : torch.Tensor, shape ``(N,)``
        Cell centres :math:`\\theta_j = (j + \\tfrac12)\\pi/N`.
    conformal_factors, potentials : torch.Tensor, shape ``(S, N)``
        :math:`u` and :math:`a = A_\\phi` at the cell centres.
    gauss_curvatures : torch.Tensor, shape ``(S, N)``
        :math:`K = -e^{-2u}(\\Delta_0 u - 1)` with the round Laplacian :math:`\\Delta_0`.
    field_strengths : torch.Tensor, shape ``(S, N)``
        :math:`f = \\star F = a'/(e^{2u}\\sin\\theta)`, so :math:`F = f\\,T\\,\\mathrm{vol}_g`;
        :math:`F` is parallel exactly when :math:`f` is constant.
    areas : torch.Tensor, shape ``(S,)``
    charge : float
        :math:`a(\\pi) - a(0)`, the first Chern number.
    normalized : bool
    steps : int
    """

    times: torch.Tensor
    theta: torch.Tensor
    conformal_factors: torch.Tensor
    potentials: torch.Tensor
    gauss_curvatures: torch.Tensor
    field_strengths: torch.Tensor
    areas: torch.Tensor
    charge: float
    normalized: bool
    steps: int

    def relative_spread(self, values: torch.Tensor) -> torch.Tensor:
        """Return :math:`(\\max - \\min)/|\\mathrm{mean}|` over the grid, shape ``(S,)``."""
        return (values.amax(-1) - values.amin(-1)) / values.mean(-1).abs()


class _MonopoleSurfaceFlow:
    """Right-hand side on ``points`` cell centres; the state is ``cat(u, a)``."""

    def __init__(self, points: int, normalized: bool, dtype, device):
        self.points, self.normalized = points, normalized
        self.h = math.pi / points
        self.theta = (torch.arange(points, dtype=dtype, device=device) + 0.5) * self.h
        self.kernel = monopole_surface_kernel()

    def jets(self, values: torch.Tensor):
        # Both u and a are even about each pole, so the ghost cells mirror the first cells.
        padded = torch.cat([values[..., :1], values, values[..., -1:]], dim=-1)
        first = (padded[..., 2:] - padded[..., :-2]) / (2 * self.h)
        second = (padded[..., 2:] - 2 * values + padded[..., :-2]) / self.h ** 2
        return first, second

    def __call__(self, t: float, y: torch.Tensor) -> torch.Tensor:
        u, a = y[..., :self.points], y[..., self.points:]
        u1, u2 = self.jets(u)
        a1, a2 = self.jets(a)
        jet = torch.stack([self.theta.expand_as(u), u, u1, u2, a1, a2], dim=-1)
        rates = self.kernel(jet)
        u_rate, a_rate = rates[..., 0], rates[..., 1]
        if self.normalized:
            weights = torch.exp(2 * u) * torch.sin(self.theta)
            u_rate = u_rate - (u_rate * weights).sum(-1, keepdim=True) / weights.sum(-1, keepdim=True)
        return torch.cat([u_rate, a_rate], dim=-1)

    def diagnostics(self, y: torch.Tensor):
        u, a = y[..., :self.points], y[..., self.points:]
        u1, u2 = self.jets(u)
        a1, _ = self.jets(a)
        sin = torch.sin(self.theta)
        laplacian = u2 + torch.cos(self.theta) / sin * u1
        curvature = -torch.exp(-2 * u) * (laplacian - 1)
        field = a1 / (torch.exp(2 * u) * sin)
        area = 2 * math.pi * (torch.exp(2 * u) * sin).sum(-1) * self.h
        return curvature, field, area


def _as_profile(value, theta, name):
    if callable(value):
        return torch.as_tensor(value(theta), dtype=theta.dtype, device=theta.device).expand_as(theta)
    if isinstance(value, (int, float)):
        return torch.full_like(theta, float(value))
    raise TypeError(f"{name} must be a number or a callable of theta, not {type(value).__name__}")


def ricci_yang_mills_monopole_flow(
    conformal_factor: float | Callable = 0.0,
    charge: int = 1,
    save_times=(0.0, 1.0),
    *,
    potential: Callable | None = None,
    points: int = 64,
    normalized: bool = False,
    integrator: str = "bs3",
    dt: float | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    callback: Callable[[float, torch.Tensor], None] | None = None,
    dtype: torch.dtype = torch.float64,
    device=None,
) -> MonopoleSurfaceSolution:
    """Run the Ricci–Yang–Mills flow of :math:`(e^{2u}g_{S^2}, A = a\\,T\\,d\\phi)`.

    The equations come from :func:`monopole_surface_kernel`.  Space is discretised on
    ``points`` cells uniform in :math:`\\theta` by central differences (second order), with
    ghost cells mirroring :math:`u` and :math:`a` about the poles.  Time is discretised by
    :func:`~geomwork.numeric._geometric_integrators.integrate`.

    Parameters
    ----------
    conformal_factor : float or callable
        :math:`u_0(\\theta)`; smooth metrics need :math:`u_0'(0) = u_0'(\\pi) = 0`.
    charge : int
        Monopole charge n; the default potential is the Dirac monopole
        :math:`a_0 = \\tfrac n2(1 - \\cos\\theta)`.
    save_times : sequence of float
        Increasing times at which the state is saved.
    potential : callable, optional
        :math:`a_0(\\theta)` with :math:`a_0(0) = 0` and :math:`a_0(\\pi) = n`.
    normalized : bool
        Subtract the area-weighted mean of :math:`\\partial_t u`, which keeps the area fixed.
    callback : callable, optional
        ``callback(t, state)`` after every step.

    Returns
    -------
    MonopoleSurfaceSolution
    """
    flow = _MonopoleSurfaceFlow(points, normalized, dtype, device)
    theta = flow.theta
    u0 = _as_profile(conformal_factor, theta, "conformal_factor")
    if potential is None:
        a0 = charge / 2 * (1 - torch.cos(theta))
    else:
        a0 = _as_profile(potential, theta, "potential")
    _check_monopole_data(conformal_factor, potential, charge, theta)

    y0 = torch.cat([u0, a0])
    logger.info("Ricci-Yang-Mills flow of a charge-%s monopole on %d cells, normalized=%s",
                charge, points, normalized)
    times, states, steps = integrate(flow, y0, save_times, integrator=integrator, dt=dt, rtol=rtol,
                                     atol=atol, callback=callback, name="Ricci-Yang-Mills flow")
    curvature, field, area = flow.diagnostics(states)
    return MonopoleSurfaceSolution(
        times=times, theta=theta, conformal_factors=states[:, :points], potentials=states[:, points:],
        gauss_curvatures=curvature, field_strengths=field, areas=area, charge=float(charge),
        normalized=normalized, steps=steps)


def _check_monopole_data(conformal_factor, potential, charge, theta):
    """Reject initial data that do not close smoothly at the poles."""
    ends = torch.tensor([0.0, math.pi], dtype=theta.dtype)
    step = 1e-6
    if callable(conformal_factor):
        slopes = (_as_profile(conformal_factor, ends + step, "conformal_factor")
                  - _as_profile(conformal_factor, ends - step, "conformal_factor")) / (2 * step)
        if float(slopes.abs().max()) > 1e-4:
            raise ValueError(f"conformal factor has slope u'(0), u'(pi) = {slopes.tolist()}; a metric "
                             f"that closes smoothly at the poles needs u' = 0 there")
    if potential is not None:
        values = _as_profile(potential, ends, "potential")
        expected = torch.tensor([0.0, float(charge)], dtype=theta.dtype)
        if float((values - expected).abs().max()) > 1e-8:
            raise ValueError(f"potential has a(0), a(pi) = {values.tolist()}, but a monopole of "
                             f"charge {charge} on the northern patch needs 0 and {charge}")


@dataclass
class TorusSolution:
    """Saved metrics of the Ricci–Yang–Mills flow of flat tori with constant field strength.

    Attributes
    ----------
    times : torch.Tensor, shape ``(S,)``
    metrics : torch.Tensor, shape ``(S, ..., 2, 2)``
    field_strength : torch.Tensor, shape ``(...)``
        :math:`b` in :math:`F_{xy} = b\\,T`, constant along the flow.
    steps : int
    """

    times: torch.Tensor
    metrics: torch.Tensor
    field_strength: torch.Tensor
    steps: int

    def exact_metrics(self) -> torch.Tensor:
        """Return :math:`g_0\\sqrt{1 + 4b^2t/\\det g_0}` at the saved times."""
        g0 = self.metrics[0]
        det0 = torch.linalg.det(g0)
        t = self.times.reshape((-1,) + (1,) * det0.ndim).to(g0.dtype)
        scale = torch.sqrt(1 + 4 * self.field_strength ** 2 * t / det0)
        return g0 * scale[..., None, None]


def ricci_yang_mills_torus_flow(metric, field_strength, save_times=(0.0, 1.0), *,
                                integrator: str = "bs3", dt: float | None = None,
                                rtol: float = 1e-8, atol: float = 1e-12) -> TorusSolution:
    """Run the Ricci–Yang–Mills flow of flat tori with constant field strength, batched.

    Parameters
    ----------
    metric : torch.Tensor, shape ``(..., 2, 2)``
        Symmetric positive definite constant metrics.
    field_strength : float or torch.Tensor, shape ``(...)``
        :math:`b` in :math:`F_{xy} = b\\,T`.
    save_times : sequence of float

    Returns
    -------
    TorusSolution
    """
    metric = torch.as_tensor(metric)
    if not metric.is_floating_point():
        metric = metric.to(torch.float64)
    if metric.shape[-2:] != (2, 2):
        raise ValueError(f"torus metric has shape {tuple(metric.shape)}; expected (..., 2, 2)")
    asymmetry = float((metric - metric.transpose(-1, -2)).abs().max())
    if asymmetry > 1e-12 * float(metric.abs().max()):
        raise ValueError(f"torus metric is not symmetric (max |g - g^T| = {asymmetry:.3g}); "
                         f"pass (g + g^T)/2")
    smallest = float(torch.linalg.eigvalsh(metric).min())
    if smallest <= 0:
        raise ValueError(f"torus metric is not positive definite (smallest eigenvalue "
                         f"{smallest:.6g}); a Riemannian metric needs positive eigenvalues")
    field = torch.as_tensor(field_strength, dtype=metric.dtype).expand(metric.shape[:-2])
    kernel = torus_kernel()

    def rhs(t, y):
        rates = kernel(torch.cat([y, field[..., None]], dim=-1))
        return rates

    y0 = torch.stack([metric[..., 0, 0], metric[..., 1, 1], metric[..., 0, 1]], dim=-1)
    times, states, steps = integrate(rhs, y0, save_times, integrator=integrator, dt=dt, rtol=rtol,
                                     atol=atol, name="torus Ricci-Yang-Mills flow")
    p, q, r = states.unbind(-1)
    metrics = torch.stack([torch.stack([p, r], -1), torch.stack([r, q], -1)], -2)
    return TorusSolution(times=times, metrics=metrics, field_strength=field, steps=steps)
