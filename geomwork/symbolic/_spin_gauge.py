"""Spin(3) and Spin(4) gauge fields as bivector-valued 1-forms in galgebra.

The Lie algebra so(n) is the algebra of bivectors of :math:`\\mathbb{R}^n` under the
commutator of the geometric product.  With the so(n) basis
:math:`M_{jk} = E_{kj} - E_{jk}` (j < k) of :func:`geomwork.symbolic.so`, the map

.. math:: \\varphi(M_{jk}) = -\\tfrac12\\, e_j\\wedge e_k

is a Lie algebra isomorphism, :math:`\\varphi([X, Y]) = \\varphi(X)\\varphi(Y) -
\\varphi(Y)\\varphi(X)`.  An su(2) field enters through su(2) ≅ so(3), matching
:math:`T_a` with the so(3) generator :math:`L_a` (both have
:math:`[T_a, T_b] = \\epsilon_{abc}T_c`).  The curvature of
:math:`A = A_\\mu dx^\\mu` is then
:math:`F_{\\mu\\nu} = \\partial_\\mu A_\\nu - \\partial_\\nu A_\\mu + A_\\mu A_\\nu - A_\\nu A_\\mu`
with geometric products, and maps back to the matrix curvature.
"""

from __future__ import annotations

import functools
import itertools

import sympy
from galgebra.ga import Ga
from galgebra.mv import Mv

from ._gauge import Connection, GaugeError, _decompose
from ._lie import so

__all__ = ["bivector_connection", "bivector_curvature", "bivector_to_components"]


def _so_dimension(connection: Connection) -> int:
    name = connection.algebra.name
    if name in ("so(3)", "su(2)"):
        return 3
    if name == "so(4)":
        return 4
    raise GaugeError(f"bivector gauge fields are built for su(2), so(3) and so(4); connection "
                     f"{connection.name} has algebra {name}")


def _so_matrices(connection: Connection) -> list[sympy.Matrix]:
    """Return the so(n) matrix of each generator of the connection's algebra."""
    _so_dimension(connection)
    if connection.algebra.name == "su(2)":
        return [sympy.Matrix(m) for m in so(3).basis]
    return [sympy.Matrix(m) for m in connection.algebra.basis]


def _bivector(ga_basis, matrix: sympy.Matrix) -> Mv:
    """Return :math:`\\varphi(X) = -\\tfrac12\\sum_{j<k} X_{kj}\\, e_j\\wedge e_k`."""
    total = 0
    for j, k in itertools.combinations(range(matrix.rows), 2):
        if matrix[k, j] != 0:
            total = total + (-sympy.Rational(1, 2) * matrix[k, j]) * (ga_basis[j] ^ ga_basis[k])
    return total


@functools.lru_cache(maxsize=None)
def _euclidean_algebra(n: int):
    """Return galgebra's algebra of Euclidean R^n and its basis vectors, built once per n."""
    algebra, *basis = Ga.build(" ".join(f"e{i + 1}" for i in range(n)), g=[1] * n)
    return algebra, basis


def bivector_connection(connection: Connection) -> tuple[Ga, list[Mv]]:
    """Return the geometric algebra of :math:`\\mathbb{R}^n` and :math:`\\varphi(A_\\mu)` for each coordinate."""
    algebra, basis = _euclidean_algebra(_so_dimension(connection))
    generators = [_bivector(basis, m) for m in _so_matrices(connection)]
    fields = []
    for mu in range(connection.chart.dim):
        total = 0 * basis[0]
        for a, generator in enumerate(generators):
            value = connection.components[a][mu]
            if value:
                total = total + value.expr * generator
        fields.append(total)
    return algebra, fields


def bivector_curvature(connection: Connection) -> dict[tuple[int, int], Mv]:
    """Return :math:`F_{\\mu\\nu}` (mu < nu) as bivectors, from the geometric-product commutator."""
    _, fields = bivector_connection(connection)
    coordinates = connection.chart.coordinates
    curvature = {}
    for mu, nu in itertools.combinations(range(connection.chart.dim), 2):
        derivative = fields[nu].diff(coordinates[mu]) - fields[mu].diff(coordinates[nu])
        commutator = fields[mu] * fields[nu] - fields[nu] * fields[mu]
        curvature[mu, nu] = derivative + commutator
    return curvature


def bivector_to_components(connection: Connection, bivector: Mv) -> list:
    """Return the algebra components :math:`X^a` (exact scalars) of :math:`\\varphi^{-1}` of a bivector."""
    n = _so_dimension(connection)
    algebra = bivector.Ga
    basis = algebra.mv()
    blades = [basis[j] ^ basis[k] for j, k in itertools.combinations(range(n), 2)]
    coefficients = bivector.blade_coefs(blades)
    matrix = sympy.zeros(n)
    for (j, k), value in zip(itertools.combinations(range(n), 2), coefficients):
        matrix[k, j] = -2 * value
        matrix[j, k] = 2 * value
    chart = connection.chart
    exact = [[chart.scalar(matrix[i, j]) for j in range(n)] for i in range(n)]
    target = so(3) if connection.algebra.name == "su(2)" else connection.algebra
    return _decompose(target, chart, exact, "bivector")
