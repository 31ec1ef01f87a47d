"""Principal bundles, patchwise connections, parallel transport and Ricci–Yang–Mills."""

import numpy as np
import pytest
import scipy.integrate
import scipy.linalg
import sympy

from geomwork.symbolic import (BundleError, Chart, Connection, Metric, PrincipalBundle, Transition,
                               catalogue_metric, dirac_monopole, instanton_bundle,
                               integrate_over_space, monopole_bundle, ricci_yang_mills_rhs, su, u1)


# ---------------------------------------------------------------- bundles

@pytest.mark.parametrize("charge", [1, 2, -1])
def test_monopole_bundle_chern_number_patch_by_patch(charge):
    """First Chern number n from the northern and southern hemispheres."""
    bundle, connections = monopole_bundle(charge)
    bundle.check_connection(connections)
    north = connections["N"].first_chern_form().integrate({"theta": (0, sympy.pi / 2)})
    south = connections["S"].first_chern_form().integrate({"theta": (sympy.pi / 2, sympy.pi)})
    assert sympy.simplify(north + south) == charge


def test_instanton_bundle_charge_patch_by_patch():
    """k = 1 from the balls |x| < 1 and |y| < 1; the inversion reverses orientation."""
    bundle, connections = instanton_bundle(1)
    bundle.check_connection(connections)
    north = integrate_over_space(connections["N"].instanton_density(), radius=1)
    south = integrate_over_space(connections["S"].instanton_density(), radius=1)
    assert sympy.simplify(north - south) == 1


def test_instanton_bundle_of_degree_two_is_a_bundle():
    bundle, connections = instanton_bundle(2)
    assert connections is None
    assert set(bundle.transitions) == {("N", "S"), ("S", "N")}


def _line_bundle(phases):
    chart = {name: Chart("x", name=name) for name in ("a", "b", "c")}
    transitions = []
    for (source, target), phase in phases.items():
        x = chart[source].coordinates[0]
        transitions.append(Transition(source, target, [x], sympy.Matrix([[sympy.exp(sympy.I * phase * x)]])))
    return PrincipalBundle(u1(), chart, transitions, name="line")


def test_cocycle_condition_holds_for_consistent_phases():
    bundle = _line_bundle({("a", "b"): 1, ("b", "c"): 2, ("a", "c"): 3})
    assert len(bundle.transitions) == 3


def test_broken_cocycle_is_rejected():
    with pytest.raises(BundleError, match=r"cocycle condition g_cb g_ba = g_ca fails.*a, b, c"):
        _line_bundle({("a", "b"): 1, ("b", "c"): 2, ("a", "c"): 4})


def test_inconsistent_inverse_is_rejected():
    with pytest.raises(BundleError, match=r"g_ab g_ba is not the identity"):
        _line_bundle({("a", "b"): 1, ("b", "a"): 1})


def test_transition_outside_group_is_rejected():
    chart = Chart("x", name="a")
    other = Chart("x", name="b")
    x = chart.coordinates[0]
    with pytest.raises(BundleError, match=r"g_ba: g is not in the group of u\(1\)"):
        PrincipalBundle(u1(), {"a": chart, "b": other}, [Transition("a", "b", [x], sympy.Matrix([[2]]))])


def test_unknown_patch_is_rejected():
    chart = Chart("x", name="a")
    with pytest.raises(BundleError, match=r"names patch 'z'"):
        PrincipalBundle(u1(), {"a": chart}, [Transition("a", "z", [chart.coordinates[0]],
                                                       sympy.Matrix([[1]]))])


def test_incompatible_connection_names_component():
    bundle, connections = monopole_bundle(1)
    wrong = dict(connections)
    south = connections["S"]
    theta = south.chart.coordinates[0]
    wrong["S"] = Connection(u1(), south.chart, [[0, (1 + sympy.cos(theta)) / 2]], name="A_S")
    with pytest.raises(BundleError, match=r"incompatible on the overlap N->S: component A\^1_phi"):
        bundle.check_connection(wrong)


def test_change_of_trivialisation_and_associated_bundle():
    bundle, _ = monopole_bundle(1)
    phi = bundle.patches["N"].coordinates[1]
    assert bundle.change_trivialisation("N", "S", [1]) == [sympy.exp(-sympy.I * phi)]
    doubled = bundle.associated_transition("N", "S", lambda g: g ** 2)
    assert doubled == sympy.Matrix([[sympy.exp(-2 * sympy.I * phi)]])


