"""Differential forms: construction, algebra, d, Hodge star, codifferential, pullback, integration."""

import itertools
import random

import pytest
import sympy

from geomwork.symbolic import (Chart, ChartMap, DifferentialForm, FormError, Metric, Tensor,
                               catalogue_metric, coordinate_forms, inner_product, scalar_form,
                               volume_form, wedge)
from geomwork.symbolic.checks import (assert_closed, assert_codifferential_adjoint,
                                      assert_forms_equal, assert_graded_commutative,
                                      assert_graded_leibniz, assert_hodge_involution, random_form)

SEEDS = [0, 1, 2]


@pytest.fixture(scope="module")
def euclidean3():
    return catalogue_metric("euclidean", n=3)


@pytest.fixture(scope="module")
def minkowski4():
    return catalogue_metric("minkowski", n=4)


@pytest.fixture(scope="module")
def sphere2():
    return catalogue_metric("sphere", n=2, a=2)


@pytest.fixture(scope="module")
def skew_metric():
    """A curved metric with off-diagonal terms and an irrational volume factor sqrt(1 + x^2 + y^2)."""
    chart = Chart("x y")
    x, y = chart.coordinates
    return Metric(chart, [[1 + x ** 2, x * y], [x * y, 1 + y ** 2]])


def flat_metrics():
    return [catalogue_metric("euclidean", n=n) for n in (2, 3, 4)] + \
        [catalogue_metric("minkowski", n=n) for n in (2, 3, 4)]


# ---------------------------------------------------------------------- construction


def test_unsorted_index_takes_permutation_sign():
    chart = Chart("x y z")
    dx, dy, dz = coordinate_forms(chart)
    assert DifferentialForm(chart, 2, {(1, 0): 5}) == -5 * (dx ^ dy)
    assert DifferentialForm(chart, 3, {(2, 0, 1): 1}) == wedge(dx, dy, dz)


def test_repeated_index_contributes_zero():
    chart = Chart("x y z")
    assert DifferentialForm(chart, 2, {(1, 1): 7}).is_zero


def test_entries_with_same_sorted_index_add_up():
    chart = Chart("x y")
    form = DifferentialForm(chart, 2, {(0, 1): 3, (1, 0): 1})
    assert form.component(0, 1) == 2
    assert form.component(1, 0) == -2


def test_indices_by_coordinate_name():
    chart = Chart("x y z")
    dx, dy, dz = coordinate_forms(chart)
    assert DifferentialForm(chart, 2, {("z", "x"): 1}) == -(dx ^ dz)
    assert DifferentialForm(chart, 1, {chart.coordinates[1]: 1}) == dy


@pytest.mark.parametrize("degree", [-1, 4, 1.5, True])
def test_invalid_degree_rejected(degree):
    chart = Chart("x y z", name="box")
    with pytest.raises(FormError, match=r"degree .* is invalid on chart box of dimension 3; "
                                        r"give an integer degree between 0 and 3"):
        DifferentialForm(chart, degree, {})


def test_index_tuple_of_wrong_length_rejected():
    chart = Chart("x y z")
    with pytest.raises(FormError, match=r"omega of degree 2: component index \(0,\) has 1 "
                                        r"entries; give 2 coordinate indices"):
        DifferentialForm(chart, 2, {(0,): 1})


@pytest.mark.parametrize("key", [(0, 3), (-1, 2), ("x", "w")])
def test_index_outside_chart_rejected(key):
    chart = Chart("x y z", name="box")
    with pytest.raises(FormError, match=r"does not fit chart box of dimension 3; indices run "
                                        r"from 0 to 2"):
        DifferentialForm(chart, 2, {key: 1})


def test_components_must_be_a_mapping():
    chart = Chart("x y")
    with pytest.raises(FormError, match=r"components must be a mapping \{index tuple: value\}, got "
                                        r"list \[1, 2\]"):
        DifferentialForm(chart, 1, [1, 2])


def test_chart_must_be_a_chart():
    with pytest.raises(FormError, match="chart must be a Chart, got str"):
        DifferentialForm("x y", 1, {})


def test_determinant_convention_without_factorial():
    """(dx ∧ dy)(e_x, e_y) = 1: contracting e_x then e_y leaves the constant 1."""
    chart = Chart("x y")
    dx, dy = coordinate_forms(chart)
    evaluated = (dx ^ dy).interior([1, 0]).interior([0, 1])
    assert evaluated == scalar_form(chart, 1)


