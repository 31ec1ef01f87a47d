"""The differential rational-function field: canonical forms, derivations, square roots."""

import random

import mpmath
import pytest
import sympy

from geomwork.symbolic import Chart, UnsupportedExpressionError

t, r, theta, phi = sympy.symbols("t r theta phi", real=True)
M = sympy.Symbol("M", positive=True)
f = sympy.Function("f")


@pytest.fixture
def chart():
    return Chart([t, r, theta, phi], ranges={"theta": (0, sympy.pi)})


def _random_expression(rng: random.Random, depth: int = 3):
    """A random expression built from the functions the field supports."""
    atoms = [t, r, theta, M, sympy.Integer(rng.randint(1, 5)), sympy.Rational(rng.randint(1, 4), 3)]
    if depth == 0:
        return rng.choice(atoms)
    unary = [sympy.sin, sympy.cos, sympy.exp, lambda u: u ** 2, lambda u: 1 / (1 + u ** 2),
             lambda u: sympy.sqrt(1 + u ** 2)]
    kind = rng.choice(["add", "mul", "unary", "atom"])
    if kind == "add":
        return _random_expression(rng, depth - 1) + _random_expression(rng, depth - 1)
    if kind == "mul":
        return _random_expression(rng, depth - 1) * _random_expression(rng, depth - 1)
    if kind == "unary":
        return rng.choice(unary)(_random_expression(rng, depth - 1))
    return rng.choice(atoms)


def _value(expr, point):
    with mpmath.workdps(30):
        return complex(sympy.N(expr.subs(point), 30))


def test_pythagorean_identity_is_exactly_one(chart):
    value = chart.scalar(sympy.sin(theta) ** 2 + sympy.cos(theta) ** 2)
    assert value == 1
    assert (value - 1).is_zero


def test_hyperbolic_identity_is_exactly_one(chart):
    assert chart.scalar(sympy.cosh(r) ** 2 - sympy.sinh(r) ** 2) == 1


def test_division_by_trig_is_canonical(chart):
    a = chart.scalar(1 / (1 + sympy.cos(theta)))
    b = chart.scalar((1 - sympy.cos(theta)) / sympy.sin(theta) ** 2)
    assert a == b


def test_imaginary_unit_squares_to_minus_one(chart):
    i = chart.scalar(sympy.I)
    assert i * i == -1
    assert (1 / i) == -i


@pytest.mark.parametrize("expr, variable, expected", [
    (sympy.sin(theta), theta, sympy.cos(theta)),
    (sympy.tan(theta), theta, 1 / sympy.cos(theta) ** 2),
    (sympy.exp(2 * r), r, 2 * sympy.exp(2 * r)),
    (sympy.log(r), r, 1 / r),
    (sympy.sqrt(1 - r ** 2), r, -r / sympy.sqrt(1 - r ** 2)),
    (f(t, r) ** 2, t, 2 * f(t, r) * sympy.Derivative(f(t, r), t)),
    (sympy.sin(f(t, r)), r, sympy.cos(f(t, r)) * sympy.Derivative(f(t, r), r)),
])
def test_derivation_matches_sympy_diff(chart, expr, variable, expected):
    j = chart.index(variable)
    assert chart.scalar(expr).diff(j) == chart.scalar(expected)


def test_mixed_partials_of_unknown_function_commute(chart):
    value = chart.scalar(f(t, r) * sympy.exp(t * r))
    assert value.diff(0).diff(1) == value.diff(1).diff(0)


def test_random_expressions_round_trip_and_differentiate():
    """Conversion and derivative agree with sympy evaluated by mpmath at 30 digits."""
    rng = random.Random(20261204)
    point = {t: sympy.Rational(3, 10), r: sympy.Rational(7, 10), theta: sympy.Rational(11, 10),
             M: sympy.Rational(1, 2)}
    for _ in range(40):
        chart = Chart([t, r, theta, phi])
        expr = _random_expression(rng)
        element = chart.scalar(expr)
        assert _value(element.expr, point) == pytest.approx(_value(expr, point), rel=1e-20, abs=1e-20)
        for variable in (t, r, theta):
            derivative = element.diff(chart.index(variable)).expr
            expected = sympy.diff(expr, variable)
            assert _value(derivative, point) == pytest.approx(_value(expected, point),
                                                              rel=1e-20, abs=1e-20)


def test_square_root_takes_out_square_factors(chart):
    root = chart.field.sqrt(chart.scalar(M ** 2 * r ** 4 * sympy.sin(theta) ** 2))
    assert root == chart.scalar(M * r ** 2 * sympy.sin(theta))


def test_square_root_is_positive_at_reference_point(chart):
    root = chart.field.sqrt(chart.scalar((1 - 2 * r) ** 2))
    assert root.evaluate().real > 0
    assert root * root == chart.scalar((1 - 2 * r) ** 2)


def test_square_root_of_non_square_is_algebraic(chart):
    root = chart.field.sqrt(chart.scalar(2 * r + 1))
    assert root * root == chart.scalar(2 * r + 1)
    assert chart.scalar(1) / root == root / chart.scalar(2 * r + 1)


def test_scalars_of_two_charts_do_not_mix():
    first = Chart("x y", name="first").scalar(1)
    second = Chart("x y", name="second").scalar(1)
    with pytest.raises(ValueError, match="different charts"):
        first + second


def test_unsupported_function_names_type_and_way_out(chart):
    with pytest.raises(UnsupportedExpressionError, match=r"Abs.*introduce a symbol"):
        chart.scalar(sympy.Abs(t - r))


def test_cube_root_is_rejected_with_fix(chart):
    with pytest.raises(UnsupportedExpressionError, match="half-integer exponents"):
        chart.scalar(r ** sympy.Rational(1, 3))


def test_division_by_exact_zero_raises(chart):
    zero = chart.scalar(sympy.sin(theta) ** 2 + sympy.cos(theta) ** 2 - 1)
    with pytest.raises(ZeroDivisionError):
        chart.scalar(1) / zero


def test_exponentials_with_rational_multiples_cancel(chart):
    value = chart.scalar(sympy.exp(sympy.I * t / 2) * sympy.exp(-sympy.I * t / 2))
    assert value == 1


def test_conjugate_flips_imaginary_unit_and_exponentials(chart):
    value = chart.scalar((1 + sympy.I * r) * sympy.exp(sympy.I * 3 * t / 2))
    assert value * value.conjugate() == chart.scalar(1 + r ** 2)
