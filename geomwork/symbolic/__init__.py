"""Exact differential geometry with sympy and galgebra (this layer never imports torch).

Scalars are elements of a differential rational-function field
(:class:`DifferentialField`), so curvature and forms come out in canonical form
and a vanishing quantity is exactly zero.
"""

from ._catalogue import CATALOGUE, catalogue_metric, catalogue_names
from ._chart import Chart
from ._field import DifferentialField, FieldElement, UnsupportedExpressionError
from ._lie import LieAlgebra, LieAlgebraError, gell_mann_matrices, lie_algebra, so, su, u1
from ._metric import Metric, MetricError
from ._report import curvature_report
from ._flows import ricci_flow_rhs
from ._tensor import Tensor

__all__ = [
    "CATALOGUE",
    "Chart",
    "DifferentialField",
    "FieldElement",
    "LieAlgebra",
    "LieAlgebraError",
    "Metric",
    "MetricError",
    "Tensor",
    "UnsupportedExpressionError",
    "catalogue_metric",
    "catalogue_names",
    "curvature_report",
    "gell_mann_matrices",
    "lie_algebra",
    "ricci_flow_rhs",
    "so",
    "su",
    "u1",
]