def test_random_form_is_reproducible():
    chart = Chart("x y z")
    assert random_form(chart, 2, seed=5) == random_form(chart, 2, seed=5)
    assert random_form(chart, 2, seed=random.Random(5)) == random_form(chart, 2, seed=5)


# ---------------------------------------------------------------------- algebra and its errors


def test_wedge_on_different_charts_names_both():
    first, second = Chart("x y", name="left"), Chart("x y", name="right")
    alpha = DifferentialForm(first, 1, {0: 1}, name="alpha")
    beta = DifferentialForm(second, 1, {1: 1}, name="beta")
    with pytest.raises(FormError, match=r"cannot wedge form alpha on chart left and form beta on "
                                        r"chart right; pull one back"):
        alpha ^ beta


def test_sum_on_different_charts_names_both():
    first, second = Chart("x y", name="left"), Chart("x y", name="right")
    alpha = DifferentialForm(first, 1, {0: 1}, name="alpha")
    beta = DifferentialForm(second, 1, {1: 1}, name="beta")
    with pytest.raises(FormError, match="cannot add form alpha on chart left and form beta on "
                                        "chart right"):
        alpha + beta


def test_sum_of_different_degrees_rejected():
    chart = Chart("x y")
    dx, dy = coordinate_forms(chart)
    with pytest.raises(FormError, match=r"degree 1 and form dx∧dy of degree 2; a sum of "
                                        r"differential forms needs a single degree"):
        dx + (dx ^ dy)


def test_star_product_of_one_forms_rejected():
    chart = Chart("x y")
    dx, dy = coordinate_forms(chart)
    with pytest.raises(TypeError, match=r"use the wedge product alpha \^ beta"):
        dx * dy


def test_zero_form_product_is_multiplication():
    chart = Chart("x y")
    x, y = chart.coordinates
    dx, dy = coordinate_forms(chart)
    assert scalar_form(chart, x * y) * dx == x * y * dx
    assert dx * scalar_form(chart, 2) == dx * 2


@pytest.mark.parametrize("seed", SEEDS)
def test_wedge_graded_commutativity(seed):
    chart = Chart("t x y z")
    rng = random.Random(seed)
    for p, q in [(1, 1), (1, 2), (2, 2), (1, 3), (0, 2)]:
        alpha = random_form(chart, p, rng)
        beta = random_form(chart, q, rng)
        assert_graded_commutative(alpha, beta)


@pytest.mark.parametrize("seed", SEEDS)
def test_wedge_associative(seed):
    chart = Chart("t x y z")
    rng = random.Random(seed)
    alpha, beta, gamma = (random_form(chart, k, rng) for k in (1, 1, 2))
    assert_forms_equal((alpha ^ beta) ^ gamma, alpha ^ (beta ^ gamma), "wedge associativity")


def test_wedge_function_needs_a_form():
    with pytest.raises(FormError, match=r"wedge\(\) needs at least one differential form"):
        wedge()


def test_wedge_beyond_dimension_is_zero():
    chart = Chart("x y")
    dx, dy = coordinate_forms(chart)
    product = (dx ^ dy) ^ dx
    assert product.degree == 3
    assert product.is_zero


# ---------------------------------------------------------------------- exterior derivative


def test_d_of_function_is_gradient():
    chart = Chart("x y z")
    x, y, z = chart.coordinates
    dx, dy, dz = coordinate_forms(chart)
    f = scalar_form(chart, x ** 2 * sympy.sin(y) + z)
    expected = 2 * x * sympy.sin(y) * dx + x ** 2 * sympy.cos(y) * dy + dz
    assert f.d() == expected


def test_d_of_one_form_is_curl():
    chart = Chart("x y")
    x, y = chart.coordinates
    dx, dy = coordinate_forms(chart)
    alpha = -y * dx + x * dy
    assert alpha.d() == 2 * (dx ^ dy)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", ["polynomial", "trigonometric"])
def test_d_squared_vanishes(seed, kind):
    chart = Chart("t x y z")
    rng = random.Random(seed)
    for degree in range(chart.dim + 1):
        form = random_form(chart, degree, rng, kind=kind)
        assert_closed(form.d())


