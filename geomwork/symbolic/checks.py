"""Property checkers for differential forms, for tests and for users' own derivations.

Each ``assert_*`` function checks one defining identity exactly (components in
the chart's differential field, so no tolerance) and raises ``AssertionError``
with the offending components when it fails.  :func:`random_form` draws test
forms from a seeded generator.
"""

from __future__ import annotations

import itertools
import random

import sympy

from ._chart import Chart
from ._forms import DifferentialForm
from ._matrix_forms import MatrixForm
from ._metric import Metric

__all__ = [
    "assert_closed",
    "assert_codifferential_adjoint",
    "assert_forms_equal",
    "assert_graded_commutative",
    "assert_graded_leibniz",
    "assert_hodge_involution",
    "random_form",
]


def _generator(seed) -> random.Random:
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, int) and not isinstance(seed, bool):
        return random.Random(seed)
    raise TypeError(f"seed must be an int or a random.Random, got {seed!r}")


def _random_monomial(coordinates, rng: random.Random, kind: str) -> sympy.Expr:
    if kind == "polynomial":
        powers = [rng.randint(0, 2) for _ in coordinates]
        return sympy.Mul(*[c ** p for c, p in zip(coordinates, powers)])
    factor = sympy.Integer(1)
    for coordinate in rng.sample(list(coordinates), k=rng.randint(1, min(2, len(coordinates)))):
        factor *= rng.choice([sympy.sin, sympy.cos])(coordinate)
    return factor


def random_form(chart: Chart, degree: int, seed, kind: str = "polynomial",
                terms: int = 2, name: str = "omega") -> DifferentialForm:
    """Draw a random k-form with small integer coefficients from a seeded generator.

    Parameters
    ----------
    chart : Chart
    degree : int
        The degree k, between 0 and ``chart.dim``.
    seed : int or random.Random
        The generator, or the seed of a new one.
    kind : {"polynomial", "trigonometric"}
        Polynomial coefficients (each coordinate to a power 0..2), or products
        of :math:`\\sin x` and :math:`\\cos x` of one or two coordinates, which are
        periodic on a box of side :math:`2\\pi`.  The trigonometric monomials
        span a space that d maps into itself, so integrals of products of two
        random forms are often non-zero.
    terms : int
        The number of monomials in each component.
    """
    if kind not in ("polynomial", "trigonometric"):
        raise ValueError(f"random_form: kind must be 'polynomial' or 'trigonometric', "
                         f"got {kind!r}")
    rng = _generator(seed)
    components = {}
    for indices in itertools.combinations(range(chart.dim), degree):
        if rng.random() < 0.25:
            continue
        value = sympy.Integer(0)
        for _ in range(terms):
            value += rng.choice([-3, -2, -1, 1, 2, 3]) * _random_monomial(chart.coordinates,
                                                                          rng, kind)
        components[indices] = value
    return DifferentialForm(chart, degree, components, name=name)


def assert_forms_equal(actual, expected, context: str = "forms") -> None:
    """Raise AssertionError, listing the differing components, unless two forms are exactly equal.

    Works for :class:`DifferentialForm` and :class:`MatrixForm` alike.
    """
    if isinstance(actual, MatrixForm) or isinstance(expected, MatrixForm):
        _assert_matrix_forms_equal(actual, expected, context)
        return
    if actual.chart is not expected.chart or actual.degree != expected.degree:
        raise AssertionError(
            f"{context}: {actual.name} is a {actual.degree}-form on chart {actual.chart.name} "
            f"but {expected.name} is a {expected.degree}-form on chart {expected.chart.name}"
        )
    difference = actual - expected
    if not difference.is_zero:
        first_components = dict(itertools.islice(difference.nonzero().items(), 5))
        raise AssertionError(f"{context}: {actual.name} - {expected.name} has non-zero "
                             f"components {first_components}")


def _assert_matrix_forms_equal(actual, expected, context: str) -> None:
    if not (isinstance(actual, MatrixForm) and isinstance(expected, MatrixForm)):
        raise AssertionError(f"{context}: cannot compare {type(actual).__name__} with "
                             f"{type(expected).__name__}")
    if actual.size != expected.size:
        raise AssertionError(f"{context}: sizes {actual.size} and {expected.size} differ")
    for i, j in itertools.product(range(actual.size), repeat=2):
        assert_forms_equal(actual[i, j], expected[i, j], f"{context}, entry ({i}, {j})")


def assert_closed(form) -> None:
    """Raise AssertionError unless :math:`d\\alpha = 0` exactly."""
    derivative = form.d()
    if not derivative.is_zero:
        raise AssertionError(f"form {form.name} is not closed: d{form.name} = {derivative}")


def assert_graded_leibniz(alpha, beta) -> None:
    """Raise AssertionError unless the graded Leibniz rule holds for a k-form alpha.

    :math:`d(\\alpha\\wedge\\beta) = d\\alpha\\wedge\\beta + (-1)^k\\alpha\\wedge d\\beta`.
    """
    sign = (-1) ** alpha.degree
    expected = alpha.d().wedge(beta) + alpha.wedge(beta.d()) * sign
    assert_forms_equal(alpha.wedge(beta).d(), expected, "graded Leibniz rule")


def assert_graded_commutative(alpha, beta) -> None:
    """Raise AssertionError unless :math:`\\alpha\\wedge\\beta = (-1)^{pq}\\beta\\wedge\\alpha`."""
    sign = (-1) ** (alpha.degree * beta.degree)
    assert_forms_equal(alpha.wedge(beta), beta.wedge(alpha) * sign, "graded commutativity")


def assert_hodge_involution(form: DifferentialForm, metric: Metric) -> None:
    """Raise AssertionError unless the Hodge star squared is a sign fixed by degree and signature.

    For a k-form in n dimensions,
    :math:`\\star\\star\\alpha = (-1)^{k(n-k)}\\operatorname{sign}(\\det g)\\,\\alpha`.
    """
    sign = (-1) ** (form.degree * (form.dim - form.degree)) * metric.det_sign
    assert_forms_equal(form.hodge(metric).hodge(metric), form * sign,
                       f"Hodge star squared (sign {sign:+d})")


def assert_codifferential_adjoint(alpha: DifferentialForm, beta: DifferentialForm,
                                  metric: Metric, bounds=None) -> sympy.Expr:
    """Raise AssertionError unless the codifferential is the adjoint of d on two forms.

    The identity is :math:`\\int\\langle d\\alpha,\\beta\\rangle\\mathrm{vol}_g
    = \\int\\langle\\alpha,\\delta\\beta\\rangle\\mathrm{vol}_g`.
    It needs a box without boundary terms: periodic coefficients on
    a torus, or forms that vanish on the boundary.  ``bounds`` is passed to
    :meth:`DifferentialForm.integrate`.  Returns the common value of the two
    integrals, so that a test can reject a trivial (zero) case.
    """
    left = alpha.d().wedge(beta.hodge(metric)).integrate(bounds)
    right = alpha.wedge(beta.codifferential(metric).hodge(metric)).integrate(bounds)
    if sympy.simplify(left - right) != 0:
        raise AssertionError(f"codifferential is not the adjoint of d for {alpha.name}, "
                             f"{beta.name}: integral of <d alpha, beta> vol = {left} but integral "
                             f"of <alpha, delta beta> vol = {right}")
    return left
