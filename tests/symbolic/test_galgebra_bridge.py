"""galgebra bridge: forms to multivectors and back, wedge and Hodge star against galgebra 0.6.0."""

import itertools
import random

import pytest
import sympy
from galgebra.ga import Ga

from geomwork.symbolic import (Chart, DifferentialForm, FormError, Metric, catalogue_metric,
                               coordinate_forms, form_to_multivector, geometric_algebra,
                               hodge_via_galgebra, multivector_to_form)
from geomwork.symbolic.checks import assert_forms_equal, random_form


def flat_metrics():
    """Euclidean R^n and Minkowski space of every dimension up to 4."""
    return ([catalogue_metric("euclidean", n=n) for n in (1, 2, 3, 4)]
            + [catalogue_metric("minkowski", n=n) for n in (2, 3, 4)])


def metric_id(metric):
    return f"{metric.name}{metric.dim}"


@pytest.fixture(scope="module")
def euclidean3():
    return catalogue_metric("euclidean", n=3)


@pytest.fixture(scope="module")
def minkowski4():
    return catalogue_metric("minkowski", n=4)


def basis_forms(metric):
    """Every coordinate basis form dx^I of every degree."""
    chart = metric.chart
    for degree in range(chart.dim + 1):
        for indices in itertools.combinations(range(chart.dim), degree):
            yield DifferentialForm(chart, degree, {indices: 1}, name=f"dx{indices}")


# ---------------------------------------------------------------------- conversion


def test_one_forms_become_basis_vectors(euclidean3):
    algebra = geometric_algebra(euclidean3)
    basis = algebra.mv()
    for form, vector in zip(coordinate_forms(euclidean3.chart), basis):
        assert form_to_multivector(form, euclidean3) == vector


def test_algebra_built_once_per_metric(euclidean3):
    assert geometric_algebra(euclidean3) is geometric_algebra(euclidean3)


@pytest.mark.parametrize("metric", flat_metrics(), ids=metric_id)
def test_round_trip_with_variable_coefficients(metric):
    rng = random.Random(metric.dim)
    for degree in range(metric.dim + 1):
        form = random_form(metric.chart, degree, rng, kind="trigonometric")
        back = multivector_to_form(form_to_multivector(form, metric), metric, degree=degree)
        assert_forms_equal(back, form, f"round trip in degree {degree}")


@pytest.mark.parametrize("metric", flat_metrics(), ids=metric_id)
def test_wedge_matches_outer_product(metric):
    rng = random.Random(10 + metric.dim)
    for p in range(metric.dim + 1):
        for q in range(metric.dim + 1 - p):
            alpha = random_form(metric.chart, p, rng)
            beta = random_form(metric.chart, q, rng)
            outer = form_to_multivector(alpha, metric) ^ form_to_multivector(beta, metric)
            expected = multivector_to_form(outer, metric, degree=p + q)
            assert_forms_equal(alpha ^ beta, expected, f"wedge of degrees {p}, {q}")


def test_single_grade_found_without_degree(euclidean3):
    dx, dy, dz = coordinate_forms(euclidean3.chart)
    multivector = form_to_multivector(dx ^ dz, euclidean3)
    assert multivector_to_form(multivector, euclidean3) == dx ^ dz


def test_mixed_grades_need_degree(euclidean3):
    dx, dy, dz = coordinate_forms(euclidean3.chart)
    mixed = form_to_multivector(dx, euclidean3) + form_to_multivector(dy ^ dz, euclidean3)
    with pytest.raises(FormError, match=r"has grades \[1, 2\], so its form degree is ambiguous; "
                                        r"pass degree=k"):
        multivector_to_form(mixed, euclidean3)
    assert multivector_to_form(mixed, euclidean3, degree=2) == dy ^ dz


def test_zero_multivector_with_degree(euclidean3):
    zero = geometric_algebra(euclidean3).mv(0, "scalar")
    assert multivector_to_form(zero, euclidean3, degree=2).is_zero


