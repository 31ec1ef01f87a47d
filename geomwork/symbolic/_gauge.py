"""Connections on a trivial principal bundle over one chart, and Yang–Mills theory.

Conventions:

* the Lie algebra acts in a matrix representation with anti-Hermitian
  generators :math:`T_a` (:mod:`geomwork.symbolic` ``su``, ``so``, ``u1``);
* connection :math:`A = A^a{}_\\mu T_a\\,dx^\\mu`; ``components[a][mu]`` is
  :math:`A^a{}_\\mu`;
* curvature :math:`F = dA + A\\wedge A`, i.e.
  :math:`F_{\\mu\\nu} = \\partial_\\mu A_\\nu - \\partial_\\nu A_\\mu + [A_\\mu, A_\\nu]` and
  :math:`F^a{}_{\\mu\\nu} = \\partial_\\mu A^a{}_\\nu - \\partial_\\nu A^a{}_\\mu
  + f_{bc}{}^a A^b{}_\\mu A^c{}_\\nu`;
* gauge transformation :math:`A \\mapsto gAg^{-1} - (dg)g^{-1}`, so
  :math:`F \\mapsto gFg^{-1}`;
* Yang–Mills density :math:`\\tfrac{1}{4g^2}\\langle F_{\\mu\\nu}, F^{\\mu\\nu}\\rangle`
  with :math:`\\langle X, Y\\rangle = -2\\operatorname{tr}(XY)` (for su(N) this is
  :math:`\\tfrac{1}{4g^2}F^a{}_{\\mu\\nu}F^{a\\,\\mu\\nu}`), and the action form
  :math:`-\\tfrac{1}{g^2}\\operatorname{tr}(F\\wedge\\star F)`, equal to the density
  times :math:`\\mathrm{vol}_g`;
* instanton number :math:`k = -\\tfrac{1}{8\\pi^2}\\int\\operatorname{tr}(F\\wedge F)`;
  second Chern form :math:`c_2 = \\tfrac{1}{8\\pi^2}(\\operatorname{tr}F\\wedge F
  - \\operatorname{tr}F\\wedge\\operatorname{tr}F)` from
  :math:`\\det(1 + \\tfrac{i}{2\\pi}F)`, so :math:`k = -\\int c_2` for su(N);
  first Chern form :math:`c_1 = \\tfrac{i}{2\\pi}\\operatorname{tr}F`;
* Chern–Simons form :math:`CS(A) = \\operatorname{tr}(A\\wedge dA + \\tfrac23 A\\wedge A\\wedge A)`
  with :math:`dCS = \\operatorname{tr}(F\\wedge F)`.
"""

from __future__ import annotations

import itertools
import logging
from functools import cached_property
from typing import Sequence

import sympy

from ._chart import Chart
from ._field import FieldElement
from ._forms import DifferentialForm
from ._lie import LieAlgebra
from ._matrix_forms import MatrixForm
from ._metric import Metric

logger = logging.getLogger("geomwork.symbolic.gauge")

__all__ = ["Connection", "GaugeError", "euclidean_metric"]


class GaugeError(ValueError):
    """A connection, group element or gauge transformation failed a defining check."""


# ---------------------------------------------------------------- exact matrix helpers

def _matrix(chart: Chart, matrix) -> list[list[FieldElement]]:
    matrix = sympy.Matrix(matrix)
    return [[chart.scalar(matrix[i, j]) for j in range(matrix.cols)] for i in range(matrix.rows)]


def _matmul(x, y, zero):
    size, inner, columns = len(x), len(y), len(y[0])
    result = []
    for i in range(size):
        row = []
        for j in range(columns):
            total = zero
            for k in range(inner):
                if x[i][k] and y[k][j]:
                    total = total + x[i][k] * y[k][j]
            row.append(total)
        result.append(row)
    return result


def _matsub(x, y):
    return [[a - b for a, b in zip(row_x, row_y)] for row_x, row_y in zip(x, y)]


def _adjoint(x):
    return [[x[j][i].conjugate() for j in range(len(x))] for i in range(len(x[0]))]


def _is_identity(x) -> bool:
    return all(x[i][j] == (1 if i == j else 0) for i in range(len(x)) for j in range(len(x)))


