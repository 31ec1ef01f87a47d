"""Convert differential forms on a flat chart to galgebra multivectors and back.

The bridge identifies :math:`dx^i` with the basis vector :math:`e_i` of a
galgebra :class:`~galgebra.ga.Ga` whose metric is the inverse metric
:math:`g^{ij}` (the metric on covectors), and the wedge product of forms with
the outer product ``^`` of multivectors.  A k-form becomes a grade-k
multivector with the same coefficients on the blades
:math:`e_{i_1}\\wedge\\dots\\wedge e_{i_k}`, :math:`i_1 < \\dots < i_k`.  For the
Euclidean and Minkowski metrics of the catalogue :math:`g^{ij} = g_{ij}`.

Only metrics with constant numeric components are accepted: galgebra's
geometric product is then the algebraic product of the exterior algebra at every
point, and its normalised pseudoscalar is a number.
"""

from __future__ import annotations

import functools
import operator
import weakref

import sympy
from galgebra.ga import Ga
from galgebra.mv import Mv

from ._forms import DifferentialForm, FormError
from ._metric import Metric

__all__ = [
    "form_to_multivector",
    "geometric_algebra",
    "hodge_via_galgebra",
    "multivector_to_form",
]

_ALGEBRAS: "weakref.WeakKeyDictionary[Metric, Ga]" = weakref.WeakKeyDictionary()


def _check_constant_metric(metric: Metric) -> None:
    if not isinstance(metric, Metric):
        raise TypeError(f"the galgebra bridge needs a Metric, got {type(metric).__name__}")
    for row in metric.matrix.tolist():
        for value in row:
            if not value.is_number:
                raise FormError(
                    f"the galgebra bridge needs a metric with constant numeric components, but "
                    f"metric {metric.name} on chart {metric.chart.name} has the component "
                    f"{value}; use a flat metric such as catalogue_metric('euclidean') or "
                    "catalogue_metric('minkowski')"
                )


def geometric_algebra(metric: Metric) -> Ga:
    """Build (once per metric) the galgebra algebra of covectors for a constant metric.

    Its basis vectors are named ``e_<coordinate>`` and its metric is the inverse
    metric :math:`g^{ij}`, so that the scalar product of blades equals the inner
    product of forms (:math:`\\langle dx^I, dx^K\\rangle = \\det g^{i_a k_b}`).
    """
    algebra = _ALGEBRAS.get(metric)
    if algebra is None:
        _check_constant_metric(metric)
        # galgebra 0.6.0 reads a basis string as a list of names only when it contains a
        # comma or a space. The trailing comma makes a one-coordinate chart work too.
        names = "".join(f"e_{coordinate.name}," for coordinate in metric.chart.coordinates)
        algebra = Ga(names, g=metric.inverse)
        _ALGEBRAS[metric] = algebra
    return algebra


def _blade(algebra: Ga, indices: tuple) -> Mv:
    if not indices:
        return algebra.mv(sympy.Integer(1), "scalar")
    basis = algebra.mv()
    return functools.reduce(operator.xor, [basis[i] for i in indices])


def form_to_multivector(form: DifferentialForm, metric: Metric) -> Mv:
    """Convert a k-form to the grade-k multivector :math:`\\sum_I \\alpha_I\\, e_{i_1}\\wedge\\dots\\wedge e_{i_k}`.

    The map sends the wedge product of forms to the outer product:
    ``form_to_multivector(a ^ b) == form_to_multivector(a) ^ form_to_multivector(b)``.
    """
    if not isinstance(form, DifferentialForm):
        raise TypeError(f"form_to_multivector needs a DifferentialForm, got {type(form).__name__}")
    form._check_metric(metric, "conversion to a galgebra multivector")
    form._check_in_range("conversion to a galgebra multivector")
    algebra = geometric_algebra(metric)
    total = algebra.mv(sympy.Integer(0), "scalar")
    for indices, value in form.items():
        total = total + value.expr * _blade(algebra, indices)
    return total


def _grades(multivector: Mv) -> list[int]:
    if multivector.is_zero():
        return []
    return sorted(multivector.grades)


def multivector_to_form(multivector: Mv, metric: Metric, degree: int | None = None,
                        name: str = "omega") -> DifferentialForm:
    """Convert the grade-k part of a multivector to a k-form, the inverse of :func:`form_to_multivector`.

    Parameters
    ----------
    multivector : galgebra.mv.Mv
        A multivector of an algebra with as many basis vectors as the metric's
        chart has coordinates.
    metric : Metric
        Fixes the chart of the result.
    degree : int, optional
        The grade to take.  Without it the multivector must be non-zero and of
        a single grade.
    """
    chart = metric.chart
    if not isinstance(multivector, Mv) or multivector.Ga.n != chart.dim:
        raise FormError(
            f"multivector_to_form needs a galgebra multivector of an algebra with {chart.dim} "
            f"basis vectors (chart {chart.name}), got {multivector!r}; build it with "
            "form_to_multivector or geometric_algebra(metric)"
        )
    grades = _grades(multivector)
    if degree is None:
        if len(grades) != 1:
            raise FormError(
                f"multivector {multivector} has grades {grades}, so its form degree is "
                "ambiguous; pass degree=k to take its grade-k part"
            )
        degree = grades[0]
    if degree not in grades:
        return DifferentialForm(chart, degree, {}, name=name)
    coefficients = multivector.blade_coefs()
    components = {indices: coefficient
                  for indices, coefficient in zip(multivector.Ga.indexes.flat, coefficients)
                  if len(indices) == degree and coefficient != 0}
    return DifferentialForm(chart, degree, components, name=name)


def hodge_via_galgebra(form: DifferentialForm, metric: Metric) -> DifferentialForm:
    """Compute the Hodge star of a k-form with galgebra's ``dual()`` and an explicit sign map.

    galgebra 0.6.0's ``Mv.dual()`` in its default mode ``'I+'`` is the right
    product :math:`A I` with the normalised pseudoscalar
    :math:`I = e_1\\wedge\\dots\\wedge e_n/\\sqrt{|I^2|}`, which is not the Hodge
    star: it gives ``dual(e_x^e_y) = -e_z`` in :math:`\\mathbb{R}^3`.  For a
    grade-k blade B, :math:`\\alpha\\wedge(\\tilde B I) = (\\alpha\\rfloor\\tilde B) I
    = \\langle\\alpha, B\\rangle I`, and :math:`I` is :math:`\\mathrm{vol}_g`, so the
    Hodge star is the dual of the reverse:

    .. math:: \\star\\beta = \\tilde\\beta\\, I = (-1)^{k(k-1)/2}\\,\\mathrm{dual}(\\beta).

    The sign map is therefore +1 on grades 0, 1, 4 and -1 on grades 2, 3.

    Raises
    ------
    FormError
        When galgebra's dual mode (``Ga.dual_mode_value``, shared by every
        algebra) is not ``'I+'``; restore it with ``Ga.dual_mode('I+')``.
    """
    if Ga.dual_mode_value != "I+":
        raise FormError(
            f"hodge_via_galgebra assumes galgebra's default dual mode 'I+' (dual(A) = A*I), "
            f"but the mode is {Ga.dual_mode_value!r}; call Ga.dual_mode('I+') first"
        )
    multivector = form_to_multivector(form, metric)
    sign = (-1) ** (form.degree * (form.degree - 1) // 2)
    dual = multivector.dual() * sign
    return multivector_to_form(dual, metric, degree=form.dim - form.degree,
                               name=f"⋆{form.name}")