@pytest.mark.parametrize("seed", SEEDS)
def test_graded_leibniz_rule(seed):
    chart = Chart("t x y z")
    rng = random.Random(seed)
    for p, q in [(0, 1), (1, 1), (1, 2), (2, 1), (2, 2), (3, 1)]:
        alpha = random_form(chart, p, rng, kind=rng.choice(["polynomial", "trigonometric"]))
        beta = random_form(chart, q, rng)
        assert_graded_leibniz(alpha, beta)


def test_d_of_top_form_is_zero_above_dimension():
    chart = Chart("x y")
    x, y = chart.coordinates
    top = DifferentialForm(chart, 2, {(0, 1): x * y})
    assert top.d().degree == 3
    assert top.d().is_zero


def test_assert_closed_reports_derivative():
    chart = Chart("x y")
    x, y = chart.coordinates
    with pytest.raises(AssertionError, match=r"form omega is not closed: domega = 2\*dx∧dy"):
        assert_closed(DifferentialForm(chart, 1, {0: -y, 1: x}))


# ---------------------------------------------------------------------- Hodge star


def test_hodge_euclidean_values(euclidean3):
    """In Euclidean R^3 with vol = dx∧dy∧dz: ⋆dx = dy∧dz and ⋆(dx∧dy) = dz."""
    dx, dy, dz = coordinate_forms(euclidean3.chart)
    assert dx.hodge(euclidean3) == dy ^ dz
    assert (dx ^ dy).hodge(euclidean3) == dz
    assert dy.hodge(euclidean3) == -(dx ^ dz)


def test_hodge_minkowski_values(minkowski4):
    """In Minkowski (-,+,+,+) with vol = dt∧dx∧dy∧dz: ⋆(dt∧dx) = -dy∧dz, ⋆(dy∧dz) = dt∧dx.

    Both follow from α∧⋆β = ⟨α,β⟩ vol with ⟨dt∧dx, dt∧dx⟩ = g^tt g^xx = -1.
    """
    dt, dx, dy, dz = coordinate_forms(minkowski4.chart)
    assert (dt ^ dx).hodge(minkowski4) == -(dy ^ dz)
    assert (dy ^ dz).hodge(minkowski4) == dt ^ dx
    assert dt.hodge(minkowski4) == -wedge(dx, dy, dz)


def test_hodge_of_one_is_volume_form(sphere2):
    theta, phi = sphere2.chart.coordinates
    constant = scalar_form(sphere2.chart, 1)
    assert constant.hodge(sphere2) == volume_form(sphere2)
    assert volume_form(sphere2).component(0, 1) == 4 * sympy.sin(theta)


@pytest.mark.parametrize("metric", flat_metrics(), ids=lambda m: f"{m.name}{m.dim}")
def test_hodge_squared_sign_flat(metric):
    rng = random.Random(metric.dim)
    for degree in range(metric.dim + 1):
        assert_hodge_involution(random_form(metric.chart, degree, rng), metric)


@pytest.mark.parametrize("seed", SEEDS)
def test_hodge_squared_sign_sphere(sphere2, seed):
    rng = random.Random(seed)
    for degree in range(3):
        assert_hodge_involution(random_form(sphere2.chart, degree, rng, kind="trigonometric"),
                                sphere2)


def test_hodge_squared_sign_three_sphere():
    metric = catalogue_metric("sphere", n=3, a=1)
    rng = random.Random(3)
    for degree in range(4):
        assert_hodge_involution(random_form(metric.chart, degree, rng), metric)


def test_hodge_squared_sign_off_diagonal(skew_metric):
    rng = random.Random(4)
    for degree in range(3):
        assert_hodge_involution(random_form(skew_metric.chart, degree, rng), skew_metric)


@pytest.mark.parametrize("name", ["sphere2", "skew_metric", "minkowski4"])
def test_hodge_defining_identity(name, request):
    """α ∧ ⋆β = ⟨α, β⟩ vol_g on random forms of every degree."""
    metric = request.getfixturevalue(name)
    rng = random.Random(7)
    volume = volume_form(metric)
    for degree in range(metric.dim + 1):
        alpha = random_form(metric.chart, degree, rng)
        beta = random_form(metric.chart, degree, rng)
        assert_forms_equal(alpha ^ beta.hodge(metric), volume * inner_product(alpha, beta, metric),
                           f"α∧⋆β = ⟨α,β⟩ vol in degree {degree}")


