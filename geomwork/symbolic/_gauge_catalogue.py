"""Built-in gauge fields: BPST instantons, 't Hooft's multi-instanton ansatz and monopoles.

All SU(2) fields use :math:`T_a = -\\tfrac{i}{2}\\sigma_a`, and the 't Hooft symbols
:math:`\\eta^a{}_{\\mu\\nu}` (self-dual) and :math:`\\bar\\eta^a{}_{\\mu\\nu}`
(anti-self-dual) in coordinates :math:`(x_1, x_2, x_3, x_4)`:
:math:`\\eta^a{}_{bc} = \\bar\\eta^a{}_{bc} = \\epsilon_{abc}`,
:math:`\\eta^a{}_{b4} = -\\eta^a{}_{4b} = \\delta_{ab}` and
:math:`\\bar\\eta^a{}_{b4} = -\\bar\\eta^a{}_{4b} = -\\delta_{ab}` (indices from 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import sympy

from ._catalogue import lookup_entry
from ._chart import Chart
from ._gauge import Connection
from ._lie import su, u1
from ._metric import Metric

__all__ = ["GAUGE_CATALOGUE", "bpst", "dirac_monopole", "gauge_catalogue_names", "gauge_field",
           "thooft_eta", "thooft_multi_instanton", "wu_yang_monopole"]


def thooft_eta(a: int, mu: int, nu: int, anti: bool = False) -> int:
    """Return the 't Hooft symbol :math:`\\eta^a{}_{\\mu\\nu}` (or :math:`\\bar\\eta` with ``anti=True``), 0-based indices."""
    if mu == nu:
        return 0
    if mu < 3 and nu < 3:
        return int(sympy.LeviCivita(a, mu, nu))
    sign = -1 if anti else 1
    if nu == 3:
        return sign * (1 if a == mu else 0)
    return -sign * (1 if a == nu else 0)


def _euclidean_chart(dim: int = 4) -> Chart:
    return Chart([f"x{i + 1}" for i in range(dim)], name=f"R{dim}")


def _symbol(value, name):
    return sympy.Symbol(name, positive=True) if value is None else sympy.sympify(value)


def bpst(rho=None, center=None, gauge: str = "regular") -> Connection:
    """Build the BPST instanton of size :math:`\\rho` centred at z, on :math:`\\mathbb{R}^4`.

    Regular gauge :math:`A^a{}_\\mu = 2\\eta^a{}_{\\mu\\nu}y_\\nu/(y^2 + \\rho^2)` with
    :math:`y = x - z`; singular gauge :math:`A^a{}_\\mu = 2\\rho^2\\bar\\eta^a{}_{\\mu\\nu}
    y_\\nu/(y^2(y^2 + \\rho^2))`.  Both are self-dual with
    :math:`F^a{}_{\\mu\\nu}F^a{}_{\\mu\\nu}/4 = 48\\rho^4/(y^2+\\rho^2)^4`, action
    :math:`8\\pi^2/g^2` and instanton number 1.
    """
    rho = _symbol(rho, "rho")
    chart = _euclidean_chart()
    center = [0] * 4 if center is None else [sympy.sympify(c) for c in center]
    if len(center) != 4:
        raise ValueError(f"BPST centre must have 4 coordinates, got {center}")
    y = [x - z for x, z in zip(chart.coordinates, center)]
    y2 = sum(v ** 2 for v in y)
    if gauge == "regular":
        components = [[2 * sum(thooft_eta(a, mu, nu) * y[nu] for nu in range(4)) / (y2 + rho ** 2)
                       for mu in range(4)] for a in range(3)]
    elif gauge == "singular":
        components = [[2 * rho ** 2 * sum(thooft_eta(a, mu, nu, anti=True) * y[nu] for nu in range(4))
                       / (y2 * (y2 + rho ** 2)) for mu in range(4)] for a in range(3)]
    else:
        raise ValueError(f"unknown BPST gauge {gauge!r}; use 'regular' or 'singular'")
    return Connection(su(2), chart, components, name=f"A_BPST({gauge})")


