"""Ricci flow of rotationally symmetric metrics on :math:`S^{n+1}`.

A metric :math:`g = \\varphi(x)^2dx^2 + \\psi(x)^2 g_{S^n}` on :math:`x \\in [x_0, x_1]`, with
the round unit metric :math:`g_{S^n}`, has the arclength :math:`ds = \\varphi\\,dx` and is
determined up to isometry by :math:`\\psi(s)` and the length :math:`L` between the poles.  The
Ricci flow :math:`\\partial_t g = -2\\,\\mathrm{Ric}` keeps the symmetry.  At a fixed point of
the manifold (Angenent & Knopf, Eur. J. Appl. Math. 15 (2004) 15),

.. math:: \\partial_t\\varphi = n\\,\\frac{\\psi_{ss}}{\\psi}\\,\\varphi, \\qquad
          \\partial_t\\psi = \\psi_{ss} - (n-1)\\,\\frac{1 - \\psi_s^2}{\\psi} .

The first equation has no diffusion, which makes a discretisation at fixed points of the
manifold unstable (Rubinstein & Sinclair, Experimental Math. 14 (2005) 285).  This module uses
the arclength gauge instead: the grid is uniform in :math:`\\xi = s/L \\in [0, 1]` at every
time, so :math:`\\varphi` is constant in space and only :math:`\\Psi(\\xi, t)` and
:math:`L(t)` evolve,

.. math:: \\partial_t\\Psi = \\Psi_{ss} - (n-1)\\frac{1 - \\Psi_s^2}{\\Psi}
          + \\Psi_s\\,\\bigl(\\xi L' - V(s)\\bigr), \\qquad
          V(s) = n\\int_0^s \\frac{\\psi_{ss}}{\\psi}\\,ds', \\qquad L' = V(L),

where :math:`V` is the velocity in :math:`s` of a point of the manifold.  The system is
strictly parabolic, the resolution relative to the size stays fixed while a sphere shrinks,
and the poles carry the boundary conditions :math:`\\Psi = 0` (a smooth closing,
:math:`\\Psi_s = \\pm 1`, is then kept by the flow).  Space is discretised by second-order
central differences, time by an explicit Runge–Kutta scheme with steps bounded by the
scheme's stability region.

Sectional curvatures are :math:`K_{\\mathrm{rad}} = -\\psi_{ss}/\\psi` (planes containing
:math:`\\partial_s`) and :math:`K_{\\mathrm{orb}} = (1 - \\psi_s^2)/\\psi^2` (planes tangent to
the orbit sphere, only for :math:`n \\ge 2`).  For :math:`n = 1` the Gauss curvature is
:math:`K_{\\mathrm{rad}}`.  The round sphere of radius :math:`r` becomes extinct at
:math:`T = r^2/(2n)`, and a surface (:math:`n = 1`) at :math:`T = A_0/(8\\pi)`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from ._geometric_integrators import (
    ButcherTableau,
    UnstableStepError,
    get_integrator,
    spectral_radius,
)

__all__ = ["ProfileError", "RicciFlowSolution", "RotationalMetric", "ricci_flow",
           "round_sphere_extinction_time"]

logger = logging.getLogger("geomwork.numeric.ricci_flow")

# Fraction of the stability bound that adaptive steps use, since the power iteration
# underestimates the spectral radius slightly.
_STABILITY_SAFETY = 0.8


class ProfileError(ValueError):
    """Raised for a warping profile that does not define a smooth metric on the sphere."""


def sphere_volume(n: int) -> float:
    """Return the volume of the round unit n-sphere, :math:`2\\pi^{(n+1)/2}/\\Gamma((n+1)/2)`."""
    return 2 * math.pi ** ((n + 1) / 2) / math.gamma((n + 1) / 2)


def round_sphere_extinction_time(radius: float, dimension: int) -> float:
    """Return the Ricci-flow extinction time :math:`r^2/(2(d - 1))` of the round d-sphere."""
    if dimension < 2:
        raise ValueError(f"the round {dimension}-sphere has no Ricci flow; use dimension >= 2")
    return radius ** 2 / (2 * (dimension - 1))


class RotationalMetric:
    """A rotationally symmetric metric :math:`\\varphi(x)^2dx^2 + \\psi(x)^2g_{S^n}` on :math:`S^{n+1}`.

    The poles are the ends of ``domain``.  Building the metric checks that :math:`\\varphi > 0`,
    that :math:`\\psi > 0` inside, and that :math:`\\psi` closes smoothly at both poles:
    :math:`\\psi = 0` and :math:`|d\\psi/ds| = 1` there, since otherwise the metric has a cone
    point.  The arclength is integrated on ``quadrature_points`` points.

    Parameters
    ----------
    phi, psi : callable
        Functions of a float64 tensor of parameters ``x``, returning tensors of its shape.
    n : int
        Dimension of the orbit spheres; the manifold is :math:`S^{n+1}`.
    domain : tuple of float
        The parameter interval ``(x0, x1)``.
    tolerance : float
        Allowed deviation of :math:`|d\\psi/ds|` from 1 at the poles, and of :math:`\\psi/L` from 0.
    """

    def __init__(self, phi: Callable, psi: Callable, n: int = 1, domain=(0.0, math.pi), *,
                 name: str = "g", tolerance: float = 1e-3, quadrature_points: int = 1 << 14):
        if int(n) != n or n < 1:
            raise ProfileError(f"metric {name}: orbit dimension n = {n!r} is invalid; use an "
                               f"integer n >= 1 (n = 1 for surfaces, n = 2 for 3-spheres)")
        x0, x1 = map(float, domain)
        if not x1 > x0:
            raise ProfileError(f"metric {name}: domain {domain} is empty; pass (x0, x1) with x0 < x1")
        self.name, self.n, self.domain = name, int(n), (x0, x1)
        x = torch.linspace(x0, x1, quadrature_points, dtype=torch.float64)
        phi_values = torch.as_tensor(phi(x), dtype=torch.float64).expand_as(x)
        psi_values = torch.as_tensor(psi(x), dtype=torch.float64).expand_as(x)
        self._check_positive(x, phi_values, psi_values)
        arclength = torch.cat([torch.zeros(1, dtype=torch.float64),
                               torch.cumulative_trapezoid(phi_values, x)])
        self.length = float(arclength[-1])
        self._arclength, self._psi = arclength, psi_values
        self._check_poles(arclength, psi_values, tolerance)

    def _check_positive(self, x, phi_values, psi_values):
        bad = torch.nonzero(~(phi_values > 0))
        if len(bad):
            i = int(bad[0])
            raise ProfileError(f"metric {self.name}: phi({float(x[i]):.6g}) = {float(phi_values[i]):.6g} "
                               f"is not positive; phi must be > 0 on the whole domain")
        interior = psi_values[1:-1]
        bad = torch.nonzero(~(interior > 0))
        if len(bad):
            i = int(bad[0]) + 1
            raise ProfileError(f"metric {self.name}: psi({float(x[i]):.6g}) = {float(psi_values[i]):.6g} "
                               f"is not positive; psi must be > 0 between the poles")

    def _check_poles(self, arclength, psi_values, tolerance):
        for label, end, inner in (("first", 0, 1), ("second", -1, -2)):
            value = float(psi_values[end])
            if abs(value) > tolerance * self.length:
                raise ProfileError(f"metric {self.name}: psi = {value:.6g} at the {label} pole; a "
                                   f"profile that closes at the pole needs psi = 0 there")
            slope = abs(float((psi_values[inner] - psi_values[end]) / (arclength[inner] - arclength[end])))
            if abs(slope - 1.0) > tolerance:
                raise ProfileError(
                    f"metric {self.name}: |dpsi/ds| = {slope:.6g} at the {label} pole, so the metric "
                    f"has a cone point there; a smooth closing needs |dpsi/ds| = 1 (scale psi or phi "
                    f"near the pole)")

    def sample(self, points: int, dtype=torch.float64, device=None) -> torch.Tensor:
        """Return :math:`\\psi` at ``points + 1`` nodes uniform in arclength, poles included."""
        targets = torch.linspace(0.0, self.length, points + 1, dtype=torch.float64)
        index = torch.searchsorted(self._arclength, targets).clamp(1, len(self._arclength) - 1)
        left, right = self._arclength[index - 1], self._arclength[index]
        weight = (targets - left) / (right - left)
        values = torch.lerp(self._psi[index - 1], self._psi[index], weight)
        values[0] = values[-1] = 0.0
        return values.to(dtype=dtype, device=device)

    @property
    def volume(self) -> float:
        """The Riemannian volume :math:`|S^n|\\int\\psi^n ds` (area for ``n = 1``)."""
        return sphere_volume(self.n) * float(torch.trapezoid(self._psi ** self.n, self._arclength))

    @classmethod
    def round_sphere(cls, radius: float = 1.0, n: int = 1) -> RotationalMetric:
        """Build the round :math:`S^{n+1}` of radius r: :math:`\\varphi = r`, :math:`\\psi = r\\sin x`."""
        return cls(lambda x: torch.full_like(x, radius), lambda x: radius * torch.sin(x), n,
                   name=f"round S^{n + 1}")

    @classmethod
    def rubinstein_sinclair(cls, c3: float = 0.766, c5: float = -0.091) -> RotationalMetric:
        """Build the surface :math:`\\varphi = 1`, :math:`\\psi = (\\sin x + c_3\\sin 3x + c_5\\sin 5x)/(1 + 3c_3 + 5c_5)`.

        With the default coefficients it is the dumbbell-like initial surface of Rubinstein &
        Sinclair (Experimental Math. 14 (2005), arXiv:math/0406189), of area 5.468264.
        """
        scale = 1 + 3 * c3 + 5 * c5
        return cls(lambda x: torch.ones_like(x),
                   lambda x: (torch.sin(x) + c3 * torch.sin(3 * x) + c5 * torch.sin(5 * x)) / scale,
                   1, name="Rubinstein-Sinclair surface")

    @classmethod
    def dumbbell(cls, n: int = 2, neck: float = 0.3, sharpness: int = 6,
                 stretch: float = 3.0) -> RotationalMetric:
        """Build a dumbbell with :math:`\\varphi = 1 + \\text{stretch}\\,\\sin^{2k}x` and
        :math:`\\psi = \\sin x\\,(1 - (1 - \\text{neck})\\sin^{2k}x)`.

        Two bulbs of radius about 0.77 are joined at :math:`x = \\pi/2` by a neck of radius
        ``neck``, of width about :math:`1/\\sqrt{k}` in x for ``sharpness`` k, lengthened in
        arclength by ``stretch``.  For ``n >= 2`` the defaults pinch the neck near
        :math:`t = 0.052`, long before the bulbs would vanish (Angenent & Knopf 2004 prove that
        sufficiently pinched symmetric necks do so).
        """
        depth = 1.0 - neck
        return cls(lambda x: 1 + stretch * torch.sin(x) ** (2 * sharpness),
                   lambda x: torch.sin(x) * (1 - depth * torch.sin(x) ** (2 * sharpness)), n,
                   name=f"dumbbell S^{n + 1}")

    def __repr__(self):
        return f"RotationalMetric({self.name!r}, n={self.n}, length={self.length:.6g})"


@dataclass
class RicciFlowSolution:
    """The history of a Ricci flow of a rotationally symmetric metric.

    Attributes
    ----------
    n : int
        Dimension of the orbit spheres.
    times, lengths, volumes, max_curvatures, neck_radii : torch.Tensor, shape ``(steps + 1,)``
        Scalars after every accepted step: pole-to-pole length :math:`L`, volume, the maximum
        absolute sectional curvature and the smallest interior local minimum of :math:`\\psi`
        (``inf`` without a neck).
    saved_times : torch.Tensor, shape ``(S,)``
    saved_profiles : torch.Tensor, shape ``(S, N + 1)``
        :math:`\\psi` on the uniform arclength grid at the saved times; the grid of row ``k`` is
        ``linspace(0, L_k, N + 1)``.
    saved_lengths : torch.Tensor, shape ``(S,)``
    stop_time : float
        Time of the last accepted step.
    singular_time : float or None
        Extrapolated time of the singularity, when the flow stopped at one.  It is the root of
        a straight line fitted to the final stretch of :math:`V^{2/(n+1)}(t)` for an extinction,
        which is exact for round spheres and for surfaces (whose area falls at the rate
        :math:`8\\pi`).  For a neckpinch it is the root of the line through :math:`1/K_{\\max}(t)`,
        since the blow-up is of type I.
    singularity : str or None
        ``"extinction"`` (the whole sphere shrinks to a round point), ``"neckpinch"`` (the
        curvature blows up at a neck while the rest stays large), or None.
    stop_reason : str
    steps, rejected_steps : int
    """

    n: int
    times: torch.Tensor
    lengths: torch.Tensor
    volumes: torch.Tensor
    max_curvatures: torch.Tensor
    neck_radii: torch.Tensor
    saved_times: torch.Tensor
    saved_profiles: torch.Tensor
    saved_lengths: torch.Tensor
    stop_time: float
    singular_time: float | None
    singularity: str | None
    stop_reason: str
    steps: int
    rejected_steps: int = 0

    def arclength(self, index: int = -1) -> torch.Tensor:
        """Return the arclength nodes of saved profile ``index``, shape ``(N + 1,)``."""
        points = self.saved_profiles.shape[-1]
        return torch.linspace(0.0, float(self.saved_lengths[index]), points,
                              dtype=self.saved_profiles.dtype)

    def profile_curve(self, index: int = -1) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(z, r)`` of the profile curve of saved profile ``index``.

        The curve :math:`(z(s), \\psi(s))` with :math:`dz/ds = \\sqrt{1 - \\psi_s^2}` embeds the
        manifold as a hypersurface of revolution in :math:`\\mathbb{R}^{n+2}` (a surface in
        :math:`\\mathbb{R}^3` for ``n = 1``).  Where :math:`|\\psi_s| > 1` no such embedding exists;
        there ``z`` is continued with :math:`dz/ds = 0` and a warning is logged.
        """
        s, r = self.arclength(index), self.saved_profiles[index]
        slope = torch.diff(r) / torch.diff(s)
        squared = 1 - slope ** 2
        if bool((squared < -1e-6).any()):
            logger.warning("profile %d has |dpsi/ds| up to %.4g > 1: it has no isometric embedding "
                           "as a hypersurface of revolution; z is clamped", index,
                           float(slope.abs().max()))
        dz = torch.sqrt(squared.clamp(min=0)) * torch.diff(s)
        z = torch.cat([torch.zeros(1, dtype=r.dtype), torch.cumsum(dz, 0)])
        return z - z[-1] / 2, r

    def surface_of_revolution(self, index: int = -1, angles: int = 64):
        """Return ``(X, Y, Z)`` grids of shape ``(N + 1, angles)``: the profile rotated about the z-axis."""
        z, r = self.profile_curve(index)
        angle = torch.linspace(0.0, 2 * math.pi, angles, dtype=r.dtype)
        return (r[:, None] * torch.cos(angle), r[:, None] * torch.sin(angle),
                z[:, None].expand(-1, angles))