def _determinant(x, zero):
    size = len(x)
    if size == 1:
        return x[0][0]
    total = zero
    for j in range(size):
        if x[0][j]:
            minor = [row[:j] + row[j + 1:] for row in x[1:]]
            term = x[0][j] * _determinant(minor, zero)
            total = total + term if j % 2 == 0 else total - term
    return total


def euclidean_metric(chart: Chart) -> Metric:
    """Return the flat metric :math:`\\delta_{\\mu\\nu}` on a chart, the default for Yang–Mills quantities."""
    return Metric(chart, [1] * chart.dim, name="delta")


# ---------------------------------------------------------------- connection

class Connection:
    """A connection :math:`A = A^a{}_\\mu T_a\\,dx^\\mu` on the trivial bundle over one chart.

    Parameters
    ----------
    algebra : LieAlgebra
        The structure group's Lie algebra in a matrix representation.
    chart : Chart
    components : nested sequence
        ``components[a][mu]`` = :math:`A^a{}_\\mu` as expressions in the chart's
        coordinates (``dim(algebra)`` rows of ``chart.dim`` entries).
    name : str
    metric : Metric, optional
        The base manifold's metric, used by the Yang–Mills quantities when no
        metric is passed to them.  Without it they use the flat metric of the chart.

    Raises
    ------
    GaugeError
        When the shape of ``components`` does not match the algebra and chart,
        or the metric lives on another chart.

    Examples
    --------
    >>> from geomwork.symbolic import su
    >>> chart = Chart("x y")
    >>> x, y = chart.coordinates
    >>> A = Connection(su(2), chart, [[0, x], [y, 0], [0, 0]])
    >>> A.field_strength_component(2, 0, 1)      # F^3_xy = A^1_x A^2_y - ...
    -y*x
    """

    def __init__(self, algebra: LieAlgebra, chart: Chart, components, name: str = "A",
                 metric: Metric | None = None):
        rows = [list(row) for row in components]
        if len(rows) != algebra.dim or any(len(row) != chart.dim for row in rows):
            shape = f"{len(rows)}x{'/'.join(sorted({str(len(r)) for r in rows})) or 0}"
            raise GaugeError(
                f"connection {name}: components must have shape {algebra.dim}x{chart.dim} "
                f"(A^a_mu for the {algebra.dim} generators of {algebra.name} and the "
                f"{chart.dim} coordinates {chart.coordinates}), got {shape}"
            )
        self.algebra = algebra
        self.chart = chart
        self.name = name
        self.components = [[chart.scalar(value) for value in row] for row in rows]
        self.metric = None
        self.metric = self._metric(metric) if metric is not None else None

    # ------------------------------------------------------------------ constructors

    @classmethod
    def from_matrices(cls, algebra: LieAlgebra, chart: Chart, matrices: Sequence,
                      name: str = "A") -> "Connection":
        """Build a connection from the matrices :math:`A_\\mu`, one per coordinate.

        Raises
        ------
        GaugeError
            When a matrix does not lie in the algebra.
        """
        matrices = list(matrices)
        if len(matrices) != chart.dim:
            raise GaugeError(f"connection {name}: got {len(matrices)} matrices A_mu but chart "
                             f"{chart.name} has {chart.dim} coordinates; give one per coordinate")
        columns = [_decompose(algebra, chart, _matrix(chart, m), f"A_{mu} of {name}")
                   for mu, m in enumerate(matrices)]
        components = [[columns[mu][a] for mu in range(chart.dim)] for a in range(algebra.dim)]
        return cls(algebra, chart, components, name)

    @classmethod
    def from_form(cls, algebra: LieAlgebra, form: MatrixForm, name: str | None = None) -> "Connection":
        """Build a connection from a matrix of 1-forms :math:`A = A_\\mu dx^\\mu`.

        Raises
        ------
        GaugeError
            When the form is not of degree 1 or a matrix :math:`A_\\mu` is not in the algebra.
        """
        if form.degree != 1:
            raise GaugeError(f"a connection is a matrix of 1-forms; {form.name} has degree "
                             f"{form.degree}")
        chart = form.chart
        matrices = [[[form[i, j].component((mu,)) for j in range(form.size)]
                     for i in range(form.size)] for mu in range(chart.dim)]
        label = name or form.name
        columns = [_decompose(algebra, chart, m, f"A_{mu} of {label}") for mu, m in enumerate(matrices)]
        components = [[columns[mu][a] for mu in range(chart.dim)] for a in range(algebra.dim)]
        return cls(algebra, chart, components, label)

    # ------------------------------------------------------------------ matrices and forms

    @cached_property
    def _generators(self) -> list[list[list[FieldElement]]]:
        return [_matrix(self.chart, t) for t in self.algebra.basis]

    def _combine(self, coefficients: Sequence[FieldElement]) -> list[list[FieldElement]]:
        size = len(self._generators[0])
        zero = self.chart.field.zero
        result = [[zero] * size for _ in range(size)]
        for coefficient, generator in zip(coefficients, self._generators):
            if not coefficient:
                continue
            for i in range(size):
                for j in range(size):
                    if generator[i][j]:
                        result[i][j] = result[i][j] + coefficient * generator[i][j]
        return result

    def free_parameters(self) -> set:
        """Return the symbols in the components other than the chart's coordinates (sizes, centres)."""
        symbols = set()
        for row in self.components:
            for value in row:
                symbols |= value.expr.free_symbols
        return symbols - set(self.chart.coordinates)

    def matrix(self, mu: int) -> list[list[FieldElement]]:
        """Return :math:`A_\\mu = A^a{}_\\mu T_a` as a matrix of exact scalars."""
        return self._combine([row[mu] for row in self.components])

    @cached_property
    def form(self) -> MatrixForm:
        """:math:`A` as a matrix of 1-forms."""
        matrices = [self._to_sympy(self.matrix(mu)) for mu in range(self.chart.dim)]
        return MatrixForm.from_components(self.chart, matrices, name=self.name)

    @staticmethod
    def _to_sympy(matrix) -> sympy.Matrix:
        return sympy.Matrix([[value.expr for value in row] for row in matrix])

    # ------------------------------------------------------------------ curvature

    @cached_property
    def _field_strength(self) -> dict:
        """``{(a, mu, nu): F^a_{mu nu}}`` for mu < nu, from the component formula."""
        n, dim = self.chart.dim, self.algebra.dim
        constants = self.algebra.structure_constants.tolist()
        nonzero_constants = [(b, c, a, self.chart.scalar(constants[b][c][a]))
                             for b in range(dim) for c in range(dim) for a in range(dim)
                             if constants[b][c][a] != 0]
        A = self.components
        strength = {}
        for mu, nu in itertools.combinations(range(n), 2):
            values = [A[a][nu].diff(mu) - A[a][mu].diff(nu) for a in range(dim)]
            for b, c, a, f in nonzero_constants:
                if A[b][mu] and A[c][nu]:
                    values[a] = values[a] + f * A[b][mu] * A[c][nu]
            for a, value in enumerate(values):
                if value:
                    strength[a, mu, nu] = value
        return strength

    def field_strength_component(self, a: int, mu: int, nu: int) -> FieldElement:
        """Return :math:`F^a{}_{\\mu\\nu}` (antisymmetric in mu, nu)."""
        if mu == nu:
            return self.chart.field.zero
        if mu > nu:
            return -self.field_strength_component(a, nu, mu)
        return self._field_strength.get((a, mu, nu), self.chart.field.zero)

    def field_strength_matrix(self, mu: int, nu: int) -> list[list[FieldElement]]:
        """Return :math:`F_{\\mu\\nu} = F^a{}_{\\mu\\nu}T_a` as a matrix of exact scalars."""
        return self._combine([self.field_strength_component(a, mu, nu)
                              for a in range(self.algebra.dim)])

    @cached_property
    def curvature(self) -> MatrixForm:
        """:math:`F = dA + A\\wedge A` as a matrix of 2-forms."""
        n = self.chart.dim
        matrices = {(mu, nu): self.field_strength_matrix(mu, nu)
                    for mu, nu in itertools.combinations(range(n), 2)}
        size = len(self._generators[0])
        entries = [[DifferentialForm._from_elements(
            self.chart, 2, {key: m[i][j] for key, m in matrices.items()}, name=f"F{i}{j}")
            for j in range(size)] for i in range(size)]
        return MatrixForm(entries, name="F")

    # ------------------------------------------------------------------ gauge transformations

    def check_group_element(self, g) -> list[list[FieldElement]]:
        """Convert ``g`` to exact scalars and check that it is unitary (with det 1 for traceless algebras).

        Raises
        ------
        GaugeError
            With the product :math:`g^\\dagger g` or the determinant when a check fails.
        """
        matrix = _matrix(self.chart, g)
        size = len(self._generators[0])
        if len(matrix) != size or any(len(row) != size for row in matrix):
            raise GaugeError(f"group element for {self.algebra.name} must be {size}x{size}, "
                             f"got {len(matrix)}x{len(matrix[0]) if matrix else 0}")
        product = _matmul(_adjoint(matrix), matrix, self.chart.field.zero)
        if not _is_identity(product):
            raise GaugeError(
                f"g is not in the group of {self.algebra.name}: g^dagger g = "
                f"{self._to_sympy(product)} is not the identity; give a unitary matrix "
                "(an exponential of an algebra element, for instance)"
            )
        traceless = all(sympy.expand(t.trace()) == 0 for t in self.algebra.basis)
        if traceless:
            det = _determinant(matrix, self.chart.field.zero)
            if det != 1:
                raise GaugeError(f"g is not in the group of {self.algebra.name}: det g = "
                                 f"{det.expr}, expected 1; divide g by a root of its determinant")
        return matrix

    def gauge_transform(self, g, name: str | None = None) -> "Connection":
        """Return :math:`A^g = gAg^{-1} - (dg)g^{-1}` for a group-valued function ``g``."""
        matrix = self.check_group_element(g)
        inverse = _adjoint(matrix)
        zero = self.chart.field.zero
        transformed = []
        for mu in range(self.chart.dim):
            conjugated = _matmul(_matmul(matrix, self.matrix(mu), zero), inverse, zero)
            derivative = [[value.diff(mu) for value in row] for row in matrix]
            transformed.append(_matsub(conjugated, _matmul(derivative, inverse, zero)))
        label = name or f"{self.name}^g"
        columns = [_decompose(self.algebra, self.chart, m, f"A_{mu} of {label}")
                   for mu, m in enumerate(transformed)]
        components = [[columns[mu][a] for mu in range(self.chart.dim)]
                      for a in range(self.algebra.dim)]
        return Connection(self.algebra, self.chart, components, label, metric=self.metric)

    # ------------------------------------------------------------------ parallel transport

    def transport_generator(self, curve: Sequence, parameter: sympy.Symbol) -> sympy.Matrix:
        """Return :math:`M(s) = -A_\\mu(x(s))\\,\\dot x^\\mu(s)` for a curve :math:`x(s)`.

        A section is parallel along the curve when :math:`\\dot\\psi = M\\psi`
        (covariant derivative :math:`D = d + A`), so the transport matrix, the
        path-ordered exponential :math:`U(s) = P\\exp\\int_0^s M`, solves the
        linear ODE :math:`\\dot U = MU`, :math:`U(0) = 1`.  Under a gauge
        transformation it becomes :math:`g(x(s))\\,U(s)\\,g(x(0))^{-1}`.

        Parameters
        ----------
        curve : sequence of expressions
            The chart coordinates :math:`x^\\mu(s)`, one per coordinate.
        parameter : sympy.Symbol
            The curve parameter s.
        """
        curve = [sympy.sympify(c) for c in curve]
        if len(curve) != self.chart.dim:
            raise GaugeError(f"curve for connection {self.name} needs {self.chart.dim} coordinate "
                             f"functions {self.chart.coordinates}, got {len(curve)}")
        substitution = dict(zip(self.chart.coordinates, curve))
        size = len(self._generators[0])
        generator = sympy.zeros(size)
        for mu, coordinate in enumerate(curve):
            velocity = sympy.diff(coordinate, parameter)
            if velocity == 0:
                continue
            matrix = self._to_sympy(self.matrix(mu)).xreplace(substitution)
            generator -= matrix * velocity
        return generator.applyfunc(sympy.simplify)

    # ------------------------------------------------------------------ covariant derivative

    def covariant_derivative(self, form: MatrixForm) -> MatrixForm:
        """Return :math:`D\\Phi = d\\Phi + [A, \\Phi]` for an adjoint-valued p-form (graded commutator)."""
        return form.d() + self.form.commutator(form)

    def bianchi(self) -> MatrixForm:
        """Return :math:`DF = dF + A\\wedge F - F\\wedge A`, identically zero (Bianchi identity)."""
        return self.covariant_derivative(self.curvature)

    # ------------------------------------------------------------------ Yang–Mills

    def _metric(self, metric: Metric | None) -> Metric:
        if metric is None:
            if self.metric is None:
                self.metric = euclidean_metric(self.chart)
            return self.metric
        if metric.chart is not self.chart:
            raise GaugeError(f"metric {metric.name} lives on chart {metric.chart.name}, connection "
                             f"{self.name} on {self.chart.name}; use one chart for both")
        return metric

    def action_density(self, metric: Metric | None = None, coupling=1) -> FieldElement:
        """Return :math:`\\tfrac{1}{4g^2}\\langle F_{\\mu\\nu}, F^{\\mu\\nu}\\rangle` (flat metric by default)."""
        metric = self._metric(metric)
        inverse = metric.inverse_components
        n, dim = self.chart.dim, self.algebra.dim
        algebra_metric = [[self.chart.scalar(self.algebra.metric[a, b]) for b in range(dim)]
                          for a in range(dim)]
        total = self.chart.field.zero
        for mu, nu in itertools.combinations(range(n), 2):
            for alpha, beta in itertools.combinations(range(n), 2):
                weight = inverse[mu][alpha] * inverse[nu][beta] - inverse[mu][beta] * inverse[nu][alpha]
                if not weight:
                    continue
                for a in range(dim):
                    f_a = self.field_strength_component(a, mu, nu)
                    if not f_a:
                        continue
                    for b in range(dim):
                        if algebra_metric[a][b]:
                            f_b = self.field_strength_component(b, alpha, beta)
                            if f_b:
                                total = total + weight * algebra_metric[a][b] * f_a * f_b
        # sum over mu < nu and alpha < beta counts each ordered term once; <F,F>/4 = that / 2
        return total / (2 * self.chart.scalar(coupling) ** 2)

    def action_form(self, metric: Metric | None = None, coupling=1) -> DifferentialForm:
        """Return :math:`-\\tfrac{1}{g^2}\\operatorname{tr}(F\\wedge\\star F)`, the action as a top form."""
        metric = self._metric(metric)
        curvature = self.curvature
        form = -(curvature ^ curvature.hodge(metric)).trace()
        return form * (1 / self.chart.scalar(coupling) ** 2)

    def yang_mills_equations(self, metric: Metric | None = None) -> MatrixForm:
        """Return :math:`D\\star F`, which vanishes exactly for solutions of the Yang–Mills equations."""
        return self.covariant_derivative(self.curvature.hodge(self._metric(metric)))

    def yang_mills_current(self, metric: Metric | None = None) -> list[list[FieldElement]]:
        """Return ``J[a][nu]`` = :math:`(\\nabla_\\mu F^{\\mu\\nu} + [A_\\mu, F^{\\mu\\nu}])^a`.

        The covariant divergence uses :math:`\\nabla_\\mu F^{\\mu\\nu} =
        |g|^{-1/2}\\partial_\\mu(|g|^{1/2}F^{\\mu\\nu})` for the antisymmetric F; the
        Euler–Lagrange equations of :math:`|g|^{1/2}` times the density are
        :math:`-|g|^{1/2}\\langle T_a, T_b\\rangle J^b = 0` (for su(N) the pairing is
        :math:`\\delta_{ab}`, for u(1) with :math:`T = -i` it is 2).
        """
        metric = self._metric(metric)
        inverse = metric.inverse_components
        root = metric.volume_factor
        n, dim = self.chart.dim, self.algebra.dim
        zero = self.chart.field.zero
        raised = {}
        for a in range(dim):
            for mu in range(n):
                for nu in range(n):
                    total = zero
                    for alpha in range(n):
                        for beta in range(n):
                            if inverse[mu][alpha] and inverse[nu][beta]:
                                f = self.field_strength_component(a, alpha, beta)
                                if f:
                                    total = total + inverse[mu][alpha] * inverse[nu][beta] * f
                    raised[a, mu, nu] = total
        constants = self.algebra.structure_constants.tolist()
        current = [[zero] * n for _ in range(dim)]
        for a in range(dim):
            for nu in range(n):
                total = zero
                for mu in range(n):
                    if raised[a, mu, nu]:
                        total = total + (root * raised[a, mu, nu]).diff(mu) / root
                for b, c in itertools.product(range(dim), repeat=2):
                    if constants[b][c][a] != 0:
                        for mu in range(n):
                            if self.components[b][mu] and raised[c, mu, nu]:
                                total = total + (self.chart.scalar(constants[b][c][a])
                                                 * self.components[b][mu] * raised[c, mu, nu])
                current[a][nu] = total
        return current

    def is_self_dual(self, metric: Metric | None = None, anti: bool = False) -> bool:
        """Return whether :math:`F = \\star F` (or :math:`F = -\\star F` with ``anti=True``), in 4 dimensions."""
        return self._duality_defect(metric, anti).is_zero

    def _duality_defect(self, metric, anti) -> MatrixForm:
        if self.chart.dim != 4:
            raise GaugeError(f"self-duality is defined for 2-forms in 4 dimensions; chart "
                             f"{self.chart.name} has dimension {self.chart.dim}")
        dual = self.curvature.hodge(self._metric(metric))
        return self.curvature + dual if anti else self.curvature - dual

    # ------------------------------------------------------------------ characteristic forms

    def instanton_density(self) -> DifferentialForm:
        """Return :math:`-\\tfrac{1}{8\\pi^2}\\operatorname{tr}(F\\wedge F)`, whose integral is the instanton number."""
        curvature = self.curvature
        return (curvature ^ curvature).trace() * (-1 / (8 * sympy.pi ** 2))

    def second_chern_form(self) -> DifferentialForm:
        """Return :math:`c_2 = \\tfrac{1}{8\\pi^2}(\\operatorname{tr}F\\wedge F - \\operatorname{tr}F\\wedge\\operatorname{tr}F)`."""
        curvature = self.curvature
        trace = curvature.trace()
        return ((curvature ^ curvature).trace() - (trace ^ trace)) * (1 / (8 * sympy.pi ** 2))

    def first_chern_form(self) -> DifferentialForm:
        """Return :math:`c_1 = \\tfrac{i}{2\\pi}\\operatorname{tr}F`."""
        return self.curvature.trace() * (sympy.I / (2 * sympy.pi))

    def chern_simons_form(self) -> DifferentialForm:
        """Return :math:`\\operatorname{tr}(A\\wedge dA + \\tfrac23 A\\wedge A\\wedge A)`."""
        A = self.form
        cubic = (A ^ A ^ A).trace() * sympy.Rational(2, 3)
        return (A ^ A.d()).trace() + cubic

    # ------------------------------------------------------------------ display

    def __repr__(self):
        return (f"Connection({self.name}, algebra={self.algebra.name}, chart={self.chart.name})")

    def _repr_latex_(self):
        terms = []
        for a, row in enumerate(self.components):
            for mu, value in enumerate(row):
                if value:
                    coordinate = sympy.latex(self.chart.coordinates[mu])
                    terms.append(f"A^{{{a + 1}}}{{}}_{{{coordinate}}} &= {sympy.latex(value.expr)}")
        if not terms:
            return f"${self.name} = 0$"
        return "$\\begin{aligned}" + "\\\\ ".join(terms) + "\\end{aligned}$"


