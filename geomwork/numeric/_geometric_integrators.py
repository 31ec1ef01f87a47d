"""Explicit Runge–Kutta schemes for the method-of-lines geometric flows.

A flow is a torch function ``rhs(t, y)`` of a state vector ``y`` of shape ``(..., m)``.
Each scheme is a Butcher tableau; schemes with an embedded lower-order solution
(``error_weights``) drive adaptive steps.  Diffusive flows discretised on a grid are stiff, so
an explicit step is stable only when ``dt * rho(J) <= stability_bound``, where ``rho(J)`` is
the spectral radius of the Jacobian of ``rhs`` and ``stability_bound`` the extent of the
scheme's stability region along the negative real axis.  :func:`spectral_radius` estimates
``rho(J)`` by power iteration on finite-difference Jacobian-vector products.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

__all__ = ["GEOMETRIC_INTEGRATORS", "ButcherTableau", "UnstableStepError", "integrate", "spectral_radius"]

RightHandSide = Callable[[float, torch.Tensor], torch.Tensor]


class UnstableStepError(ValueError):
    """Raised when a fixed time step is too large for an explicit scheme to be stable."""


@dataclass(frozen=True)
class ButcherTableau:
    """An explicit Runge–Kutta scheme.

    Attributes
    ----------
    name : str
    a : tuple of tuple of float
        Lower-triangular stage coefficients; row ``i`` has ``i`` entries.
    b : tuple of float
        Weights of the propagated solution.
    c : tuple of float
        Stage times.
    order : int
        Global order of the propagated solution.
    stability_bound : float
        Largest ``x`` with ``|R(-x)| <= 1`` for the stability polynomial ``R``.
    error_weights : tuple of float, optional
        ``b - b_embedded``; the difference of the two solutions estimates the local error.
    """

    name: str
    a: tuple[tuple[float, ...], ...]
    b: tuple[float, ...]
    c: tuple[float, ...]
    order: int
    stability_bound: float
    error_weights: tuple[float, ...] | None = None

    @property
    def adaptive(self) -> bool:
        """Whether the scheme carries an embedded error estimate."""
        return self.error_weights is not None

    def step(self, rhs: RightHandSide, t: float, y: torch.Tensor, dt: float):
        """Advance ``y`` by one step; return ``(y_new, error)`` with ``error`` None when not adaptive."""
        stages = []
        for a_row, c in zip(self.a, self.c):
            increment = y
            for coefficient, stage in zip(a_row, stages):
                if coefficient:
                    increment = increment + (dt * coefficient) * stage
            stages.append(rhs(t + c * dt, increment))
        y_new = y
        for weight, stage in zip(self.b, stages):
            if weight:
                y_new = y_new + (dt * weight) * stage
        if self.error_weights is None:
            return y_new, None
        error = torch.zeros_like(y)
        for weight, stage in zip(self.error_weights, stages):
            if weight:
                error = error + (dt * weight) * stage
        return y_new, error


# Stability bounds are the real roots of |R(-x)| = 1 for R(z) = sum_{k <= p} z^k / k!, which
# every p-stage scheme of order p <= 4 shares.
EULER = ButcherTableau("euler", a=((),), b=(1.0,), c=(0.0,), order=1, stability_bound=2.0)
HEUN = ButcherTableau("heun", a=((), (1.0,)), b=(0.5, 0.5), c=(0.0, 1.0), order=2,
                      stability_bound=2.0)
KUTTA3 = ButcherTableau("rk3", a=((), (0.5,), (-1.0, 2.0)), b=(1 / 6, 2 / 3, 1 / 6),
                        c=(0.0, 0.5, 1.0), order=3, stability_bound=2.5127453266)
RK4 = ButcherTableau("rk4", a=((), (0.5,), (0.0, 0.5), (0.0, 0.0, 1.0)),
                     b=(1 / 6, 1 / 3, 1 / 3, 1 / 6), c=(0.0, 0.5, 0.5, 1.0), order=4,
                     stability_bound=2.7852935634)
# Bogacki & Shampine, Appl. Math. Lett. 2 (1989) 321: third order with a second-order
# embedded solution; the fourth stage is the first stage of the next step (not reused here).
BOGACKI_SHAMPINE = ButcherTableau(
    "bs3",
    a=((), (0.5,), (0.0, 0.75), (2 / 9, 1 / 3, 4 / 9)),
    b=(2 / 9, 1 / 3, 4 / 9, 0.0),
    c=(0.0, 0.5, 0.75, 1.0),
    order=3,
    stability_bound=2.5127453266,
    error_weights=(2 / 9 - 7 / 24, 1 / 3 - 1 / 4, 4 / 9 - 1 / 3, -1 / 8),
)

GEOMETRIC_INTEGRATORS: dict[str, ButcherTableau] = {
    scheme.name: scheme for scheme in (EULER, HEUN, KUTTA3, RK4, BOGACKI_SHAMPINE)
}


def get_integrator(name: str) -> ButcherTableau:
    """Look up a scheme of :data:`GEOMETRIC_INTEGRATORS` by name."""
    try:
        return GEOMETRIC_INTEGRATORS[name]
    except KeyError:
        raise ValueError(f"unknown integrator {name!r}; choose one of "
                         f"{sorted(GEOMETRIC_INTEGRATORS)}") from None


def spectral_radius(rhs: RightHandSide, t: float, y: torch.Tensor, iterations: int = 30,
                    generator: torch.Generator | None = None) -> float:
    """Estimate the spectral radius of the Jacobian of ``rhs`` at ``(t, y)``.

    Power iteration on :math:`Jv \\approx (f(y + \\epsilon v) - f(y))/\\epsilon` from a seeded
    random start.  The estimate converges from below for a dominant real eigenvalue, so callers
    keep a safety factor.
    """
    if generator is None:
        generator = torch.Generator(device="cpu").manual_seed(0)
    vector = torch.randn(y.shape, generator=generator, dtype=y.dtype).to(y.device)
    vector = vector / torch.linalg.vector_norm(vector)
    base = rhs(t, y)
    epsilon = torch.finfo(y.dtype).eps ** 0.5 * (1.0 + float(torch.linalg.vector_norm(y)))
    estimate = 0.0
    for _ in range(iterations):
        product = (rhs(t, y + epsilon * vector) - base) / epsilon
        norm = float(torch.linalg.vector_norm(product))
        if norm == 0.0 or not torch.isfinite(product).all():
            break
        estimate = norm
        vector = product / norm
    return estimate


def integrate(rhs: RightHandSide, y0: torch.Tensor, save_times, *, integrator: str = "bs3",
              dt: float | None = None, rtol: float = 1e-6, atol: float = 1e-9,
              max_steps: int = 1_000_000, stability_check_every: int = 50,
              callback: Callable[[float, torch.Tensor], None] | None = None, name: str = "flow"):
    """Integrate ``dy/dt = rhs(t, y)`` from ``t = 0`` and return ``(times, states, steps)``.

    ``states[k]`` is the state at ``save_times[k]`` (increasing, starting at or after 0), hit
    exactly by shortening the step before each.  Adaptive schemes choose steps by their error
    estimate, capped at 0.8 of the stability bound; a fixed ``dt`` above the stability bound
    raises :class:`UnstableStepError` with a stable step suggested.
    """
    scheme = get_integrator(integrator)
    if dt is None and not scheme.adaptive:
        raise ValueError(f"integrator {scheme.name!r} has no error estimate; pass a fixed dt= or "
                         f"use an adaptive scheme such as 'bs3'")
    save_times = [float(time) for time in save_times]
    t, y, steps = 0.0, y0, 0
    stable = 0.8 * scheme.stability_bound / max(spectral_radius(rhs, t, y), 1e-300)
    step_size = dt if dt is not None else min(stable, max(save_times[-1], 1e-12) / 100)
    states = []
    for target in save_times:
        while t < target:
            if steps >= max_steps:
                raise RuntimeError(f"{name}: max_steps = {max_steps} reached at t = {t:.6g} before "
                                   f"t = {target:.6g}; raise max_steps or loosen rtol")
            if steps % stability_check_every == 0:
                stable = 0.8 * scheme.stability_bound / max(spectral_radius(rhs, t, y), 1e-300)
                if dt is not None and dt > stable / 0.8:
                    raise UnstableStepError(
                        f"{name} with {scheme.name} is unstable at t = {t:.6g} for dt = {dt:.3g}: "
                        f"the stability bound is {stable / 0.8:.3g}; use dt <= {stable:.3g}")
            h = min(step_size if dt is None else dt, stable if dt is None else math.inf, target - t)
            y_new, error = scheme.step(rhs, t, y, h)
            if error is not None:
                scale = atol + rtol * torch.maximum(y.abs(), y_new.abs())
                norm = float(torch.sqrt(torch.mean((error / scale) ** 2)))
                if not math.isfinite(norm):
                    norm = 1e6
                step_size = h * min(5.0, max(0.2, 0.9 * norm ** (-1 / 3) if norm > 0 else 5.0))
                if norm > 1.0:
                    continue
            t, y, steps = t + h, y_new, steps + 1
            if target - t < 1e-12 * max(1.0, abs(target)):
                t = target
            if callback is not None:
                callback(t, y)
        states.append(y)
    return torch.tensor(save_times, dtype=torch.float64), torch.stack(states), steps