class _ArclengthGaugeFlow:
    """Right-hand side of the arclength-gauge Ricci flow on ``points + 1`` nodes.

    The state is ``y = (Psi_1, ..., Psi_{N-1}, L)``; the poles carry ``Psi = 0``.
    """

    def __init__(self, n: int, points: int, dtype, device):
        self.n, self.points = n, points
        self.xi = torch.linspace(0.0, 1.0, points + 1, dtype=dtype, device=device)
        self._zero = torch.zeros(1, dtype=dtype, device=device)

    def profile(self, y: torch.Tensor) -> torch.Tensor:
        return torch.cat([self._zero, y[:-1], self._zero])

    def derivatives(self, y: torch.Tensor):
        """Return ``(psi, ds, psi_s, psi_ss, q)``: interior first and second derivatives and
        ``q = psi_ss/psi`` at every node, its pole values extrapolated as an even function.

        The first derivative is the fourth-order central difference, with ghost nodes from the
        odd reflection of psi about each pole.  Second-order differences would be enough for
        the scheme's order away from the poles, but their O(h^2) error in psi_s, divided by
        psi = O(jh) in the orbit term, leaves an O(h/j) error at node j next to a pole.
        """
        psi, ds = self.profile(y), y[-1] / self.points
        padded = torch.cat([-psi[1:3].flip(0), psi, -psi[-3:-1].flip(0)])
        psi_s = (8 * (padded[4:-2] - padded[2:-4]) - (padded[5:-1] - padded[1:-5])) / (12 * ds)
        psi_ss = (psi[2:] - 2 * psi[1:-1] + psi[:-2]) / ds ** 2
        q = psi_ss / psi[1:-1]
        q = torch.cat([(4 * q[:1] - q[1:2]) / 3, q, (4 * q[-1:] - q[-2:-1]) / 3])
        return psi, ds, psi_s, psi_ss, q

    def __call__(self, t: float, y: torch.Tensor) -> torch.Tensor:
        psi, ds, psi_s, psi_ss, q = self.derivatives(y)
        velocity = self.n * torch.cat([self._zero, torch.cumsum((q[1:] + q[:-1]) * (ds / 2), 0)])
        length_rate = velocity[-1:]
        drift = self.xi[1:-1] * length_rate - velocity[1:-1]
        psi_t = psi_ss + psi_s * drift
        if self.n > 1:
            psi_t = psi_t + (self.n - 1) * self._orbit_term(psi, psi_s, psi_ss)
        return torch.cat([psi_t, length_rate])

    @staticmethod
    def _orbit_term(psi, psi_s, psi_ss):
        """Return :math:`-(1 - \\psi_s^2)/\\psi` at the interior nodes, regular next to the poles.

        Next to a pole the quotient is 0/0, so a small difference error in psi_s there seeds a
        cone at the pole, which the term then amplifies.  For a smooth closing
        :math:`\\psi = s + as^3 + O(s^5)` the term equals :math:`\\psi_{ss} + O(s^3)`, which is
        what the nodes next to the poles use.
        """
        term = -(1 - psi_s ** 2) / psi[1:-1]
        return torch.cat([psi_ss[:1], term[1:-1], psi_ss[-1:]])

    def max_curvature(self, y: torch.Tensor) -> float:
        psi, _, psi_s, _, q = self.derivatives(y)
        curvature = q.abs().max()
        if self.n > 1:
            curvature = torch.maximum(curvature, ((1 - psi_s ** 2) / psi[1:-1] ** 2).abs().max())
        return float(curvature)

    def volume(self, y: torch.Tensor) -> float:
        psi, ds = self.profile(y), y[-1] / self.points
        return sphere_volume(self.n) * float(torch.trapezoid(psi ** self.n, dx=ds))

    def neck_radius(self, y: torch.Tensor) -> float:
        psi = self.profile(y)
        inner = psi[1:-1]
        is_minimum = (inner < psi[:-2]) & (inner <= psi[2:])
        return float(inner[is_minimum].min()) if bool(is_minimum.any()) else math.inf


