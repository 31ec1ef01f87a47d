"""Exact differential geometry with sympy and galgebra (this layer never imports torch).

Scalars are elements of a differential rational-function field
(:class:`DifferentialField`), so curvature and forms come out in canonical form
and a vanishing quantity is exactly zero.
"""

from ._bundles import BundleError, PrincipalBundle, Transition, instanton_bundle, monopole_bundle
from ._catalogue import CATALOGUE, catalogue_metric, catalogue_names
from ._chart import Chart
from ._field import DifferentialField, FieldElement, UnsupportedExpressionError
from ._forms import (ChartMap, DifferentialForm, FormError, coordinate_forms, inner_product,
                     scalar_form, volume_form, wedge)
from ._galgebra_bridge import (form_to_multivector, geometric_algebra, hodge_via_galgebra,
                               multivector_to_form)
from ._gauge import Connection, GaugeError, hyperspherical_map, integrate_over_space
from ._gauge_catalogue import (GAUGE_CATALOGUE, bpst, dirac_monopole, gauge_catalogue_names,
                               gauge_field, thooft_eta, thooft_multi_instanton, wu_yang_monopole)
from ._gauge_checks import assert_bianchi, assert_gauge_covariant, assert_self_dual
from ._lie import LieAlgebra, LieAlgebraError, gell_mann_matrices, lie_algebra, so, su, u1
from ._matrix_forms import MatrixForm
from ._metric import Metric, MetricError
from ._rym import ricci_yang_mills_rhs
from ._report import curvature_report, gauge_report
from ._flows import ricci_flow_rhs
from ._spin_gauge import bivector_connection, bivector_curvature, bivector_to_components
from ._tensor import Tensor

__all__ = [
    "assert_bianchi",
    "assert_gauge_covariant",
    "assert_self_dual",
    "bivector_connection",
    "bivector_curvature",
    "bivector_to_components",
    "bpst",
    "BundleError",
    "CATALOGUE",
    "catalogue_metric",
    "catalogue_names",
    "Chart",
    "ChartMap",
    "Connection",
    "coordinate_forms",
    "curvature_report",
    "DifferentialField",
    "DifferentialForm",
    "dirac_monopole",
    "FieldElement",
    "form_to_multivector",
    "FormError",
    "GAUGE_CATALOGUE",
    "gauge_catalogue_names",
    "gauge_field",
    "gauge_report",
    "GaugeError",
    "gell_mann_matrices",
    "geometric_algebra",
    "hodge_via_galgebra",
    "hyperspherical_map",
    "inner_product",
    "instanton_bundle",
    "integrate_over_space",
    "lie_algebra",
    "LieAlgebra",
    "LieAlgebraError",
    "MatrixForm",
    "Metric",
    "MetricError",
    "monopole_bundle",
    "multivector_to_form",
    "PrincipalBundle",
    "ricci_flow_rhs",
    "ricci_yang_mills_rhs",
    "scalar_form",
    "so",
    "su",
    "Tensor",
    "thooft_eta",
    "thooft_multi_instanton",
    "Transition",
    "u1",
    "UnsupportedExpressionError",
    "volume_form",
    "wedge",
    "wu_yang_monopole",
]
