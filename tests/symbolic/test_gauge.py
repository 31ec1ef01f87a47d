"""Connections and Yang–Mills theory: conventions, identities and exact BPST values."""

import itertools
import random

import pytest
import sympy
from sympy.calculus.euler import euler_equations

from geomwork.symbolic import (Chart, Connection, FormError, GaugeError, MatrixForm, Metric, assert_bianchi,
                               assert_gauge_covariant, assert_self_dual, bpst, dirac_monopole,
                               gauge_field, integrate_over_space, so, su, thooft_eta,
                               thooft_multi_instanton, u1, wu_yang_monopole)


def _random_polynomial(rng: random.Random, variables, degree: int = 1):
    terms = [sympy.Integer(rng.randint(-3, 3))]
    for variable in variables:
        terms.append(rng.randint(-2, 2) * variable)
    if degree > 1:
        first, second = rng.sample(list(variables), 2)
        terms.append(rng.randint(-2, 2) * first * second)
    return sum(terms)


def _random_connection(seed: int, algebra, dim: int, degree: int = 1) -> Connection:
    rng = random.Random(seed)
    chart = Chart([f"x{i + 1}" for i in range(dim)])
    components = [[_random_polynomial(rng, chart.coordinates, degree) for _ in range(dim)]
                  for _ in range(algebra.dim)]
    return Connection(algebra, chart, components)


def _random_su2_element(seed: int, chart: Chart) -> sympy.Matrix:
    """(a0 + i a.sigma)/|a| with polynomial a_k: a symbolic SU(2)-valued function."""
    rng = random.Random(seed)
    a = [_random_polynomial(rng, chart.coordinates[:2]) for _ in range(4)]
    a[0] += 5
    sigma = [sympy.Matrix([[0, 1], [1, 0]]), sympy.Matrix([[0, -sympy.I], [sympy.I, 0]]),
             sympy.Matrix([[1, 0], [0, -1]])]
    norm = sympy.sqrt(sum(v ** 2 for v in a))
    return (a[0] * sympy.eye(2) + sympy.I * sum((a[k + 1] * sigma[k] for k in range(3)),
                                               sympy.zeros(2))) / norm


# ---------------------------------------------------------------- conventions

def test_field_strength_matches_matrix_curvature():
    """F^a T_a from the component formula equals dA + A∧A from the matrix forms."""
    connection = _random_connection(11, su(2), 3, degree=2)
    form = connection.form
    assert (form.d() + (form ^ form)) == connection.curvature


def test_field_strength_component_formula_su3():
    connection = _random_connection(12, su(3), 2)
    form = connection.form
    assert (form.d() + (form ^ form)) == connection.curvature


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_curvature_is_gauge_covariant(seed):
    connection = _random_connection(seed, su(2), 3)
    g = _random_su2_element(seed + 100, connection.chart)
    assert_gauge_covariant(connection, g)


@pytest.mark.parametrize("seed, algebra, dim", [(4, su(2), 3), (5, su(2), 4), (6, so(3), 3)])
def test_bianchi_identity_random_connections(seed, algebra, dim):
    assert_bianchi(_random_connection(seed, algebra, dim, degree=2))


def test_chern_simons_derivative_is_trace_f_wedge_f():
    connection = _random_connection(7, su(2), 4)
    curvature = connection.curvature
    assert connection.chern_simons_form().d() == (curvature ^ curvature).trace()


# ---------------------------------------------------------------- BPST

def test_bpst_field_strength_is_thooft_symbol():
    """F^a_mu_nu = -4 eta^a_mu_nu rho^2/(x^2 + rho^2)^2 (Belavin et al. 1975)."""
    connection = bpst()
    rho = sympy.Symbol("rho", positive=True)
    x2 = sum(c ** 2 for c in connection.chart.coordinates)
    for a, mu, nu in itertools.product(range(3), range(4), range(4)):
        expected = -4 * thooft_eta(a, mu, nu) * rho ** 2 / (x2 + rho ** 2) ** 2
        assert connection.field_strength_component(a, mu, nu) == connection.chart.scalar(expected)


@pytest.mark.parametrize("gauge", ["regular", "singular"])
def test_bpst_self_dual_with_known_density(gauge):
    connection = bpst(gauge=gauge)
    rho = sympy.Symbol("rho", positive=True)
    x2 = sum(c ** 2 for c in connection.chart.coordinates)
    assert connection.is_self_dual()
    assert not connection.is_self_dual(anti=True)
    assert_self_dual(connection)
    assert connection.action_density() == connection.chart.scalar(48 * rho ** 4 / (x2 + rho ** 2) ** 4)