def _singular_time(times: list[float], values: list[float]) -> float | None:
    """Return the root of a straight line fitted to ``values(times)`` over its final stretch.

    The stretch starts where ``values`` was last twice its final value.
    """
    start = next((i for i, value in enumerate(values) if value <= 2 * values[-1]), len(values))
    start = min(start, len(values) - 3)
    if start < 0:
        return None
    t = torch.tensor(times[start:], dtype=torch.float64)
    v = torch.tensor(values[start:], dtype=torch.float64)
    design = torch.stack([torch.ones_like(t), t], dim=1)
    intercept, slope = torch.linalg.lstsq(design, v[:, None]).solution[:, 0].tolist()
    if slope >= 0:
        return None
    return -intercept / slope


def _classify(flow: _ArclengthGaugeFlow, y: torch.Tensor) -> str:
    psi = flow.profile(y)
    neck = flow.neck_radius(y)
    return "neckpinch" if neck < 0.25 * float(psi.max()) else "extinction"


class _History:
    """Scalars after every step and profiles at the saved steps of one Ricci-flow run."""

    def __init__(self, flow: _ArclengthGaugeFlow, y: torch.Tensor):
        self.flow = flow
        self.times, self.lengths, self.volumes, self.curvatures, self.necks = [], [], [], [], []
        self.saved_times, self.saved_profiles, self.saved_lengths = [], [], []
        self.record(0.0, y)
        self.save(0.0, y)

    def record(self, t: float, y: torch.Tensor) -> None:
        self.times.append(t)
        self.lengths.append(float(y[-1]))
        self.volumes.append(self.flow.volume(y))
        self.curvatures.append(self.flow.max_curvature(y))
        self.necks.append(self.flow.neck_radius(y))

    def save(self, t: float, y: torch.Tensor) -> None:
        self.saved_times.append(t)
        self.saved_profiles.append(self.flow.profile(y).clone())
        self.saved_lengths.append(float(y[-1]))

    def singular_time(self, singularity: str | None) -> float | None:
        if singularity == "extinction":
            # A shrinking round sphere has volume ~ r^(n+1) with r^2 ~ T - t.
            scales = [volume ** (2 / (self.flow.n + 1)) for volume in self.volumes]
            return _singular_time(self.times, scales)
        if singularity == "neckpinch":
            # Type-I blow-up: the maximum curvature grows like 1/(T - t).
            return _singular_time(self.times, [1.0 / k for k in self.curvatures])
        return None

    def solution(self, **results) -> RicciFlowSolution:
        def as_tensor(values):
            return torch.tensor(values, dtype=torch.float64)

        return RicciFlowSolution(
            n=self.flow.n, times=as_tensor(self.times), lengths=as_tensor(self.lengths),
            volumes=as_tensor(self.volumes), max_curvatures=as_tensor(self.curvatures),
            neck_radii=as_tensor(self.necks), saved_times=as_tensor(self.saved_times),
            saved_profiles=torch.stack(self.saved_profiles).cpu(),
            saved_lengths=as_tensor(self.saved_lengths), **results)