def _decompose(algebra: LieAlgebra, chart: Chart, matrix, label: str) -> list[FieldElement]:
    """Return the components :math:`X^a` of ``matrix`` in the algebra, or raise GaugeError.

    Uses the invariant inner product: :math:`X^a = (M^{-1})^{ab}\\langle T_b, X\\rangle`
    with :math:`M_{ab} = \\langle T_a, T_b\\rangle`, then checks :math:`X - X^aT_a = 0`.
    """
    generators = [_matrix(chart, t) for t in algebra.basis]
    size = len(generators[0])
    zero = chart.field.zero
    if len(matrix) != size or any(len(row) != size for row in matrix):
        raise GaugeError(f"{label} must be a {size}x{size} matrix for {algebra.name}, got "
                         f"{len(matrix)}x{len(matrix[0]) if matrix else 0}")
    pairings = []
    for generator in generators:
        trace = zero
        for i in range(size):
            for k in range(size):
                if generator[i][k] and matrix[k][i]:
                    trace = trace + generator[i][k] * matrix[k][i]
        pairings.append(trace * -2)
    inverse = algebra.metric.inv()
    dim = algebra.dim
    components = []
    for a in range(dim):
        total = zero
        for b in range(dim):
            if inverse[a, b] != 0 and pairings[b]:
                total = total + chart.scalar(inverse[a, b]) * pairings[b]
        components.append(total)
    for i in range(size):
        for j in range(size):
            rebuilt = zero
            for a in range(dim):
                if components[a] and generators[a][i][j]:
                    rebuilt = rebuilt + components[a] * generators[a][i][j]
            if rebuilt != matrix[i][j]:
                raise GaugeError(
                    f"{label} is not in the Lie algebra {algebra.name}: entry ({i}, {j}) is "
                    f"{matrix[i][j].expr} but its projection onto the algebra gives "
                    f"{rebuilt.expr}; give a matrix in the span of the generators (anti-Hermitian"
                    f"{', traceless' if algebra.name.startswith('su') else ''})"
                )
    return components


