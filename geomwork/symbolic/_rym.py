"""The Ricci–Yang–Mills flow right-hand sides on a chart.

:math:`\\partial_t g_{ij} = -2R_{ij} + F^2_{ij}` with
:math:`F^2_{ij} = g^{kl}\\langle F_{ik}, F_{jl}\\rangle` (the algebra's invariant
inner product), and :math:`\\partial_t A_j = -d_A^*F = D^iF_{ij} = g_{jk}J^k`, the
gradient descent of :math:`\\tfrac14\\int\\langle F, F\\rangle`, where J is
:meth:`Connection.yang_mills_current`.
"""

from __future__ import annotations

import itertools

from ._gauge import Connection, GaugeError
from ._metric import Metric
from ._tensor import Tensor

__all__ = ["ricci_yang_mills_rhs"]


def ricci_yang_mills_rhs(metric: Metric, connection: Connection) -> tuple[Tensor, list]:
    """Return (:math:`\\partial_t g_{ij}`, ``dA[a][j]`` = :math:`\\partial_t A^a{}_j`) of the Ricci–Yang–Mills flow."""
    if metric.chart is not connection.chart:
        raise GaugeError(f"metric {metric.name} and connection {connection.name} live on different "
                         f"charts ({metric.chart.name}, {connection.chart.name}); use one chart")
    n, dim = metric.dim, connection.algebra.dim
    inverse, g = metric.inverse_components, metric.components
    field = metric.chart.field
    algebra_metric = [[metric.chart.scalar(connection.algebra.metric[a, b]) for b in range(dim)]
                      for a in range(dim)]
    square = {}
    for i, j in itertools.combinations_with_replacement(range(n), 2):
        total = field.zero
        for k, l in itertools.product(range(n), repeat=2):
            if not inverse[k][l]:
                continue
            for a, b in itertools.product(range(dim), repeat=2):
                if algebra_metric[a][b]:
                    f_ik = connection.field_strength_component(a, i, k)
                    f_jl = connection.field_strength_component(b, j, l)
                    if f_ik and f_jl:
                        total = total + inverse[k][l] * algebra_metric[a][b] * f_ik * f_jl
        square[i, j] = square[j, i] = total
    velocity = metric.ricci * -2 + Tensor._from_elements(metric.chart, square, "dd", "F^2")
    velocity.name = "\\partial_t g"
    velocity.symmetries = ((0, 1, 1),)
    current = connection.yang_mills_current(metric)
    lowered = [[sum((g[j][k] * current[a][k] for k in range(n) if g[j][k]), field.zero)
                for j in range(n)] for a in range(dim)]
    return velocity, lowered