def test_bpst_exact_action_and_instanton_number():
    """S = 8 pi^2/g^2 and k = 1 for every size rho, integrated over R^4."""
    connection = bpst()
    g = sympy.Symbol("g", positive=True)
    assert integrate_over_space(connection.action_form(coupling=g)) == 8 * sympy.pi ** 2 / g ** 2
    assert integrate_over_space(connection.instanton_density()) == 1


def test_action_form_is_density_times_volume():
    connection = bpst()
    density = connection.action_density()
    assert connection.action_form().component((0, 1, 2, 3)) == density


def test_bpst_solves_yang_mills_equations():
    connection = bpst()
    assert connection.yang_mills_equations().is_zero
    assert all(not value for row in connection.yang_mills_current() for value in row)


def test_bpst_gauges_related_by_gauge_transformation():
    """The singular gauge is the regular one transformed by g = (x4 - i x.sigma)/|x|."""
    regular = bpst(gauge="regular")
    singular = bpst(gauge="singular")
    x = regular.chart.coordinates
    sigma = [sympy.Matrix([[0, 1], [1, 0]]), sympy.Matrix([[0, -sympy.I], [sympy.I, 0]]),
             sympy.Matrix([[1, 0], [0, -1]])]
    norm = sympy.sqrt(sum(c ** 2 for c in x))
    x_sigma = sum((x[k] * sigma[k] for k in range(3)), sympy.zeros(2))
    g = (x[3] * sympy.eye(2) - sympy.I * x_sigma) / norm
    transformed = regular.gauge_transform(g)
    for a, mu in itertools.product(range(3), range(4)):
        expected = regular.chart.scalar(singular.components[a][mu].expr)
        assert transformed.components[a][mu] == expected


def test_thooft_two_instanton_is_self_dual():
    connection = thooft_multi_instanton()
    assert connection.is_self_dual()


# ---------------------------------------------------------------- Yang–Mills equations

def test_yang_mills_current_matches_euler_lagrange():
    """The Euler–Lagrange equations of the density are -J^a_nu = 0 (flat 2D, su(2))."""
    chart = Chart("x y")
    x, y = chart.coordinates
    functions = [[sympy.Function(f"A{a}{mu}")(x, y) for mu in range(2)] for a in range(3)]
    connection = Connection(su(2), chart, functions)
    density = connection.action_density().expr
    flat = [f for row in functions for f in row]
    equations = euler_equations(density, flat, [x, y])
    current = connection.yang_mills_current()
    for equation, (a, mu) in zip(equations, itertools.product(range(3), range(2))):
        assert chart.scalar(equation.lhs) == -current[a][mu]


def test_wu_yang_monopole_solves_yang_mills():
    connection = wu_yang_monopole()
    x = connection.chart.coordinates
    r2 = sum(c ** 2 for c in x)
    assert connection.yang_mills_equations().is_zero
    for a, (i, j) in itertools.product(range(3), itertools.combinations(range(3), 2)):
        expected = -sum(sympy.LeviCivita(i, j, k) * x[a] * x[k] for k in range(3)) / r2 ** 2
        assert connection.field_strength_component(a, i, j) == connection.chart.scalar(expected)


def test_random_connection_is_not_a_solution():
    connection = _random_connection(8, su(2), 3, degree=2)
    assert not connection.yang_mills_equations().is_zero


# ---------------------------------------------------------------- U(1)

@pytest.mark.parametrize("charge", [1, 2, -3])
def test_dirac_monopole_curvature_and_chern_number(charge):
    connection = dirac_monopole(charge)
    theta = connection.chart.coordinates[0]
    assert connection.curvature[0, 0].component((0, 1)) == connection.chart.scalar(
        -sympy.I * charge * sympy.sin(theta) / 2)
    assert connection.first_chern_form().integrate() == charge


# ---------------------------------------------------------------- bad input

def test_wrong_component_shape_is_rejected():
    chart = Chart("x y")
    with pytest.raises(GaugeError, match=r"must have shape 3x2.*got 2x2"):
        Connection(su(2), chart, [[0, 0], [0, 0]])


def test_matrix_outside_algebra_is_rejected():
    chart = Chart("x y")
    x = chart.coordinates[0]
    with pytest.raises(GaugeError, match=r"A_0 of A is not in the Lie algebra su\(2\)"):
        Connection.from_matrices(su(2), chart, [x * sympy.eye(2), sympy.zeros(2)])


