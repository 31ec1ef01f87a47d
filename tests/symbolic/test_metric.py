"""Metrics: construction checks, curvature conventions, identities and reference values."""

import itertools

import mpmath
import pytest
import sympy

from geomwork.symbolic import Chart, Metric, MetricError, catalogue_metric, ricci_flow_rhs

x, y = sympy.symbols("x y", real=True)
f = sympy.Function("f")


def _sympy_christoffel(g: sympy.Matrix, coordinates):
    """Christoffel symbols straight from the textbook formula with sympy (independent check)."""
    inverse = g.inv()
    n = len(coordinates)
    return [[[sympy.simplify(sum(inverse[a, d] * (sympy.diff(g[d, c], coordinates[b])
                                                   + sympy.diff(g[b, d], coordinates[c])
                                                   - sympy.diff(g[b, c], coordinates[d]))
                                 for d in range(n)) / 2)
              for c in range(n)] for b in range(n)] for a in range(n)]


# ---------------------------------------------------------------- construction checks

def test_non_square_metric_is_rejected():
    chart = Chart("x y")
    with pytest.raises(MetricError, match=r"must be a 2x2 matrix.*got shape 2x3"):
        Metric(chart, [[1, 0, 0], [0, 1, 0]])


def test_wrong_size_metric_is_rejected():
    chart = Chart("x y z")
    with pytest.raises(MetricError, match=r"must be a 3x3 matrix"):
        Metric(chart, sympy.eye(2))


def test_asymmetric_metric_names_entries():
    chart = Chart([x, y])
    with pytest.raises(MetricError, match=r"not symmetric: g\[0\]\[1\] = x but g\[1\]\[0\] = 0"):
        Metric(chart, [[1, x], [0, 1]])


def test_degenerate_metric_is_rejected():
    chart = Chart([x, y])
    with pytest.raises(MetricError, match="degenerate"):
        Metric(chart, [[x ** 2, x * y], [x * y, y ** 2]])


def test_trig_degenerate_metric_is_recognised():
    theta, phi = sympy.symbols("theta phi", real=True)
    chart = Chart([theta, phi])
    s, c = sympy.sin(theta), sympy.cos(theta)
    with pytest.raises(MetricError, match="degenerate"):
        Metric(chart, [[s ** 2, s * c], [s * c, 1 - s ** 2]])


# ---------------------------------------------------------------- conventions

def test_christoffel_matches_textbook_formula():
    chart = Chart([x, y])
    g = sympy.Matrix([[1 + x ** 2, x * y], [x * y, 2 + y ** 2]])
    metric = Metric(chart, g)
    expected = _sympy_christoffel(g, [x, y])
    for a, b, c in itertools.product(range(2), repeat=3):
        assert metric.christoffel.component(a, b, c) == chart.scalar(expected[a][b][c])


def test_unit_two_sphere_has_scalar_curvature_two():
    assert catalogue_metric("sphere", n=2, a=1).ricci_scalar == 2


def test_inverse_times_metric_is_identity():
    metric = catalogue_metric("kerr")
    g, inverse = metric.components, metric.inverse_components
    for a, b in itertools.product(range(4), repeat=2):
        product = sum((g[a][c] * inverse[c][b] for c in range(4)), metric.chart.field.zero)
        assert product == (1 if a == b else 0)


def test_signature_and_det_sign():
    assert catalogue_metric("minkowski").signature == (3, 1)
    assert catalogue_metric("minkowski").det_sign == -1
    assert catalogue_metric("sphere", n=3).signature == (3, 0)


def test_conformal_metric_curvature_is_minus_laplacian_of_log():
    """For g = f² (dx² + dy²): R^x_{yxy} = −Δ ln f."""
    chart = Chart([x, y])
    metric = Metric(chart, [f(x, y) ** 2, f(x, y) ** 2])
    laplacian = sympy.diff(sympy.log(f(x, y)), x, 2) + sympy.diff(sympy.log(f(x, y)), y, 2)
    assert metric.riemann.component(0, 1, 0, 1) == chart.scalar(-laplacian)


