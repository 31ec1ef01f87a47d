"""Lie algebras: generator conventions, structure constants and construction checks."""

import itertools

import pytest
import sympy

from geomwork.symbolic import LieAlgebra, LieAlgebraError, gell_mann_matrices, lie_algebra, so, su, u1

ALGEBRAS = ["u1", "su2", "su3", "su4", "so3", "so4"]


def test_su2_brackets_are_epsilon():
    """T_a = -(i/2) sigma_a with [T_a, T_b] = epsilon_abc T_c."""
    algebra = su(2)
    sigma = [sympy.Matrix([[0, 1], [1, 0]]), sympy.Matrix([[0, -sympy.I], [sympy.I, 0]]),
             sympy.Matrix([[1, 0], [0, -1]])]
    for a in range(3):
        assert algebra.basis[a] == -sympy.I / 2 * sigma[a]
    for a, b, c in itertools.product(range(3), repeat=3):
        assert algebra.structure_constants[a, b, c] == sympy.LeviCivita(a, b, c)


def test_so3_brackets_are_epsilon():
    algebra = so(3)
    for a, b, c in itertools.product(range(3), repeat=3):
        assert algebra.structure_constants[a, b, c] == sympy.LeviCivita(a, b, c)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_gell_mann_normalisation(n):
    matrices = gell_mann_matrices(n)
    assert len(matrices) == n * n - 1
    for a, b in itertools.product(range(len(matrices)), repeat=2):
        assert sympy.expand((matrices[a] * matrices[b]).trace()) == (2 if a == b else 0)
        assert matrices[a].H == matrices[a]


@pytest.mark.parametrize("n", [2, 3, 4])
def test_su_inner_product_orthonormal_and_killing(n):
    """<T_a, T_b> = -2 tr(T_a T_b) = delta_ab and K_ab = -N delta_ab."""
    algebra = su(n)
    size = n * n - 1
    assert algebra.metric == sympy.eye(size)
    assert algebra.killing_form == -n * sympy.eye(size)


@pytest.mark.parametrize("name", ALGEBRAS)
def test_generators_are_anti_hermitian_and_traceless(name):
    algebra = lie_algebra(name)
    for generator in algebra.basis:
        assert generator.H == -generator
        if name != "u1":
            assert sympy.expand(generator.trace()) == 0


@pytest.mark.parametrize("name", ALGEBRAS)
def test_brackets_reproduced_by_structure_constants(name):
    algebra = lie_algebra(name)
    for a, b in itertools.product(range(algebra.dim), repeat=2):
        expected = algebra.element([algebra.structure_constants[a, b, c] for c in range(algebra.dim)])
        difference = algebra.bracket(algebra.basis[a], algebra.basis[b]) - expected
        assert difference.applyfunc(sympy.expand) == sympy.zeros(*difference.shape)


@pytest.mark.parametrize("name", ["su2", "su3", "so4"])
def test_adjoint_is_a_representation(name):
    """[ad_a, ad_b] = f_ab^c ad_c."""
    algebra = lie_algebra(name)
    ad = algebra.adjoint_matrices
    for a, b in itertools.combinations(range(algebra.dim), 2):
        expected = sympy.zeros(algebra.dim)
        for c in range(algebra.dim):
            expected += algebra.structure_constants[a, b, c] * ad[c]
        assert (ad[a] * ad[b] - ad[b] * ad[a] - expected).applyfunc(sympy.expand).is_zero_matrix


def test_algebra_from_structure_constants_uses_adjoint():
    constants = [[[sympy.LeviCivita(a, b, c) for c in range(3)] for b in range(3)] for a in range(3)]
    algebra = LieAlgebra("so(3) abstract", structure_constants=constants)
    assert algebra.killing_form == -2 * sympy.eye(3)


def test_u1_is_abelian():
    algebra = u1()
    assert algebra.dim == 1
    assert algebra.structure_constants[0, 0, 0] == 0


def test_components_round_trip():
    algebra = su(3)
    values = [sympy.Rational(k, 7) for k in range(1, 9)]
    assert algebra.components(algebra.element(values)) == values


def test_basis_not_closed_names_pair():
    x = sympy.Matrix([[0, 1], [-1, 0]])
    y = sympy.Matrix([[0, sympy.I], [sympy.I, 0]])
    with pytest.raises(LieAlgebraError, match=r"\[T_0, T_1\] is not in the span"):
        LieAlgebra("broken", [x, y])


def test_dependent_basis_names_generator():
    t = su(2).basis
    with pytest.raises(LieAlgebraError, match=r"generator T_2 is a linear combination of T_0..T_1"):
        LieAlgebra("dependent", [t[0], t[1], t[0] + 3 * t[1]])


def test_non_antisymmetric_constants_rejected():
    constants = [[[0, 0], [1, 0]], [[1, 0], [0, 0]]]
    with pytest.raises(LieAlgebraError, match=r"not antisymmetric: f\[0,1,0\] = 1 but f\[1,0,0\] = 1"):
        LieAlgebra("bad", structure_constants=constants)


def test_jacobi_failure_names_triple():
    constants = [[[0] * 3 for _ in range(3)] for _ in range(3)]
    constants[0][1][2], constants[1][0][2] = 1, -1
    constants[1][2][1], constants[2][1][1] = 1, -1
    with pytest.raises(LieAlgebraError, match=r"Jacobi identity fails for generators \(0, 1, 2\)"):
        LieAlgebra("not a Lie algebra", structure_constants=constants)


def test_unknown_algebra_name():
    with pytest.raises(KeyError, match="unknown Lie algebra 'sp4'"):
        lie_algebra("sp4")


@pytest.mark.parametrize("n", [3, 4])
def test_so_killing_form(n):
    """K(X, Y) = (n - 2) tr(XY) for so(n); tr(L_a L_a) = -2 gives K = -2(n - 2)."""
    algebra = so(n)
    assert algebra.killing_form == -2 * (n - 2) * sympy.eye(algebra.dim)