def test_from_matrices_round_trip():
    connection = _random_connection(9, su(2), 2)
    rebuilt = Connection.from_matrices(su(2), connection.chart,
                                       [connection._to_sympy(connection.matrix(mu)) for mu in range(2)])
    assert rebuilt.components == connection.components


def test_non_unitary_group_element_is_rejected():
    connection = _random_connection(10, su(2), 2)
    x = connection.chart.coordinates[0]
    with pytest.raises(GaugeError, match="is not in the group of su\\(2\\): g\\^dagger g"):
        connection.gauge_transform(sympy.Matrix([[1, x], [0, 1]]))


def test_determinant_two_element_is_rejected():
    connection = _random_connection(10, su(2), 2)
    with pytest.raises(GaugeError, match="det g = -1, expected 1"):
        connection.gauge_transform(sympy.Matrix([[0, 1], [1, 0]]))


def test_self_duality_needs_four_dimensions():
    with pytest.raises(GaugeError, match="self-duality is defined for 2-forms in 4 dimensions"):
        wu_yang_monopole().is_self_dual()


def test_assert_self_dual_reports_component():
    with pytest.raises(AssertionError, match="F is not anti-self-dual"):
        assert_self_dual(bpst(), anti=True)


def test_unknown_gauge_field():
    with pytest.raises(KeyError, match="unknown catalogue gauge field 'skyrmion'"):
        gauge_field("skyrmion")


def test_unknown_gauge_field_parameter():
    with pytest.raises(TypeError, match="'bpst' has no parameter 'size'; its parameters are: rho, gauge"):
        gauge_field("bpst", size=1)


def test_matrix_form_of_connection():
    connection = bpst(rho=1)
    assert isinstance(connection.form, MatrixForm)
    assert connection.form.degree == 1


def test_dirac_monopole_density_on_round_sphere():
    """With the round metric and <T, T> = 2 for T = -i, (1/4)<F, F> = n^2/4 is constant."""
    for charge in (1, 2, 3):
        connection = dirac_monopole(charge)
        assert connection.action_density() == sympy.Rational(charge ** 2, 4)


def test_second_chern_form_su2():
    """For traceless F, c2 = tr(F^F)/(8 pi^2) and k = -integral of c2."""
    connection = bpst(rho=1)
    assert connection.second_chern_form() == -connection.instanton_density()


def test_action_form_on_curved_metric():
    """-tr(F ^ *F) = (1/4)<F_mn, F^mn> sqrt|g| dx1^...^dx4 for a non-flat metric."""
    connection = _random_connection(13, su(2), 4)
    chart = connection.chart
    x = chart.coordinates
    metric = Metric(chart, [1 + x[0] ** 2, 1, 2 + x[1] ** 2, 1])
    density = connection.action_density(metric)
    form = connection.action_form(metric)
    assert form.component((0, 1, 2, 3)) == density * metric.volume_factor


def test_current_euler_lagrange_curved_metric():
    """Euler-Lagrange of sqrt|g| (1/4)<F, F> gives -sqrt|g| <T, T> J = -2 sqrt|g| J for u(1)."""
    chart = Chart("x y")
    x, y = chart.coordinates
    functions = [[sympy.Function(f"A{mu}")(x, y) for mu in range(2)]]
    connection = Connection(u1(), chart, functions)
    metric = Metric(chart, [1 + x ** 2, 1 + y ** 2])
    lagrangian = (connection.action_density(metric) * metric.volume_factor).expr
    equations = euler_equations(lagrangian, functions[0], [x, y])
    current = connection.yang_mills_current(metric)
    for mu, equation in enumerate(equations):
        assert chart.scalar(equation.lhs) == -2 * metric.volume_factor * current[0][mu]


def test_connection_from_matrix_form_round_trip():
    connection = _random_connection(14, su(2), 3)
    rebuilt = Connection.from_form(su(2), connection.form)
    assert rebuilt.components == connection.components


def test_connection_from_two_form_is_rejected():
    connection = _random_connection(15, su(2), 3)
    with pytest.raises(GaugeError, match="a connection is a matrix of 1-forms; F has degree 2"):
        Connection.from_form(su(2), connection.curvature)


def test_separable_only_integration_rejects_thooft_density():
    connection = thooft_multi_instanton()
    with pytest.raises(FormError, match="not a product of one-variable factors"):
        integrate_over_space(connection.instanton_density(), separable_only=True)