# ---------------------------------------------------------------- parallel transport

def _transport(generator, parameter, end):
    function = sympy.lambdify(parameter, generator, "numpy")
    size = generator.shape[0]

    def rhs(s, flat):
        matrix = np.asarray(function(s), dtype=complex)
        return (matrix @ flat.reshape(size, size)).ravel()

    start = np.eye(size, dtype=complex).ravel()
    solution = scipy.integrate.solve_ivp(rhs, (0, end), start, rtol=1e-11, atol=1e-12)
    return solution.y[:, -1].reshape(size, size)


def test_monopole_holonomy_around_latitude():
    """U(2 pi) = exp(i pi n (1 - cos theta0)) around the circle theta = theta0."""
    connection = dirac_monopole(1)
    s = sympy.Symbol("s", real=True)
    theta0 = sympy.Rational(2, 3)
    generator = connection.transport_generator([theta0, s], s)
    holonomy = _transport(generator, s, 2 * np.pi)
    expected = np.exp(1j * np.pi * (1 - np.cos(2 / 3)))
    assert holonomy[0, 0] == pytest.approx(expected, abs=1e-9)


def test_constant_connection_transport_is_matrix_exponential():
    chart = Chart("x y")
    connection = Connection(su(2), chart, [[1, 0], [0, 2], [3, -1]])
    s = sympy.Symbol("s", real=True)
    generator = connection.transport_generator([s, 2 * s], s)
    a_x = np.array(connection._to_sympy(connection.matrix(0)), dtype=complex)
    a_y = np.array(connection._to_sympy(connection.matrix(1)), dtype=complex)
    assert _transport(generator, s, 1.0) == pytest.approx(scipy.linalg.expm(-(a_x + 2 * a_y)), abs=1e-9)


def test_transport_is_gauge_covariant():
    """U^g(1) = g(x(1)) U(1) g(x(0))^-1 for a non-abelian field along a curve."""
    chart = Chart("x y")
    x, y = chart.coordinates
    connection = Connection(su(2), chart, [[y, x * y], [x, 1], [0, x ** 2]])
    angle = x + y ** 2
    g = sympy.Matrix([[sympy.exp(-sympy.I * angle / 2), 0], [0, sympy.exp(sympy.I * angle / 2)]])
    transformed = connection.gauge_transform(g)
    s = sympy.Symbol("s", real=True)
    curve = [s, s ** 2 / 2]
    plain = _transport(connection.transport_generator(curve, s), s, 1.0)
    gauged = _transport(transformed.transport_generator(curve, s), s, 1.0)
    g_end = np.array(g.subs({x: 1, y: sympy.Rational(1, 2)}).evalf(), dtype=complex)
    g_start = np.array(g.subs({x: 0, y: 0}).evalf(), dtype=complex)
    assert gauged == pytest.approx(g_end @ plain @ np.linalg.inv(g_start), abs=1e-8)


# ---------------------------------------------------------------- Ricci–Yang–Mills

def test_rym_on_round_sphere_with_monopole():
    """Unit sphere, charge n: dg/dt = (-2 + n^2/2) g and dA/dt = 0 (F is harmonic)."""
    charge = 2
    connection = dirac_monopole(charge)
    velocity, gauge_velocity = ricci_yang_mills_rhs(connection.metric, connection)
    assert velocity == connection.metric.tensor * (-2 + sympy.Rational(charge ** 2, 2))
    assert all(not value for row in gauge_velocity for value in row)


def test_rym_on_flat_torus_with_constant_field():
    """F = B dx^dy on a flat torus: dg/dt = 2 B^2 (the u(1) norm <T, T> = 2), dA/dt = 0."""
    chart = Chart("x y", ranges={"x": (0, 2 * sympy.pi), "y": (0, 2 * sympy.pi)})
    x = chart.coordinates[0]
    B = sympy.Symbol("B", positive=True)
    connection = Connection(u1(), chart, [[0, B * x]])
    metric = Metric(chart, [1, 1])
    velocity, gauge_velocity = ricci_yang_mills_rhs(metric, connection)
    assert velocity == metric.tensor * (2 * B ** 2)
    assert all(not value for row in gauge_velocity for value in row)


def test_rym_rejects_mismatched_charts():
    metric = catalogue_metric("sphere")
    with pytest.raises(ValueError, match="live on different charts"):
        ricci_yang_mills_rhs(metric, dirac_monopole(1))
