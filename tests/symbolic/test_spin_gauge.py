"""Spin(3) and Spin(4) gauge fields as bivector-valued forms agree with matrix curvature."""

import itertools
import random

import pytest
import sympy

from geomwork.symbolic import (Chart, Connection, GaugeError, bivector_connection, bivector_curvature,
                               bivector_to_components, so, su)


def _random_connection(seed, algebra, dim):
    rng = random.Random(seed)
    chart = Chart([f"x{i + 1}" for i in range(dim)])
    x = chart.coordinates
    components = [[sum(rng.randint(-2, 2) * c for c in x) + rng.randint(-1, 1) * x[0] * x[1]
                   for _ in range(dim)] for _ in range(algebra.dim)]
    return Connection(algebra, chart, components)


@pytest.mark.parametrize("seed, algebra, dim", [(1, su(2), 3), (2, so(3), 3), (3, so(4), 4),
                                                (4, su(2), 4)])
def test_bivector_curvature_matches_matrix_curvature(seed, algebra, dim):
    connection = _random_connection(seed, algebra, dim)
    curvature = bivector_curvature(connection)
    for (mu, nu), bivector in curvature.items():
        components = bivector_to_components(connection, bivector)
        for a in range(algebra.dim):
            assert components[a] == connection.field_strength_component(a, mu, nu)


def test_bivector_map_is_a_lie_homomorphism():
    """phi([X, Y]) = phi(X)phi(Y) - phi(Y)phi(X) on the so(4) basis."""
    algebra = so(4)
    chart = Chart("x1 x2 x3 x4")
    constants = algebra.structure_constants
    for a, b in itertools.combinations(range(algebra.dim), 2):
        left = [[0] * 4 for _ in range(6)]
        right = [[0] * 4 for _ in range(6)]
        left[a][0], right[b][0] = 1, 1
        _, (x_mv, *_) = bivector_connection(Connection(algebra, chart, left))
        _, (y_mv, *_) = bivector_connection(Connection(algebra, chart, right))
        product = x_mv * y_mv - y_mv * x_mv
        components = bivector_to_components(Connection(algebra, chart, left), product)
        for c in range(algebra.dim):
            assert components[c] == constants[a, b, c]


def test_other_algebras_are_rejected():
    connection = _random_connection(5, su(3), 2)
    with pytest.raises(GaugeError, match="built for su\\(2\\), so\\(3\\) and so\\(4\\)"):
        bivector_connection(connection)


def test_bivector_connection_blades():
    chart = Chart("x1 x2 x3")
    connection = Connection(so(3), chart, [[1, 0, 0], [0, 0, 0], [0, 0, 0]])
    algebra, fields = bivector_connection(connection)
    e1, e2, e3 = algebra.mv()
    assert fields[0] == sympy.Rational(-1, 2) * (e2 ^ e3)
    assert fields[1] == 0 * e1