@pytest.mark.parametrize("name", ["sphere2", "skew_metric", "minkowski4"])
def test_hodge_inverse_undoes_hodge(name, request):
    metric = request.getfixturevalue(name)
    rng = random.Random(9)
    for degree in range(metric.dim + 1):
        form = random_form(metric.chart, degree, rng)
        assert_forms_equal(form.hodge(metric).hodge_inverse(metric), form, f"degree {degree}")


def test_inner_product_is_symmetric(skew_metric):
    rng = random.Random(8)
    alpha, beta = random_form(skew_metric.chart, 1, rng), random_form(skew_metric.chart, 1, rng)
    assert inner_product(alpha, beta, skew_metric) == inner_product(beta, alpha, skew_metric)


def test_hodge_with_metric_of_other_chart_rejected(euclidean3):
    form = DifferentialForm(Chart("x y z", name="elsewhere"), 1, {0: 1}, name="alpha")
    with pytest.raises(FormError, match=r"Hodge star of form alpha: metric g lives on chart "
                                        r"cartesian but the form on chart elsewhere"):
        form.hodge(euclidean3)


def test_hodge_above_dimension_rejected(euclidean3):
    top = wedge(*coordinate_forms(euclidean3.chart))
    with pytest.raises(FormError, match=r"Hodge star of form d.*: degree 4 is outside 0..3"):
        top.d().hodge(euclidean3)


def test_inner_product_of_different_degrees_rejected(euclidean3):
    dx, dy, dz = coordinate_forms(euclidean3.chart)
    with pytest.raises(FormError, match="forms of different degrees are orthogonal"):
        inner_product(dx, dx ^ dy, euclidean3)


# ---------------------------------------------------------------------- interior and Lie derivative


@pytest.mark.parametrize("seed", SEEDS)
def test_interior_product_is_antiderivation(seed):
    chart = Chart("x y z")
    rng = random.Random(seed)
    vector = [c for c in random_form(chart, 1, rng).nonzero().values()] + [0, 0, 0]
    vector = vector[:3]
    alpha, beta = random_form(chart, 1, rng), random_form(chart, 2, rng)
    left = (alpha ^ beta).interior(vector)
    right = (alpha.interior(vector) ^ beta) - (alpha ^ beta.interior(vector))
    assert_forms_equal(left, right, "ι_X(α∧β) = ι_Xα∧β - α∧ι_Xβ")


def test_interior_product_accepts_vector_tensor():
    chart = Chart("x y")
    x, y = chart.coordinates
    dx, dy = coordinate_forms(chart)
    vector = Tensor(chart, {(0,): y, (1,): x}, "u", name="X")
    assert (dx ^ dy).interior(vector) == y * dy - x * dx


def test_interior_of_function_is_zero():
    chart = Chart("x y")
    result = scalar_form(chart, 3).interior([1, 1])
    assert result.degree == -1
    assert result.is_zero


def test_interior_product_rejects_wrong_length():
    chart = Chart("x y", name="plane")
    dx, dy = coordinate_forms(chart)
    with pytest.raises(FormError, match=r"vector field has 3 components but chart plane has "
                                        r"dimension 2; give one component per coordinate"):
        dx.interior([1, 2, 3])


def test_interior_product_rejects_covector_tensor():
    chart = Chart("x y", name="plane")
    dx, dy = coordinate_forms(chart)
    covector = Tensor(chart, {(0,): 1}, "d")
    with pytest.raises(FormError, match=r"must be a Tensor with positions 'u' on chart plane, got "
                                        r"positions 'd'"):
        dx.interior(covector)


def test_lie_derivative_of_function():
    chart = Chart("x y")
    x, y = chart.coordinates
    f = scalar_form(chart, x ** 2 * y)
    assert f.lie_derivative([y, 1]) == scalar_form(chart, 2 * x * y ** 2 + x ** 2)


@pytest.mark.parametrize("seed", SEEDS)
def test_lie_derivative_commutes_with_d(seed):
    chart = Chart("x y z")
    rng = random.Random(seed)
    vector = [sympy.Integer(1) + x * y for x, y in
              zip(chart.coordinates, chart.coordinates[1:] + chart.coordinates[:1])]
    form = random_form(chart, 1, rng)
    assert_forms_equal(form.d().lie_derivative(vector), form.lie_derivative(vector).d(),
                       "L_X d = d L_X")


