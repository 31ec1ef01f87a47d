"""Yang–Mills jet kernels and the discretised action on a periodic grid."""

import itertools
import math

import numpy
import pytest
import sympy
import torch

from geomwork.codegen import (
    GridYangMillsAction,
    Kernel,
    central_difference,
    field_strength_expression,
    su2_structure_constants,
    yang_mills_density_expression,
    yang_mills_jet_kernel,
)
from geomwork.symbolic import LieAlgebraError, su

from .helpers import assert_close


def _generators(algebra_name):
    """Return the complex generator matrices T_a as a (n, N, N) tensor."""
    algebra = su(int(algebra_name[3]))
    matrices = [numpy.array(m.evalf(20).tolist(), dtype=complex) for m in algebra.basis]
    return algebra, torch.tensor(numpy.stack(matrices), dtype=torch.complex128)


def _density_from_matrices(generators, field, derivative):
    """Return 1/4 <F, F> with F_mn = d_m A_n - d_n A_m + [A_m, A_n] in matrix form."""
    a_matrix = torch.einsum("...am,aij->...mij", field.to(torch.complex128), generators)
    d_matrix = torch.einsum("...nam,aij->...nmij", derivative.to(torch.complex128), generators)
    strength = (
        d_matrix - d_matrix.transpose(-3, -4)
        + a_matrix.unsqueeze(-3) @ a_matrix.unsqueeze(-4)
        - a_matrix.unsqueeze(-4) @ a_matrix.unsqueeze(-3)
    )
    # <X, Y> = -2 tr(XY), summed over all mu, nu.
    inner = -2 * torch.einsum("...mnij,...mnji->...", strength, strength)
    return inner.real / 4


def test_su2_constants_are_levi_civita_of_pauli_generators():
    algebra, generators = _generators("su(2)")
    constants = su2_structure_constants()
    for a, b in itertools.product(range(3), repeat=2):
        commutator = generators[a] @ generators[b] - generators[b] @ generators[a]
        expected = sum(float(constants[a, b, c]) * generators[c] for c in range(3))
        assert_close(commutator, expected, torch.complex128)
    assert constants == sympy.ImmutableDenseNDimArray(algebra.structure_constants)


