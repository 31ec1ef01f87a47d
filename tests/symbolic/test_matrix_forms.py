"""Matrix-valued forms: wedge product, d, graded commutator, trace, curvature of a connection."""

import random

import pytest
import sympy

from geomwork.symbolic import (Chart, DifferentialForm, FormError, MatrixForm, catalogue_metric,
                               coordinate_forms, scalar_form)
from geomwork.symbolic.checks import assert_forms_equal, random_form

# su(2) generators T_a = -(i/2) σ_a, with [T_a, T_b] = ε_abc T_c.
PAULI = [sympy.Matrix([[0, 1], [1, 0]]), sympy.Matrix([[0, -sympy.I], [sympy.I, 0]]),
         sympy.Matrix([[1, 0], [0, -1]])]
SU2 = [-sympy.I / 2 * sigma for sigma in PAULI]
SEEDS = [0, 1, 2]


@pytest.fixture(scope="module")
def chart():
    return Chart("x y z", name="space")


def random_matrix_form(chart, degree, rng, size=2):
    entries = [[random_form(chart, degree, rng) for _ in range(size)] for _ in range(size)]
    return MatrixForm(entries, name="M")


def random_su2_connection(chart, rng):
    """A = A^a_mu T_a dx^mu with polynomial coefficients A^a_mu drawn from rng."""
    components = []
    for _ in range(chart.dim):
        matrix = sympy.zeros(2)
        for generator in SU2:
            coefficient = random_form(chart, 0, rng).component(())
            matrix += coefficient.expr * generator
        components.append(matrix)
    return MatrixForm.from_components(chart, components, name="A")


# ---------------------------------------------------------------------- construction


def test_su2_generators_close():
    """The generators T_a = -(i/2) σ_a satisfy [T_1, T_2] = T_3."""
    assert SU2[0] * SU2[1] - SU2[1] * SU2[0] == SU2[2]


def test_from_components_sums_over_coordinates(chart):
    x, y, z = chart.coordinates
    dx, dy, dz = coordinate_forms(chart)
    connection = MatrixForm.from_components(chart, [x * SU2[0], SU2[1], sympy.zeros(2)])
    assert connection[0, 1] == (-sympy.I / 2) * (x * dx - sympy.I * dy)
    assert connection.component_matrix(0) == x * SU2[0]
    assert connection.degree == 1


def test_sympy_matrix_times_form(chart):
    dx, dy, dz = coordinate_forms(chart)
    product = sympy.Matrix([[1, 2], [3, 4]]) * dx
    assert isinstance(product, MatrixForm)
    assert product[1, 0] == 3 * dx


def test_zero_entries_take_common_degree(chart):
    dx, dy, dz = coordinate_forms(chart)
    matrix = MatrixForm([[dx ^ dy, 0], [0, dy ^ dz]])
    assert matrix[0, 1].degree == 2
    assert matrix[0, 1].is_zero


def test_non_square_rejected(chart):
    dx, dy, dz = coordinate_forms(chart)
    with pytest.raises(FormError, match=r"matrix form A must be a non-empty square matrix of "
                                        r"forms, got shape 2x1; give N rows of N entries"):
        MatrixForm([[dx], [dy]])


def test_mixed_degrees_rejected(chart):
    dx, dy, dz = coordinate_forms(chart)
    with pytest.raises(FormError, match=r"entry \(0, 1\) has degree 2 but the first form entry "
                                        r"has degree 1; a matrix form has a single degree"):
        MatrixForm([[dx, dx ^ dy], [dy, dz]])


def test_mixed_charts_rejected(chart):
    other = Chart("x y z", name="elsewhere")
    dx = coordinate_forms(chart)[0]
    du = coordinate_forms(other)[0]
    with pytest.raises(FormError, match=r"entry \(1, 1\) lives on chart elsewhere but the first "
                                        r"form entry lives on chart space"):
        MatrixForm([[dx, 0], [0, du]])


def test_non_form_entry_rejected(chart):
    dx = coordinate_forms(chart)[0]
    with pytest.raises(FormError, match=r"entry \(0, 1\) is 'x', not a DifferentialForm; wrap "
                                        r"functions with scalar_form"):
        MatrixForm([[dx, "x"], [0, dx]])


def test_from_matrix_needs_square_matrix(chart):
    dx = coordinate_forms(chart)[0]
    with pytest.raises(FormError, match=r"matrix form A must be square, got a 2x3 matrix"):
        MatrixForm.from_matrix(sympy.ones(2, 3), dx)