def hyperspherical_map(cartesian: Chart, radius_name: str = "r") -> "ChartMap":
    """Return the map from hyperspherical coordinates to a Cartesian chart of dimension n >= 2.

    Source coordinates :math:`(r, \\chi_1, \\dots, \\chi_{n-2}, \\phi)` with ranges
    :math:`(0, \\infty)`, :math:`(0, \\pi)` and :math:`(0, 2\\pi)`;
    :math:`x_1 = r\\cos\\chi_1`, :math:`x_2 = r\\sin\\chi_1\\cos\\chi_2`, ...,
    :math:`x_{n-1} = r\\sin\\chi_1\\cdots\\cos\\phi`, :math:`x_n = r\\sin\\chi_1\\cdots\\sin\\phi`,
    which preserves orientation when n is even... only up to sign, so integrals
    over all of space use the absolute value of the Jacobian (see
    :func:`integrate_over_space`).
    """
    from ._forms import ChartMap

    n = cartesian.dim
    if n < 2:
        raise GaugeError(f"hyperspherical coordinates need dimension >= 2, got {n}")
    names = [radius_name] + [f"chi{i + 1}" for i in range(n - 2)] + ["phi"]
    ranges = {radius_name: (0, sympy.oo), "phi": (0, 2 * sympy.pi)}
    ranges.update({f"chi{i + 1}": (0, sympy.pi) for i in range(n - 2)})
    source = Chart([sympy.Symbol(radius_name, positive=True)] + names[1:], name="hyperspherical",
                   ranges=ranges)
    r, *angles = source.coordinates
    expressions, product = [], r
    for angle in angles[:-1]:
        expressions.append(product * sympy.cos(angle))
        product = product * sympy.sin(angle)
    expressions.extend([product * sympy.cos(angles[-1]), product * sympy.sin(angles[-1])])
    return ChartMap(source, cartesian, expressions, name="hyperspherical")


def integrate_over_space(form: DifferentialForm, radius=None, separable_only: bool = False) -> sympy.Expr:
    """Integrate a top-degree form on a Cartesian chart over :math:`\\mathbb{R}^n` or a ball, exactly.

    The form is pulled back to hyperspherical coordinates, whose orientation is
    compared with the Cartesian one at the reference point, and integrated over
    the coordinate box with sympy: r from 0 to ``radius`` (infinity by default).
    With ``separable_only=True`` an integrand that is not a product of
    one-variable factors raises :class:`FormError` instead of starting sympy's
    general integration, which can run for a long time.
    """
    mapping = hyperspherical_map(form.chart)
    pulled = mapping.pullback(form)
    volume = mapping.pullback(DifferentialForm(form.chart, form.chart.dim,
                                               {tuple(range(form.chart.dim)): 1}))
    orientation = volume.component(tuple(range(form.chart.dim))).evaluate().real
    bounds = {} if radius is None else {mapping.source.coordinates[0]: (0, radius)}
    result = pulled.integrate(bounds, separable_only=separable_only)
    return sympy.simplify(result if orientation > 0 else -result)