@pytest.mark.parametrize("algebra_name", ["su(2)", "su(3)"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_density_matches_matrix_commutators(algebra_name, dtype):
    algebra, generators = _generators(algebra_name)
    n = len(algebra.basis)
    kernel = yang_mills_jet_kernel(algebra, dimension=4)
    generator = torch.Generator().manual_seed(21)
    field = torch.randn(7, n, 4, generator=generator, dtype=torch.float64)
    derivative = torch.randn(7, 4, n, 4, generator=generator, dtype=torch.float64)

    result = kernel(field.to(dtype), derivative.to(dtype))

    assert result.shape == (7,)
    assert result.dtype == dtype
    assert_close(result, _density_from_matrices(generators, field, derivative).to(dtype), dtype)


def test_field_strength_is_antisymmetric():
    field = sympy.Array(sympy.symbols("a0:6")).reshape(3, 2)
    derivative = sympy.Array(sympy.symbols("d0:12")).reshape(2, 3, 2)
    strength = field_strength_expression(field, derivative, su2_structure_constants())
    for a, mu, nu in itertools.product(range(3), range(2), range(2)):
        assert sympy.expand(strength[a, mu, nu] + strength[a, nu, mu]) == 0


def test_invalid_structure_constants_rejected():
    constants = numpy.zeros((2, 2, 2), dtype=int)
    constants[0, 1, 0] = 1  # [T_0, T_1] = T_0 but [T_1, T_0] = 0
    with pytest.raises(LieAlgebraError):
        yang_mills_jet_kernel(constants.tolist(), dimension=2)


def test_central_difference_of_sine():
    count = 32
    h = 2 * math.pi / count
    grid = torch.arange(count, dtype=torch.float64) * h
    result = central_difference(torch.sin(grid), 0, h)
    assert_close(result, torch.cos(grid) * math.sin(h) / h, torch.float64)


def _smooth_field(dimension, seed):
    """Return sympy A^a_mu(x) on the torus [0, 2pi)^d with frequencies 1 and its coordinates."""
    coordinates = sympy.symbols(f"x0:{dimension}", real=True)
    rng = numpy.random.default_rng(seed)
    rows = []
    for _ in range(3):
        row = []
        for _ in range(dimension):
            terms = [
                sympy.Rational(int(rng.integers(-8, 9)), 8) * sympy.sin(x + int(rng.integers(0, 4)))
                for x in coordinates
            ]
            row.append(sum(terms) + sympy.Rational(int(rng.integers(-4, 5)), 8))
        rows.append(row)
    return sympy.Array(rows), coordinates


def _grid(count, dimension):
    h = 2 * math.pi / count
    axes = [torch.arange(count, dtype=torch.float64) * h] * dimension
    return torch.stack(torch.meshgrid(*axes, indexing="ij"), dim=-1), h


@pytest.mark.parametrize("dimension, counts", [(2, [12, 24, 48, 96]), (4, [8, 12, 16])])
def test_action_converges_at_second_order(dimension, counts):
    field_expression, coordinates = _smooth_field(dimension, seed=dimension)
    derivative_expression = sympy.Array(
        [[[sympy.diff(field_expression[a, mu], x) for mu in range(dimension)] for a in range(3)]
         for x in coordinates]
    )
    exact_density = yang_mills_density_expression(
        field_expression, derivative_expression, su2_structure_constants()
    )
    field_kernel = Kernel(field_expression, inputs={"x": list(coordinates)}, name="field")
    density_kernel = Kernel(exact_density, inputs={"x": list(coordinates)}, name="density")

    # The exact density is a trigonometric polynomial of degree 4, so the periodic
    # rectangle rule with 8 points per direction integrates it exactly.
    points, h = _grid(8, dimension)
    exact = density_kernel(points).sum().item() * h**dimension

    errors, spacings = [], []
    for count in counts:
        points, h = _grid(count, dimension)
        action = GridYangMillsAction(h, dimension=dimension)
        errors.append(abs(action(field_kernel(points)).item() - exact))
        spacings.append(h)

    slope = numpy.polyfit(numpy.log(spacings), numpy.log(errors), 1)[0]
    assert exact > 1.0
    assert abs(slope - 2) < 0.15, f"errors {errors} give order {slope:.3f}"


def test_action_gradient_matches_finite_differences():
    count, dimension = 4, 2
    action = GridYangMillsAction(2 * math.pi / count, dimension=dimension)
    generator = torch.Generator().manual_seed(9)
    field = torch.randn(count, count, 3, dimension, generator=generator, dtype=torch.float64,
                        requires_grad=True)

    assert torch.autograd.gradcheck(action, (field,))


def test_action_gradient_in_four_dimensions():
    count = 4
    action = GridYangMillsAction(0.5, dimension=4)
    generator = torch.Generator().manual_seed(10)
    field = torch.randn(count, count, count, count, 3, 4, generator=generator,
                        dtype=torch.float64, requires_grad=True)
    direction = torch.randn(field.shape, generator=generator, dtype=torch.float64)

    (gradient,) = torch.autograd.grad(action(field), field)

    step = 1e-5
    with torch.no_grad():
        difference = (action(field + step * direction) - action(field - step * direction)) / (
            2 * step
        )
    torch.testing.assert_close((gradient * direction).sum(), difference, rtol=1e-7, atol=1e-8)


def test_grid_action_rejects_wrong_field_shape():
    action = GridYangMillsAction(0.1, dimension=2)
    with pytest.raises(ValueError, match=r"must have shape \(N_1, \.\.\., N_2, 3, 2\); got \(4, 4, 3, 4\)"):
        action(torch.zeros(4, 4, 3, 4, dtype=torch.float64))


def test_grid_action_rejects_bad_spacing():
    with pytest.raises(ValueError, match=r"spacing must be one positive number or 4 of them"):
        GridYangMillsAction([0.1, 0.1], dimension=4)