def test_from_matrix_needs_form_or_chart():
    with pytest.raises(FormError, match=r"from_matrix needs a form or a chart; pass chart="):
        MatrixForm.from_matrix(sympy.eye(2))


def test_sum_of_different_degrees_rejected(chart):
    dx, dy, dz = coordinate_forms(chart)
    with pytest.raises(FormError, match=r"of degree 1 and .* of degree 2; a sum of matrix forms "
                                        r"needs a single degree"):
        MatrixForm([[dx]]) + MatrixForm([[dx ^ dy]])


def test_from_components_needs_one_matrix_per_coordinate(chart):
    with pytest.raises(FormError, match=r"got 2 component matrices but chart space has "
                                        r"dimension 3"):
        MatrixForm.from_components(chart, SU2[:2])


def test_sum_of_different_sizes_rejected(chart):
    identity2 = MatrixForm.identity(chart, 2)
    identity3 = MatrixForm.identity(chart, 3)
    with pytest.raises(FormError, match=r"cannot add matrix form 1 of size 2x2 and 1 of size "
                                        r"3x3; the sizes must agree"):
        identity2 + identity3


def test_wedge_on_different_charts_names_both(chart):
    other = Chart("x y z", name="elsewhere")
    first = MatrixForm.identity(chart, 2)
    second = MatrixForm.identity(other, 2)
    with pytest.raises(FormError, match=r"cannot wedge matrix form 1 on chart space and matrix "
                                        r"form 1 on chart elsewhere"):
        first ^ second


# ---------------------------------------------------------------------- algebra


def test_zero_form_product_is_matrix_product(chart):
    x, y, z = chart.coordinates
    left = sympy.Matrix([[x, 1], [0, y]])
    right = sympy.Matrix([[1, z], [x, 2]])
    product = MatrixForm.from_matrix(left, chart=chart) @ MatrixForm.from_matrix(right,
                                                                                 chart=chart)
    assert product.component_matrix(()) == (left * right).expand()


def test_wedge_entries_follow_index_formula(chart):
    """(A∧B)_ij = Σ_k A_ik ∧ B_kj on explicit 1-forms."""
    dx, dy, dz = coordinate_forms(chart)
    a = MatrixForm([[dx, dy], [0, dz]])
    b = MatrixForm([[dy, 0], [dx, dz]])
    product = a ^ b
    assert product[0, 0] == (dx ^ dy) + (dy ^ dx)
    assert product[0, 1] == dy ^ dz
    assert product[1, 0] == dz ^ dx
    assert product[1, 1] == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_wedge_associative(chart, seed):
    rng = random.Random(seed)
    a, b, c = (random_matrix_form(chart, degree, rng) for degree in (1, 1, 0))
    assert_forms_equal((a ^ b) ^ c, a ^ (b ^ c), "matrix wedge associativity")


@pytest.mark.parametrize("seed", SEEDS)
def test_graded_leibniz_rule(chart, seed):
    rng = random.Random(seed)
    for p, q in [(0, 1), (1, 1), (1, 2)]:
        a, b = random_matrix_form(chart, p, rng), random_matrix_form(chart, q, rng)
        expected = (a.d() ^ b) + (a ^ b.d()) * (-1) ** p
        assert_forms_equal((a ^ b).d(), expected, f"d(A∧B) for degrees {p}, {q}")


@pytest.mark.parametrize("seed", SEEDS)
def test_d_squared_vanishes(chart, seed):
    matrix = random_matrix_form(chart, 1, random.Random(seed))
    assert matrix.d().d().is_zero


@pytest.mark.parametrize("seed", SEEDS)
def test_trace_of_graded_commutator_vanishes(chart, seed):
    rng = random.Random(seed)
    for p, q in [(1, 1), (1, 2), (0, 1)]:
        a, b = random_matrix_form(chart, p, rng), random_matrix_form(chart, q, rng)
        assert a.commutator(b).trace().is_zero


def test_commutator_of_one_form_with_itself(chart):
    """For a 1-form [A, A] = 2 A∧A, which is not zero for non-commuting entries."""
    connection = random_su2_connection(chart, random.Random(3))
    square = connection ^ connection
    assert not square.is_zero
    assert_forms_equal(connection.commutator(connection), square * 2, "[A, A] = 2 A∧A")


def test_graded_commutator_antisymmetry(chart):
    rng = random.Random(4)
    for p, q in [(1, 1), (1, 2), (2, 2)]:
        a, b = random_matrix_form(chart, p, rng), random_matrix_form(chart, q, rng)
        sign = -(-1) ** (p * q)
        assert_forms_equal(a.commutator(b), b.commutator(a) * sign, "[A, B] = -(-1)^pq [B, A]")