# ---------------------------------------------------------------------- codifferential and Laplacian


def _torus(dim):
    names = ["x", "y", "z"][:dim]
    return Chart(names, name=f"torus{dim}", ranges={n: (0, 2 * sympy.pi) for n in names})


def _adjoint_integral(chart, metric, degree, seed, terms):
    """Check the adjoint identity on random trigonometric forms; return the common integral."""
    rng = random.Random(seed)
    alpha = random_form(chart, degree - 1, rng, kind="trigonometric", terms=terms, name="alpha")
    beta = random_form(chart, degree, rng, kind="trigonometric", terms=terms, name="beta")
    return assert_codifferential_adjoint(alpha, beta, metric)


@pytest.mark.parametrize("signature", [(1, 1), (-1, 1)], ids=["euclidean", "lorentzian"])
@pytest.mark.parametrize("degree", [1, 2])
@pytest.mark.parametrize("seed", [0, 6])
def test_codifferential_adjoint_flat_torus(signature, degree, seed):
    """∫⟨dα, β⟩ vol = ∫⟨α, δβ⟩ vol for periodic α, β on the 2-torus, both signatures.

    The seeds give a non-zero integral, so a wrong sign of δ fails the check.
    """
    metric = Metric(_torus(2), list(signature))
    assert _adjoint_integral(metric.chart, metric, degree, seed, terms=3) != 0


@pytest.mark.parametrize("seed", [0, 2, 6])
def test_codifferential_adjoint_curved_torus(seed):
    """The adjoint identity for functions and 1-forms with the metric (2 + sin x)(dx² + dy²)."""
    chart = _torus(2)
    x, y = chart.coordinates
    conformal = 2 + sympy.sin(x)
    metric = Metric(chart, [conformal, conformal])
    assert _adjoint_integral(chart, metric, 1, seed, terms=3) != 0


@pytest.mark.parametrize(("degree", "seed"), [(1, 5), (2, 1), (3, 6)])
def test_codifferential_adjoint_three_torus(degree, seed):
    metric = Metric(_torus(3), [1, 1, 1])
    assert sympy.simplify(_adjoint_integral(metric.chart, metric, degree, seed, terms=2)) != 0


def test_codifferential_adjoint_detects_wrong_sign():
    """With α = sin x, β = cos x dx both sides are 2π², and -δ would give -2π²."""
    chart = _torus(2)
    x, y = chart.coordinates
    metric = Metric(chart, [1, 1])
    alpha = scalar_form(chart, sympy.sin(x), name="alpha")
    beta = DifferentialForm(chart, 1, {0: sympy.cos(x)}, name="beta")
    assert_codifferential_adjoint(alpha, beta, metric)
    left = (alpha.d() ^ beta.hodge(metric)).integrate()
    wrong = (alpha ^ (-beta.codifferential(metric)).hodge(metric)).integrate()
    assert left == 2 * sympy.pi ** 2
    assert wrong == -left


def test_codifferential_is_minus_divergence(euclidean3):
    x, y, z = euclidean3.chart.coordinates
    alpha = DifferentialForm(euclidean3.chart, 1, {0: x ** 2, 1: x * y, 2: sympy.sin(z)})
    expected = scalar_form(euclidean3.chart, -(2 * x + x + sympy.cos(z)))
    assert alpha.codifferential(euclidean3) == expected


def test_codifferential_of_function_is_zero(euclidean3):
    result = scalar_form(euclidean3.chart, euclidean3.chart.coordinates[0]).codifferential(
        euclidean3)
    assert result.degree == -1
    assert result.is_zero


@pytest.mark.parametrize("seed", SEEDS)
def test_codifferential_squared_vanishes(sphere2, seed):
    form = random_form(sphere2.chart, 2, random.Random(seed), kind="trigonometric")
    assert form.codifferential(sphere2).codifferential(sphere2).is_zero