def thooft_multi_instanton(sizes=None, centers=None) -> Connection:
    """'t Hooft's ansatz :math:`A^a{}_\\mu = -\\bar\\eta^a{}_{\\mu\\nu}\\partial_\\nu\\ln\\phi`.

    With :math:`\\phi = 1 + \\sum_i \\rho_i^2/(x - z_i)^2` this is a self-dual field of
    instanton number equal to the number of terms (singular gauge).  Defaults:
    two instantons of size 1 at the origin and at (3, 0, 0, 0).  Symbolic sizes
    and centres work but cost minutes, since the curvature's denominators grow
    with every term.
    """
    if sizes is None:
        sizes = [1, 1]
    if centers is None:
        centers = [[0, 0, 0, 0], [3, 0, 0, 0]]
    if len(sizes) != len(centers):
        raise ValueError(f"'t Hooft ansatz: got {len(sizes)} sizes and {len(centers)} centres; "
                         "give one centre per size")
    chart = _euclidean_chart()
    x = chart.coordinates
    phi = 1
    for size, center in zip(sizes, centers):
        phi += sympy.sympify(size) ** 2 / sum((x[m] - sympy.sympify(center[m])) ** 2 for m in range(4))
    log_phi_gradient = [sympy.diff(phi, x[nu]) / phi for nu in range(4)]
    components = [[-sum(thooft_eta(a, mu, nu, anti=True) * log_phi_gradient[nu] for nu in range(4))
                   for mu in range(4)] for a in range(3)]
    return Connection(su(2), chart, components, name="A_tHooft")


def dirac_monopole(charge=1) -> Connection:
    """Build the U(1) Dirac monopole of charge n on :math:`S^2`, northern patch.

    :math:`A = -\\tfrac{i n}{2}(1 - \\cos\\theta)\\,d\\phi`, i.e. :math:`A^1{}_\\phi =
    \\tfrac{n}{2}(1 - \\cos\\theta)` for the generator :math:`T = -i`, with the unit
    round metric on the chart; curvature
    :math:`F = -\\tfrac{i n}{2}\\sin\\theta\\,d\\theta\\wedge d\\phi` and first Chern
    number :math:`\\int c_1 = n` with :math:`c_1 = \\tfrac{i}{2\\pi}F`.
    """
    chart = Chart("theta phi", name="S2 north", ranges={"theta": (0, sympy.pi),
                                                         "phi": (0, 2 * sympy.pi)})
    theta = chart.coordinates[0]
    n = sympy.sympify(charge)
    if n.is_number and not n.is_Integer:
        raise ValueError(f"the charge n of a Dirac monopole must be an integer (the transition "
                         f"function e^(-i n phi) must be single-valued), got {n}")
    sphere = Metric(chart, [1, sympy.sin(theta) ** 2], name="g_S2")
    return Connection(u1(), chart, [[0, n * (1 - sympy.cos(theta)) / 2]], name="A_Dirac",
                      metric=sphere)


def wu_yang_monopole() -> Connection:
    """Build the Wu–Yang monopole on :math:`\\mathbb{R}^3\\setminus 0`: :math:`A^a{}_i = \\epsilon_{aij}x_j/r^2`.

    A static solution of the Yang–Mills equations with :math:`F^a{}_{ij} =
    -\\epsilon_{ijk}x_a x_k/r^4`, the field of a unit magnetic charge.
    """
    chart = _euclidean_chart(3)
    x = chart.coordinates
    r2 = sum(v ** 2 for v in x)
    components = [[sum(sympy.LeviCivita(a, i, j) * x[j] for j in range(3)) / r2 for i in range(3)]
                  for a in range(3)]
    return Connection(su(2), chart, components, name="A_WuYang")


@dataclass(frozen=True)
class GaugeCatalogueEntry:
    """A named gauge field with its parameters and a one-line description."""

    name: str
    build: Callable[..., Connection]
    parameters: Mapping[str, object]
    description: str


GAUGE_CATALOGUE = {entry.name: entry for entry in [
    GaugeCatalogueEntry("bpst", bpst, {"rho": "rho", "gauge": "regular"},
                        "BPST SU(2) instanton of size rho on R^4"),
    GaugeCatalogueEntry("thooft", thooft_multi_instanton, {},
                        "'t Hooft two-instanton ansatz on R^4"),
    GaugeCatalogueEntry("dirac", dirac_monopole, {"charge": 1}, "U(1) Dirac monopole on S^2"),
    GaugeCatalogueEntry("wu-yang", wu_yang_monopole, {}, "SU(2) Wu-Yang monopole on R^3"),
]}


def gauge_catalogue_names() -> list[str]:
    """Return the names accepted by :func:`gauge_field`."""
    return sorted(GAUGE_CATALOGUE)


def gauge_field(name: str, **parameters) -> Connection:
    """Build a catalogue gauge field by name (``bpst``, ``thooft``, ``dirac``, ``wu-yang``).

    Raises
    ------
    KeyError
        For an unknown name, listing the known ones.
    TypeError
        For a parameter the entry does not take, listing its parameters.
    """
    entry = lookup_entry(GAUGE_CATALOGUE, name, parameters, "gauge field", "fields")
    return entry.build(**parameters)