def test_trace_is_sum_of_diagonal(chart):
    dx, dy, dz = coordinate_forms(chart)
    matrix = MatrixForm([[dx, dz], [dy, 2 * dy]])
    assert matrix.trace() == dx + 2 * dy
    assert matrix[0, 0] == dx


def test_scalar_and_form_multiplication(chart):
    x, y, z = chart.coordinates
    dx, dy, dz = coordinate_forms(chart)
    matrix = MatrixForm([[dx, 0], [0, dy]])
    assert (matrix * x)[1, 1] == x * dy
    assert (matrix ^ dz)[0, 0] == dx ^ dz
    assert (dz ^ matrix)[0, 0] == dz ^ dx


def test_hodge_entrywise(chart):
    metric = catalogue_metric("euclidean", n=3)
    dx, dy, dz = coordinate_forms(metric.chart)
    matrix = MatrixForm([[dx, dy], [dz, 0]])
    starred = matrix.hodge(metric)
    assert starred[0, 0] == dy ^ dz
    assert starred[1, 0] == dx ^ dy


# ---------------------------------------------------------------------- connections and curvature


@pytest.mark.parametrize("seed", SEEDS)
def test_curvature_components(chart, seed):
    """F = dA + A∧A has F_μν = ∂_μA_ν - ∂_νA_μ + [A_μ, A_ν]."""
    connection = random_su2_connection(chart, random.Random(seed))
    curvature = connection.d() + (connection ^ connection)
    coordinates = chart.coordinates
    for mu in range(3):
        for nu in range(mu + 1, 3):
            a_mu, a_nu = connection.component_matrix(mu), connection.component_matrix(nu)
            expected = (a_nu.diff(coordinates[mu]) - a_mu.diff(coordinates[nu])
                        + a_mu * a_nu - a_nu * a_mu)
            difference = (curvature.component_matrix(mu, nu) - expected).expand()
            assert difference == sympy.zeros(2)


@pytest.mark.parametrize("seed", SEEDS)
def test_bianchi_identity(chart, seed):
    """DF = dF + [A, F] = 0 for F = dA + A∧A."""
    connection = random_su2_connection(chart, random.Random(seed))
    curvature = connection.d() + (connection ^ connection)
    assert (curvature.d() + connection.commutator(curvature)).is_zero


def test_gauge_covariance_of_curvature(chart):
    """Under A ↦ gAg⁻¹ - (dg)g⁻¹ the curvature transforms as F ↦ gFg⁻¹."""
    x, y, z = chart.coordinates
    angle = x * y + z
    g = MatrixForm.from_matrix(sympy.diag(sympy.exp(sympy.I * angle),
                                          sympy.exp(-sympy.I * angle)), chart=chart, name="g")
    g_inverse = MatrixForm.from_matrix(sympy.diag(sympy.exp(-sympy.I * angle),
                                                  sympy.exp(sympy.I * angle)), chart=chart)
    assert (g @ g_inverse) == MatrixForm.identity(chart, 2)
    connection = random_su2_connection(chart, random.Random(5))
    transformed = (g @ connection @ g_inverse) - (g.d() @ g_inverse)
    curvature = connection.d() + (connection ^ connection)
    transformed_curvature = transformed.d() + (transformed ^ transformed)
    assert_forms_equal(transformed_curvature, g @ curvature @ g_inverse, "F ↦ gFg⁻¹")


def test_abelian_curvature_is_d_of_connection(chart):
    x, y, z = chart.coordinates
    potential = DifferentialForm(chart, 1, {0: y * z, 1: sympy.sin(x)})
    connection = MatrixForm([[potential]])
    curvature = connection.d() + (connection ^ connection)
    assert curvature[0, 0] == potential.d()


def test_text_output(chart):
    dx, dy, dz = coordinate_forms(chart)
    text = repr(MatrixForm([[dx, 0], [0, dz]], name="B"))
    assert text == "MatrixForm(B, 2x2 of degree 1 on chart space: [dx, 0; 0, dz])"


def test_latex_output(chart):
    dx, dy, dz = coordinate_forms(chart)
    matrix = MatrixForm([[dx, 0], [scalar_form(chart, 0) * dy, dz]])
    assert matrix._repr_latex_() == ("$\\displaystyle \\begin{pmatrix} dx & 0 \\\\ 0 & dz "
                                     "\\end{pmatrix}$")