def test_laplacian_euclidean_sign(euclidean3):
    x, y, z = euclidean3.chart.coordinates
    f = x ** 3 * y + sympy.sin(z) * x
    expected = -(sympy.diff(f, x, 2) + sympy.diff(f, y, 2) + sympy.diff(f, z, 2))
    assert scalar_form(euclidean3.chart, f).laplacian(euclidean3) == scalar_form(
        euclidean3.chart, expected)


def test_laplacian_minkowski_is_wave_operator(minkowski4):
    t, x, y, z = minkowski4.chart.coordinates
    f = sympy.exp(t) * x ** 2 + y * z ** 3
    expected = sympy.diff(f, t, 2) - sum(sympy.diff(f, c, 2) for c in (x, y, z))
    assert scalar_form(minkowski4.chart, f).laplacian(minkowski4) == scalar_form(
        minkowski4.chart, expected)


def test_laplacian_unit_sphere_eigenvalue():
    """cos θ is a degree-1 spherical harmonic: Δ cos θ = l(l+1) cos θ = 2 cos θ."""
    metric = catalogue_metric("sphere", n=2, a=1)
    theta = metric.chart.coordinates[0]
    f = scalar_form(metric.chart, sympy.cos(theta))
    assert f.laplacian(metric) == 2 * f


@pytest.mark.parametrize("seed", SEEDS)
def test_laplacian_commutes_with_d_and_hodge(sphere2, seed):
    rng = random.Random(seed)
    function = random_form(sphere2.chart, 0, rng, kind="trigonometric")
    assert_forms_equal(function.d().laplacian(sphere2), function.laplacian(sphere2).d(),
                       "Δd = dΔ")
    assert_forms_equal(function.hodge(sphere2).laplacian(sphere2),
                       function.laplacian(sphere2).hodge(sphere2), "Δ⋆ = ⋆Δ")


# ---------------------------------------------------------------------- pullback


@pytest.fixture(scope="module")
def polar_map():
    polar, plane = Chart("r phi", name="polar"), Chart("x y", name="plane")
    r, phi = polar.coordinates
    return ChartMap(polar, plane, [r * sympy.cos(phi), r * sympy.sin(phi)], name="polar")


@pytest.fixture(scope="module")
def surface_map():
    """The graph (u, v) ↦ (u, v, u v + sin u), a map from the plane into R^3."""
    source, target = Chart("u v", name="parameters"), Chart("x y z", name="space")
    u, v = source.coordinates
    return ChartMap(source, target, [u, v, u * v + sympy.sin(u)], name="graph")


def test_pullback_of_area_form_polar(polar_map):
    r, phi = polar_map.source.coordinates
    dx, dy = coordinate_forms(polar_map.target)
    dr, dphi = coordinate_forms(polar_map.source)
    assert polar_map.pullback(dx ^ dy) == r * (dr ^ dphi)
    assert polar_map(dx) == sympy.cos(phi) * dr - r * sympy.sin(phi) * dphi


def test_jacobian_of_polar_map(polar_map):
    r, phi = polar_map.source.coordinates
    expected = sympy.Matrix([[sympy.cos(phi), -r * sympy.sin(phi)],
                             [sympy.sin(phi), r * sympy.cos(phi)]])
    assert polar_map.jacobian == expected


def test_pullback_of_spherical_volume():
    spherical = Chart(["r", "theta", "phi"], name="spherical")
    cartesian = Chart("x y z", name="cartesian")
    r, theta, phi = spherical.coordinates
    chart_map = ChartMap(spherical, cartesian,
                         [r * sympy.sin(theta) * sympy.cos(phi),
                          r * sympy.sin(theta) * sympy.sin(phi), r * sympy.cos(theta)])
    pulled = chart_map.pullback(wedge(*coordinate_forms(cartesian)))
    assert pulled == r ** 2 * sympy.sin(theta) * wedge(*coordinate_forms(spherical))


@pytest.mark.parametrize("name", ["polar_map", "surface_map"])
@pytest.mark.parametrize("seed", SEEDS)
def test_pullback_commutes_with_d(name, seed, request):
    chart_map = request.getfixturevalue(name)
    rng = random.Random(seed)
    for degree in range(chart_map.target.dim):
        form = random_form(chart_map.target, degree, rng)
        assert_forms_equal(chart_map.pullback(form.d()), chart_map.pullback(form).d(),
                           f"φ*d = dφ* in degree {degree}")