def test_index_raising_then_lowering_is_identity():
    metric = catalogue_metric("kerr")
    ricci_like = metric.christoffel
    lowered = metric.lower(ricci_like, 0)
    assert metric.raise_(lowered, 0) == ricci_like


def test_metric_is_covariantly_constant():
    for name in ("kerr", "flrw", "sphere"):
        metric = catalogue_metric(name)
        assert metric.covariant_derivative(metric.tensor).is_zero


# ---------------------------------------------------------------- Bianchi identities

@pytest.mark.parametrize("name, parameters", [
    ("schwarzschild", {}), ("flrw", {}), ("sphere", {"n": 3}), ("hyperbolic", {"n": 3}),
])
def test_algebraic_bianchi_identity(name, parameters):
    """R^a_{bcd} + R^a_{cdb} + R^a_{dbc} = 0."""
    metric = catalogue_metric(name, **parameters)
    riemann = metric.riemann
    for a, b, c, d in itertools.product(range(metric.dim), repeat=4):
        total = riemann.component(a, b, c, d) + riemann.component(a, c, d, b) \
            + riemann.component(a, d, b, c)
        assert total.is_zero, (a, b, c, d)


@pytest.mark.parametrize("name, parameters", [
    ("schwarzschild", {}), ("flrw", {}), ("sphere", {"n": 3}),
])
def test_differential_bianchi_identity(name, parameters):
    """∇_e R^a_{bcd} + ∇_c R^a_{bde} + ∇_d R^a_{bec} = 0 (index e stored last)."""
    metric = catalogue_metric(name, **parameters)
    nabla = metric.covariant_derivative(metric.riemann)
    for a, b, c, d, e in itertools.product(range(metric.dim), repeat=5):
        total = nabla.component(a, b, c, d, e) + nabla.component(a, b, d, e, c) \
            + nabla.component(a, b, e, c, d)
        assert total.is_zero, (a, b, c, d, e)


def test_contracted_bianchi_einstein_is_divergence_free():
    metric = catalogue_metric("flrw")
    raised = metric.raise_(metric.einstein, 0)
    nabla = metric.covariant_derivative(raised)
    for b in range(4):
        divergence = sum((nabla.component(a, b, a) for a in range(4)), metric.chart.field.zero)
        assert divergence.is_zero


# ---------------------------------------------------------------- reference values

def test_schwarzschild_kretschmann():
    """48 M²/r⁶ (Carroll, Spacetime and Geometry, ch. 5)."""
    metric = catalogue_metric("schwarzschild")
    M = sympy.Symbol("M", positive=True)
    r = metric.chart.coordinates[1]
    assert metric.ricci.is_zero
    assert metric.kretschmann_element == metric.chart.scalar(48 * M ** 2 / r ** 6)


def test_kerr_is_ricci_flat_with_closed_form_kretschmann():
    """Kerr (1963) is a vacuum solution; K = 48M²(r⁶ − 15a²r⁴c² + 15a⁴r²c⁴ − a⁶c⁶)/Σ⁶."""
    metric = catalogue_metric("kerr")
    M, a = sympy.Symbol("M", positive=True), sympy.Symbol("a", positive=True)
    r, theta = metric.chart.coordinates[1:3]
    c = sympy.cos(theta)
    expected = 48 * M ** 2 * (r ** 6 - 15 * a ** 2 * r ** 4 * c ** 2 + 15 * a ** 4 * r ** 2 * c ** 4
                              - a ** 6 * c ** 6) / (r ** 2 + a ** 2 * c ** 2) ** 6
    assert metric.ricci.is_zero
    assert all(value == 0 for value in sympy.flatten(metric.ricci.to_array()))
    assert metric.kretschmann_element == metric.chart.scalar(expected)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_sphere_scalar_and_sectional_curvature(n):
    metric = catalogue_metric("sphere", n=n)
    a = sympy.Symbol("a", positive=True)
    assert metric.ricci_scalar_element == metric.chart.scalar(n * (n - 1) / a ** 2)
    # sectional curvature 1/a²: R_{abab} = (g_aa g_bb − g_ab²)/a² for coordinate planes
    lowered = metric.riemann_lowered
    g = metric.components
    for i, j in itertools.combinations(range(n), 2):
        assert lowered.component(i, j, i, j) == (g[i][i] * g[j][j] - g[i][j] * g[i][j]) / a ** 2


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_hyperbolic_scalar_curvature(n):
    metric = catalogue_metric("hyperbolic", n=n, a=1)
    assert metric.ricci_scalar == -n * (n - 1)