def ricci_flow(
    metric: RotationalMetric,
    *,
    points: int = 64,
    t_end: float = math.inf,
    integrator: str | ButcherTableau = "bs3",
    dt: float | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    curvature_ratio: float = 100.0,
    min_neck_cells: float = 2.0,
    save_every: int = 0,
    max_steps: int = 1_000_000,
    stability_check_every: int = 20,
    callback: Callable[[float, torch.Tensor], None] | None = None,
    dtype: torch.dtype = torch.float64,
    device=None,
) -> RicciFlowSolution:
    """Run the Ricci flow of a rotationally symmetric metric until ``t_end`` or a singularity.

    The flow is solved in the arclength gauge described in the module docstring, on ``points``
    intervals uniform in arclength, with central differences (spatial order 2).

    Parameters
    ----------
    metric : RotationalMetric
    points : int
        Number of grid intervals between the poles.
    t_end : float
        Final time; default run until a stopping criterion.
    integrator : str or ButcherTableau
        A name of :data:`GEOMETRIC_INTEGRATORS`.  With ``dt=None`` the scheme must be adaptive
        (``"bs3"``).  The embedded error estimate against ``rtol`` and ``atol`` then chooses the
        steps, capped by the stability bound.
    dt : float, optional
        A fixed step.  Raises :class:`UnstableStepError`, with a stable step suggested, when
        ``dt`` exceeds the scheme's stability bound; the bound is checked at the start and every
        ``stability_check_every`` steps, since it falls as the manifold shrinks.
    curvature_ratio : float
        Stop when the maximum absolute sectional curvature exceeds this multiple of its lowest
        value so far, and report the extrapolated singular time.
    min_neck_cells : float
        For ``n >= 2``, stop when a neck has become thinner than at the start and than this many
        grid spacings, where the grid no longer resolves it.  Surfaces never pinch (Hamilton), so
        a thin initial neck of a surface does not stop the flow.  NOTE: the grid is uniform in
        arclength, so a neckpinch is followed only until the neck is a few grid spacings wide.
    save_every : int
        Save the profile every this many steps (0: only the first and last).
    callback : callable, optional
        Called as ``callback(t, psi)`` after every accepted step, e.g. to update a progress bar.
    dtype, device
        Of the state; float64 by default.

    Returns
    -------
    RicciFlowSolution
    """
    scheme = get_integrator(integrator) if isinstance(integrator, str) else integrator
    if dt is None and not scheme.adaptive:
        raise ValueError(f"integrator {scheme.name!r} has no error estimate; pass a fixed dt= or "
                         f"use an adaptive scheme such as 'bs3'")
    if points < 8:
        raise ValueError(f"points = {points} is too few to resolve the profile; use points >= 8")

    flow = _ArclengthGaugeFlow(metric.n, points, dtype, device)
    psi0 = metric.sample(points, dtype=dtype, device=device)
    y = torch.cat([psi0[1:-1], torch.tensor([metric.length], dtype=dtype, device=device)])
    t = 0.0
    history = _History(flow, y)
    lowest_curvature = history.curvatures[0]
    stable_step = _STABILITY_SAFETY * scheme.stability_bound / spectral_radius(flow, t, y)
    step_size = dt if dt is not None else min(stable_step, 1e-3 * metric.length ** 2)
    _check_fixed_step(dt, stable_step, scheme, t)
    logger.info("Ricci flow of %r on %d points with %s: stable step %.3g", metric, points,
                scheme.name, stable_step)

    steps = rejected = 0
    stop_reason = "max_steps"
    while steps < max_steps:
        if t >= t_end:
            stop_reason = "t_end"
            break
        h = min(step_size if dt is None else dt, stable_step if dt is None else math.inf, t_end - t)
        y_new, error = scheme.step(flow, t, y, h)
        if not bool(torch.isfinite(y_new).all()) or not bool((y_new > 0).all()):
            if dt is not None:
                raise UnstableStepError(
                    f"Ricci flow step {steps} at t = {t:.6g} with dt = {dt:.3g} produced a "
                    f"non-positive or non-finite profile; use dt <= {0.5 * dt:.3g}")
            step_size, rejected = 0.5 * h, rejected + 1
            continue
        if error is not None:
            scale = atol + rtol * torch.maximum(y.abs(), y_new.abs())
            norm = float(torch.sqrt(torch.mean((error / scale) ** 2)))
            factor = 0.9 * norm ** (-1 / 3) if norm > 0 else 5.0
            step_size = h * min(5.0, max(0.2, factor))
            if norm > 1.0:
                rejected += 1
                continue

        t, y, steps = t + h, y_new, steps + 1
        history.record(t, y)
        curvature = history.curvatures[-1]
        if save_every and steps % save_every == 0:
            history.save(t, y)
        if callback is not None:
            callback(t, flow.profile(y))

        lowest_curvature = min(lowest_curvature, curvature)
        if curvature > curvature_ratio * lowest_curvature:
            stop_reason = "curvature"
            break
        neck = history.necks[-1]
        if metric.n > 1 and neck < min(history.necks[0], min_neck_cells * float(y[-1]) / points):
            stop_reason = "neck under-resolved"
            break
        if steps % stability_check_every == 0:
            stable_step = _STABILITY_SAFETY * scheme.stability_bound / spectral_radius(flow, t, y)
            _check_fixed_step(dt, stable_step, scheme, t)
        if steps % 1000 == 0:
            logger.info("Ricci flow step %d: t = %.6g, L = %.6g, max |K| = %.6g", steps, t,
                        float(y[-1]), curvature)

    if history.saved_times[-1] != t:
        history.save(t, y)
    singular = stop_reason in ("curvature", "neck under-resolved")
    singularity = _classify(flow, y) if singular else None
    singular_time = history.singular_time(singularity)
    logger.info("Ricci flow stopped (%s) at t = %.6g after %d steps; singularity %s at %s",
                stop_reason, t, steps, singularity, singular_time)
    return history.solution(stop_time=t, singular_time=singular_time, singularity=singularity,
                            stop_reason=stop_reason, steps=steps, rejected_steps=rejected)


def _check_fixed_step(dt, stable_step, scheme, t):
    if dt is not None and dt > stable_step / _STABILITY_SAFETY:
        raise UnstableStepError(
            f"Ricci flow with {scheme.name} is unstable at t = {t:.6g} for dt = {dt:.3g}: the "
            f"stability bound is {stable_step / _STABILITY_SAFETY:.3g}; use dt <= {stable_step:.3g} "
            f"(or dt=None for adaptive steps)")
