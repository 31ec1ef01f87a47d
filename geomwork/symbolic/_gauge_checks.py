"""Property checkers for gauge fields, shared by the tests and available to users.

Each raises ``AssertionError`` naming the first component that fails, with
its value, and returns None when the property is exact.
"""

from __future__ import annotations

import itertools

from ._gauge import Connection, _adjoint, _matmul
from ._metric import Metric

__all__ = ["assert_bianchi", "assert_gauge_covariant", "assert_self_dual"]


def assert_gauge_covariant(connection: Connection, g) -> None:
    """Check :math:`F(A^g)_{\\mu\\nu} = g F(A)_{\\mu\\nu} g^{-1}` for a group-valued function g."""
    transformed = connection.gauge_transform(g)
    matrix = connection.check_group_element(g)
    inverse = _adjoint(matrix)
    zero = connection.chart.field.zero
    for mu, nu in itertools.combinations(range(connection.chart.dim), 2):
        expected = _matmul(_matmul(matrix, connection.field_strength_matrix(mu, nu), zero),
                           inverse, zero)
        found = transformed.field_strength_matrix(mu, nu)
        for i, j in itertools.product(range(len(found)), repeat=2):
            if found[i][j] != expected[i][j]:
                raise AssertionError(
                    f"F is not gauge covariant at (mu, nu) = ({mu}, {nu}), entry ({i}, {j}): "
                    f"F(A^g) gives {found[i][j].expr}, g F g^-1 gives {expected[i][j].expr}"
                )


def assert_bianchi(connection: Connection) -> None:
    """Check the Bianchi identity :math:`DF = dF + A\\wedge F - F\\wedge A = 0`."""
    defect = connection.bianchi()
    for i, j in itertools.product(range(defect.size), repeat=2):
        entry = defect[i, j]
        if not entry.is_zero:
            key, value = next(iter(entry.items()))
            raise AssertionError(f"Bianchi identity fails: (DF)[{i},{j}] has component {key} = "
                                 f"{value.expr}")


def assert_self_dual(connection: Connection, metric: Metric | None = None,
                     anti: bool = False) -> None:
    """Check :math:`F = \\star F` (or :math:`F = -\\star F` with ``anti=True``) in 4 dimensions."""
    defect = connection._duality_defect(metric, anti)
    word = "anti-self-dual" if anti else "self-dual"
    for i, j in itertools.product(range(defect.size), repeat=2):
        entry = defect[i, j]
        if not entry.is_zero:
            key, value = next(iter(entry.items()))
            raise AssertionError(f"F is not {word}: (F {'+' if anti else '-'} *F)[{i},{j}] has "
                                 f"component {key} = {value.expr}")