@pytest.mark.parametrize("name", ["polar_map", "surface_map"])
@pytest.mark.parametrize("seed", SEEDS)
def test_pullback_commutes_with_wedge(name, seed, request):
    chart_map = request.getfixturevalue(name)
    rng = random.Random(seed)
    alpha = random_form(chart_map.target, 1, rng)
    beta = random_form(chart_map.target, 1, rng)
    assert_forms_equal(chart_map.pullback(alpha ^ beta),
                       chart_map.pullback(alpha) ^ chart_map.pullback(beta), "φ*(α∧β)")


def test_chart_map_rejects_wrong_expression_count():
    source, target = Chart("u v"), Chart("x y z", name="space")
    u, v = source.coordinates
    with pytest.raises(FormError, match=r"chart map phi: got 2 expressions but target chart space "
                                        r"has 3 coordinates"):
        ChartMap(source, target, [u, v])


def test_chart_map_rejects_target_coordinates():
    source, target = Chart("u v", name="parameters"), Chart("x y", name="plane")
    u, v = source.coordinates
    x, y = target.coordinates
    with pytest.raises(FormError, match=r"the expressions contain y, coordinate\(s\) of the target "
                                        r"chart plane but not of the source chart parameters"):
        ChartMap(source, target, [u, y * v])


def test_pullback_rejects_form_on_other_chart(polar_map):
    alpha = DifferentialForm(polar_map.source, 1, {0: 1}, name="alpha")
    with pytest.raises(FormError, match=r"chart map polar pulls back forms on chart plane, got "
                                        r"'alpha' on polar"):
        polar_map.pullback(alpha)


# ---------------------------------------------------------------------- integration


def test_sphere_area_from_volume_form(sphere2):
    """The sphere of radius 2 has area 16π; bounds come from the chart ranges."""
    assert volume_form(sphere2).integrate() == 16 * sympy.pi


def test_integration_with_explicit_bounds():
    chart = Chart("x y")
    x, y = chart.coordinates
    top = DifferentialForm(chart, 2, {(0, 1): x * y ** 2})
    assert top.integrate({"x": (0, 2), y: (0, 3)}) == 18
    assert top.integrate({0: (0, 1), 1: (0, 1)}) == sympy.Rational(1, 6)


def test_integration_orientation_follows_coordinate_order():
    chart = Chart("x y", ranges={"x": (0, 1), "y": (0, 1)})
    dx, dy = coordinate_forms(chart)
    assert (dy ^ dx).integrate() == -1


def test_integration_needs_bounds():
    chart = Chart("x y", name="plane", ranges={"x": (0, 1)})
    top = DifferentialForm(chart, 2, {(0, 1): 1}, name="area")
    with pytest.raises(FormError, match=r"cannot integrate form area: no bounds for coordinate\(s\) "
                                        r"y of chart plane; pass bounds="):
        top.integrate()


def test_integration_needs_top_degree(euclidean3):
    dx, dy, dz = coordinate_forms(euclidean3.chart)
    with pytest.raises(FormError, match=r"cannot integrate form dx1∧dx2 of degree 2 over a box of "
                                        r"dimension 3; only top-degree"):
        (dx ^ dy).integrate()


# ---------------------------------------------------------------------- display


def test_latex_and_text_output():
    chart = Chart("x y")
    x, y = chart.coordinates
    dx, dy = coordinate_forms(chart)
    form = (x + y) * (dx ^ dy)
    assert form._repr_latex_() == "$\\displaystyle \\left(x + y\\right)\\, dx \\wedge dy$"
    assert str(dx - 2 * dy) == "dx - 2*dy"
    assert str(DifferentialForm.zero(chart, 1)) == "0"
    assert "degree 2 on chart" in repr(form)


def test_assert_forms_equal_lists_difference():
    chart = Chart("x y")
    dx, dy = coordinate_forms(chart)
    with pytest.raises(AssertionError, match=r"check: dx - dy has non-zero components "
                                             r"\{\(0,\): 1, \(1,\): -1\}"):
        assert_forms_equal(dx, dy, "check")


def test_all_index_tuples_sorted():
    chart = Chart("t x y z")
    form = random_form(chart, 2, seed=9)
    for key in form.nonzero():
        assert list(key) == sorted(key)
    assert set(form.nonzero()) <= set(itertools.combinations(range(4), 2))