def test_flrw_friedmann_equation():
    """G_tt = 3(ȧ² + k)/a² for FLRW."""
    metric = catalogue_metric("flrw")
    t = metric.chart.coordinates[0]
    a, k = sympy.Function("a")(t), sympy.Symbol("k", real=True)
    assert metric.einstein.component(0, 0) == metric.chart.scalar(3 * (a.diff(t) ** 2 + k) / a ** 2)


def test_weyl_vanishes_for_conformally_flat_metrics():
    assert catalogue_metric("flrw").weyl.is_zero
    assert catalogue_metric("sphere", n=4).weyl.is_zero


def test_weyl_equals_riemann_for_vacuum():
    metric = catalogue_metric("schwarzschild")
    assert metric.weyl == metric.riemann_lowered


def test_weyl_is_traceless():
    chart = Chart("x y z")
    X, Y, Z = chart.coordinates
    metric = Metric(chart, [1 + X ** 2, 1 + Y ** 2 * Z ** 2, 1 + X * Y])
    weyl, inverse = metric.weyl, metric.inverse_components
    for b, d in itertools.product(range(3), repeat=2):
        trace = sum((inverse[a][c] * weyl.component(a, b, c, d)
                     for a in range(3) for c in range(3)), chart.field.zero)
        assert trace.is_zero


def test_gauss_bonnet_on_deformed_sphere():
    """∫ K dA = 4π on an ellipsoid of revolution (Gauss–Bonnet), integrand derived exactly."""
    theta, phi = sympy.symbols("theta phi", real=True)
    chart = Chart([theta, phi], ranges={"theta": (0, sympy.pi), "phi": (0, 2 * sympy.pi)})
    a, c = sympy.Rational(1), sympy.Rational(5, 2)
    metric = Metric(chart, [a ** 2 * sympy.cos(theta) ** 2 + c ** 2 * sympy.sin(theta) ** 2,
                            a ** 2 * sympy.sin(theta) ** 2])
    integrand = (metric.ricci_scalar_element * metric.volume_factor / 2).expr
    function = sympy.lambdify(theta, integrand, "mpmath")
    with mpmath.workdps(30):
        total = 2 * mpmath.pi * mpmath.quad(function, [0, mpmath.pi])
        assert abs(total - 4 * mpmath.pi) < mpmath.mpf(10) ** -25


def test_ricci_flow_rhs_of_round_sphere():
    """∂g/∂t = −2 Ric = −2(n−1) g/a², so a² shrinks at rate 2(n−1)."""
    for n in (2, 3):
        metric = catalogue_metric("sphere", n=n)
        a = sympy.Symbol("a", positive=True)
        velocity = ricci_flow_rhs(metric)
        assert velocity == metric.tensor * (-2 * (n - 1) / a ** 2)


def test_latex_repr_lists_components():
    metric = catalogue_metric("sphere", n=2)
    assert "\\sin" in metric.christoffel._repr_latex_()
    assert metric._repr_latex_().startswith("$ds^2 =")
