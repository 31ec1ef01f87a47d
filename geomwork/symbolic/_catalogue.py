"""Built-in metrics: flat spaces, spheres, hyperbolic space and three spacetimes.

Every entry is a function of keyword parameters that returns a :class:`Metric`.
A parameter left out stays a positive (or, for FLRW's k, real) symbol, so the
curvature comes out as a formula in it.  A number given instead is substituted
before anything is computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import sympy

from ._chart import Chart
from ._metric import Metric

__all__ = ["CATALOGUE", "CatalogueEntry", "catalogue_metric", "catalogue_names"]


@dataclass(frozen=True)
class CatalogueEntry:
    """A named metric: how to build it, its parameters with defaults, and a one-line description."""

    name: str
    build: Callable[..., Metric]
    parameters: Mapping[str, object]
    description: str


def _integer_dimension(entry: str, n, minimum: int) -> int:
    if isinstance(n, sympy.Basic):
        if not n.is_Integer:
            raise ValueError(f"catalogue metric {entry!r}: dimension n must be an integer, got "
                             f"{n}; pass e.g. n=3")
        n = int(n)
    if not isinstance(n, int) or n < minimum:
        raise ValueError(f"catalogue metric {entry!r}: dimension n must be an integer >= "
                         f"{minimum}, got {n!r}")
    return n


def euclidean(n=3) -> Metric:
    """Flat Euclidean :math:`\\mathbb{R}^n`, :math:`g = \\delta_{ab}` in coordinates x1..xn."""
    n = _integer_dimension("euclidean", n, 1)
    chart = Chart([f"x{i + 1}" for i in range(n)], name="cartesian")
    return Metric(chart, [1] * n, name="g")


def minkowski(n=4) -> Metric:
    """Minkowski space of signature (-, +, ..., +) in coordinates t, x1..x(n-1)."""
    n = _integer_dimension("minkowski", n, 2)
    chart = Chart(["t"] + [f"x{i + 1}" for i in range(n - 1)], name="inertial")
    return Metric(chart, [-1] + [1] * (n - 1), name="eta")


def _angles(count: int) -> list[str]:
    return [f"theta{i + 1}" for i in range(count - 1)] + ["phi"]


def sphere(n=2, a=None) -> Metric:
    """Round :math:`S^n` of radius a in hyperspherical angles.

    :math:`g = a^2(d\\theta_1^2 + \\sin^2\\theta_1\\,d\\theta_2^2 + \\dots
    + \\sin^2\\theta_1\\cdots\\sin^2\\theta_{n-1}\\,d\\phi^2)`; scalar curvature
    :math:`n(n-1)/a^2`.
    """
    n = _integer_dimension("sphere", n, 1)
    a = sympy.Symbol("a", positive=True) if a is None else sympy.sympify(a)
    names = _angles(n)
    ranges = {name: (0, sympy.pi) for name in names[:-1]}
    ranges["phi"] = (0, 2 * sympy.pi)
    chart = Chart(names, name="hyperspherical", ranges=ranges)
    diagonal, factor = [], a ** 2
    for coordinate in chart.coordinates:
        diagonal.append(factor)
        factor = factor * sympy.sin(coordinate) ** 2
    return Metric(chart, diagonal, name="g")


def hyperbolic(n=2, a=None) -> Metric:
    """Hyperbolic :math:`H^n` of curvature :math:`-1/a^2`, upper half-space model.

    :math:`g = a^2(dx_1^2 + \\dots + dx_{n-1}^2 + dy^2)/y^2` with y > 0; scalar
    curvature :math:`-n(n-1)/a^2`.
    """
    n = _integer_dimension("hyperbolic", n, 2)
    a = sympy.Symbol("a", positive=True) if a is None else sympy.sympify(a)
    chart = Chart([f"x{i + 1}" for i in range(n - 1)] + [sympy.Symbol("y", positive=True)],
                  name="upper half-space", ranges={"y": (0, sympy.oo)})
    y = chart.coordinates[-1]
    return Metric(chart, [a ** 2 / y ** 2] * n, name="g")


def _spacetime_chart(name: str) -> Chart:
    return Chart(["t", sympy.Symbol("r", positive=True), "theta", "phi"], name=name,
                 ranges={"r": (0, sympy.oo), "theta": (0, sympy.pi), "phi": (0, 2 * sympy.pi)})


def schwarzschild(M=None) -> Metric:
    """Schwarzschild in Schwarzschild coordinates (G = c = 1), signature (-, +, +, +).

    :math:`ds^2 = -(1 - 2M/r)dt^2 + dr^2/(1 - 2M/r) + r^2 d\\Omega^2`.
    """
    M = sympy.Symbol("M", positive=True) if M is None else sympy.sympify(M)
    chart = _spacetime_chart("Schwarzschild")
    t, r, theta, phi = chart.coordinates
    f = 1 - 2 * M / r
    return Metric(chart, [-f, 1 / f, r ** 2, r ** 2 * sympy.sin(theta) ** 2], name="g")


def kerr(M=None, a=None) -> Metric:
    """Kerr in Boyer–Lindquist coordinates (G = c = 1), signature (-, +, +, +).

    With :math:`\\Sigma = r^2 + a^2\\cos^2\\theta` and :math:`\\Delta = r^2 - 2Mr + a^2`:
    :math:`g_{tt} = -(1 - 2Mr/\\Sigma)`, :math:`g_{t\\phi} = -2Mar\\sin^2\\theta/\\Sigma`,
    :math:`g_{rr} = \\Sigma/\\Delta`, :math:`g_{\\theta\\theta} = \\Sigma`,
    :math:`g_{\\phi\\phi} = (r^2 + a^2 + 2Mra^2\\sin^2\\theta/\\Sigma)\\sin^2\\theta`.
    """
    M = sympy.Symbol("M", positive=True) if M is None else sympy.sympify(M)
    a = sympy.Symbol("a", positive=True) if a is None else sympy.sympify(a)
    chart = _spacetime_chart("Boyer-Lindquist")
    t, r, theta, phi = chart.coordinates
    sigma = r ** 2 + a ** 2 * sympy.cos(theta) ** 2
    delta = r ** 2 - 2 * M * r + a ** 2
    sin2 = sympy.sin(theta) ** 2
    g = sympy.zeros(4)
    g[0, 0] = -(1 - 2 * M * r / sigma)
    g[0, 3] = g[3, 0] = -2 * M * a * r * sin2 / sigma
    g[1, 1] = sigma / delta
    g[2, 2] = sigma
    g[3, 3] = (r ** 2 + a ** 2 + 2 * M * r * a ** 2 * sin2 / sigma) * sin2
    return Metric(chart, g, name="g")


def flrw(k=None) -> Metric:
    """FLRW with scale factor a(t) and spatial curvature k, signature (-, +, +, +).

    :math:`ds^2 = -dt^2 + a(t)^2\\left(dr^2/(1 - kr^2) + r^2 d\\Omega^2\\right)`.
    """
    k = sympy.Symbol("k", real=True) if k is None else sympy.sympify(k)
    chart = _spacetime_chart("comoving")
    t, r, theta, phi = chart.coordinates
    scale = sympy.Function("a")(t)
    return Metric(chart, [-1, scale ** 2 / (1 - k * r ** 2), scale ** 2 * r ** 2,
                          scale ** 2 * r ** 2 * sympy.sin(theta) ** 2], name="g")


CATALOGUE: dict[str, CatalogueEntry] = {
    entry.name: entry for entry in [
        CatalogueEntry("euclidean", euclidean, {"n": 3}, "flat Euclidean R^n"),
        CatalogueEntry("minkowski", minkowski, {"n": 4}, "flat Minkowski space, signature (-,+,...,+)"),
        CatalogueEntry("sphere", sphere, {"n": 2, "a": "a"}, "round n-sphere of radius a"),
        CatalogueEntry("hyperbolic", hyperbolic, {"n": 2, "a": "a"},
                       "hyperbolic n-space of curvature -1/a^2 (upper half-space)"),
        CatalogueEntry("schwarzschild", schwarzschild, {"M": "M"}, "Schwarzschild black hole of mass M"),
        CatalogueEntry("kerr", kerr, {"M": "M", "a": "a"},
                       "Kerr black hole of mass M and spin a (Boyer-Lindquist)"),
        CatalogueEntry("flrw", flrw, {"k": "k"}, "FLRW cosmology with scale factor a(t), curvature k"),
    ]
}


def lookup_entry(catalogue: Mapping, name: str, parameters: Mapping, noun: str, plural: str):
    """Return the catalogue entry called ``name`` after checking the parameter names.

    Raises
    ------
    KeyError
        For an unknown name, listing the known ones.
    TypeError
        For a parameter the entry does not take, listing its parameters.
    """
    entry = catalogue.get(name.lower())
    if entry is None:
        raise KeyError(f"unknown catalogue {noun} {name!r}; known {plural}: "
                       f"{', '.join(sorted(catalogue))}")
    unknown = sorted(set(parameters) - set(entry.parameters))
    if unknown:
        allowed = ", ".join(entry.parameters) or "none"
        raise TypeError(f"catalogue {noun} {entry.name!r} has no parameter "
                        f"{', '.join(repr(u) for u in unknown)}; its parameters are: {allowed}")
    return entry


def catalogue_names() -> list[str]:
    """Names accepted by :func:`catalogue_metric`."""
    return sorted(CATALOGUE)


def catalogue_metric(name: str, **parameters) -> Metric:
    """Build a catalogue metric by name.

    Parameters
    ----------
    name : str
        One of :func:`catalogue_names` (case-insensitive).
    **parameters
        Values for the entry's parameters (numbers, sympy expressions or strings
        that sympify); the others stay symbolic.

    Raises
    ------
    KeyError
        For an unknown name (the message lists the known ones).
    TypeError
        For a parameter the entry does not have (the message lists its parameters).

    Examples
    --------
    >>> catalogue_metric("sphere", n=3, a=2).ricci_scalar
    3/2
    """
    entry = lookup_entry(CATALOGUE, name, parameters, "metric", "metrics")
    values = {key: sympy.sympify(value) if isinstance(value, str) else value
              for key, value in parameters.items()}
    return entry.build(**values)