def test_curved_metric_rejected():
    metric = catalogue_metric("sphere", n=2, a=1)
    form = coordinate_forms(metric.chart)[0]
    with pytest.raises(FormError, match=r"needs a metric with constant numeric components, but "
                                        r"metric g on chart hyperspherical has the component "
                                        r"sin\(theta1\)\*\*2"):
        form_to_multivector(form, metric)


def test_multivector_of_wrong_dimension_rejected(euclidean3, minkowski4):
    multivector = form_to_multivector(coordinate_forms(minkowski4.chart)[0], minkowski4)
    with pytest.raises(FormError, match=r"needs a galgebra multivector of an algebra with 3 basis "
                                        r"vectors \(chart cartesian\)"):
        multivector_to_form(multivector, euclidean3)


# ---------------------------------------------------------------------- Hodge star


def test_galgebra_dual_is_not_hodge(euclidean3, minkowski4):
    """galgebra 0.6.0: dual(e_x∧e_y) = -e_z in R^3 and dual(e_t∧e_x) = +e_y∧e_z in Minkowski."""
    dx, dy, dz = coordinate_forms(euclidean3.chart)
    dual = form_to_multivector(dx ^ dy, euclidean3).dual()
    assert multivector_to_form(dual, euclidean3) == -dz
    dt, dx1, dx2, dx3 = coordinate_forms(minkowski4.chart)
    dual = form_to_multivector(dt ^ dx1, minkowski4).dual()
    assert multivector_to_form(dual, minkowski4) == dx2 ^ dx3


def test_hodge_via_galgebra_reference_values(euclidean3, minkowski4):
    dx, dy, dz = coordinate_forms(euclidean3.chart)
    assert hodge_via_galgebra(dx, euclidean3) == dy ^ dz
    assert hodge_via_galgebra(dx ^ dy, euclidean3) == dz
    dt, dx1, dx2, dx3 = coordinate_forms(minkowski4.chart)
    assert hodge_via_galgebra(dt ^ dx1, minkowski4) == -(dx2 ^ dx3)
    assert hodge_via_galgebra(dx2 ^ dx3, minkowski4) == dt ^ dx1


@pytest.mark.parametrize("metric", flat_metrics(), ids=metric_id)
def test_hodge_agrees_on_basis_forms(metric):
    for form in basis_forms(metric):
        assert_forms_equal(hodge_via_galgebra(form, metric), form.hodge(metric),
                           f"Hodge star of {form.name}")


@pytest.mark.parametrize("metric", flat_metrics(), ids=metric_id)
def test_hodge_agrees_on_random_forms(metric):
    rng = random.Random(20 + metric.dim)
    for degree in range(metric.dim + 1):
        form = random_form(metric.chart, degree, rng, kind="polynomial")
        assert_forms_equal(hodge_via_galgebra(form, metric), form.hodge(metric),
                           f"Hodge star in degree {degree}")


def test_hodge_agrees_for_constant_off_diagonal_metric():
    """The bridge's algebra uses g^{ij}, so it also matches a non-orthonormal constant metric."""
    chart = Chart("x y z", name="skew")
    metric = Metric(chart, [[2, 1, 0], [1, 2, 0], [0, 0, 1]])
    for form in basis_forms(metric):
        assert_forms_equal(hodge_via_galgebra(form, metric), form.hodge(metric),
                           f"Hodge star of {form.name}")


def test_hodge_via_galgebra_needs_default_dual_mode(euclidean3):
    form = coordinate_forms(euclidean3.chart)[0]
    Ga.dual_mode("I-")
    try:
        with pytest.raises(FormError, match=r"but the mode is 'I-'; call Ga.dual_mode\('I\+'\)"):
            hodge_via_galgebra(form, euclidean3)
    finally:
        Ga.dual_mode("I+")


def test_hodge_via_galgebra_of_constant_times_scalar(euclidean3):
    x1 = euclidean3.chart.coordinates[0]
    scalar = DifferentialForm(euclidean3.chart, 0, {(): sympy.cos(x1)})
    assert hodge_via_galgebra(scalar, euclidean3) == scalar.hodge(euclidean3)
