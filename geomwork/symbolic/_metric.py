"""Pseudo-Riemannian metrics on a chart and their curvature, computed exactly.

Conventions (index order follows the written formula):

* :math:`\\Gamma^a{}_{bc} = \\tfrac12 g^{ad}(\\partial_b g_{dc} + \\partial_c g_{bd} - \\partial_d g_{bc})`,
  stored as ``christoffel[a, b, c]``;
* :math:`R^a{}_{bcd} = \\partial_c\\Gamma^a{}_{db} - \\partial_d\\Gamma^a{}_{cb}
  + \\Gamma^a{}_{ce}\\Gamma^e{}_{db} - \\Gamma^a{}_{de}\\Gamma^e{}_{cb}`;
* Ricci :math:`R_{bd} = R^a{}_{bad}`, scalar :math:`R = g^{bd}R_{bd}`, so the unit
  2-sphere has :math:`R = +2`;
* Einstein :math:`G_{ab} = R_{ab} - \\tfrac12 R g_{ab}`;
* Weyl :math:`C_{abcd} = R_{abcd} - \\tfrac{1}{n-2}(g_{ac}R_{bd} - g_{ad}R_{bc} - g_{bc}R_{ad}
  + g_{bd}R_{ac}) + \\tfrac{R}{(n-1)(n-2)}(g_{ac}g_{bd} - g_{ad}g_{bc})` with
  :math:`R_{abcd} = g_{ae}R^e{}_{bcd}`;
* Kretschmann :math:`K = R_{abcd}R^{abcd}`.

Every quantity is computed once, on first access, in the canonical form of the
chart's differential field, so an identically vanishing component is exactly 0.
"""

from __future__ import annotations

import logging
from functools import cached_property

import numpy as np
import sympy

from ._chart import Chart
from ._field import FieldElement
from ._tensor import Tensor

logger = logging.getLogger("geomwork.symbolic.metric")

__all__ = ["Metric", "MetricError"]


class MetricError(ValueError):
    """A metric failed one of its defining checks (square, symmetric, non-degenerate)."""


def _matrix_rows(components, name):
    if isinstance(components, sympy.MatrixBase):
        return [list(components.row(i)) for i in range(components.rows)]
    if isinstance(components, np.ndarray):
        return components.tolist()
    rows = [list(row) if not isinstance(row, (str, bytes)) else None for row in components]
    if any(row is None for row in rows):
        raise MetricError(f"metric {name}: components must be a square matrix of expressions, "
                          f"got rows {components!r}")
    return rows


class Metric:
    """A pseudo-Riemannian metric :math:`g_{ab}` on a chart, of any signature.

    Parameters
    ----------
    chart : Chart
    components : square matrix
        :math:`g_{ab}` as a sympy Matrix, nested lists or a numpy object array of
        expressions; a 1-D sequence is read as a diagonal.
    name : str
        Label in LaTeX and messages.

    Raises
    ------
    MetricError
        When the matrix is not n x n for the chart's n coordinates, is not
        symmetric, or is degenerate (determinant exactly zero).

    Examples
    --------
    >>> chart = Chart("theta phi", ranges={"theta": (0, sympy.pi)})
    >>> theta = chart.coordinates[0]
    >>> sphere = Metric(chart, [1, sympy.sin(theta) ** 2])
    >>> sphere.ricci_scalar
    2
    """

    def __init__(self, chart: Chart, components, name: str = "g"):
        self.chart = chart
        self.name = name
        n = chart.dim
        if isinstance(components, (list, tuple)) and components and all(
                not isinstance(c, (list, tuple, sympy.MatrixBase, np.ndarray)) for c in components):
            components = [[components[i] if i == j else 0 for j in range(len(components))]
                          for i in range(len(components))]
        rows = _matrix_rows(components, name)
        if len(rows) != n or any(len(row) != n for row in rows):
            shape = f"{len(rows)}x{'/'.join(sorted({str(len(r)) for r in rows}))}"
            raise MetricError(
                f"metric {name} on chart {chart.name} must be a {n}x{n} matrix (one row and "
                f"column per coordinate {chart.coordinates}), got shape {shape}"
            )
        self._g = [[chart.scalar(value) for value in row] for row in rows]
        for i in range(n):
            for j in range(i + 1, n):
                if self._g[i][j] != self._g[j][i]:
                    raise MetricError(
                        f"metric {name} is not symmetric: g[{i}][{j}] = {self._g[i][j].expr} but "
                        f"g[{j}][{i}] = {self._g[j][i].expr}; make the matrix symmetric "
                        "(e.g. average it with its transpose)"
                    )
        if not self.det:
            raise MetricError(
                f"metric {name} is degenerate: its determinant is exactly 0; a metric needs "
                "an invertible matrix (check for a zero row or dependent rows)"
            )

    # ------------------------------------------------------------------ basics

    @property
    def dim(self) -> int:
        return self.chart.dim

    @property
    def components(self) -> list[list[FieldElement]]:
        """:math:`g_{ab}` as exact scalars (do not modify)."""
        return self._g

    @cached_property
    def matrix(self) -> sympy.Matrix:
        """:math:`g_{ab}` as a sympy Matrix."""
        return sympy.Matrix(self.dim, self.dim, lambda i, j: self._g[i][j].expr)

    @cached_property
    def tensor(self) -> Tensor:
        """:math:`g_{ab}` as a :class:`Tensor` with positions ``"dd"``."""
        return Tensor(self.chart, {(i, j): self._g[i][j] for i in range(self.dim)
                                   for j in range(self.dim)}, "dd", self.name, [(0, 1, 1)])

    @cached_property
    def _inverse_and_det(self):
        return _gauss_jordan(self._g, self.chart.field)

    @property
    def inverse_components(self) -> list[list[FieldElement]]:
        """:math:`g^{ab}` as exact scalars."""
        return self._inverse_and_det[0]

    @cached_property
    def inverse(self) -> sympy.Matrix:
        """:math:`g^{ab}`, the inverse matrix, as a sympy Matrix."""
        inverse = self.inverse_components
        return sympy.Matrix(self.dim, self.dim, lambda i, j: inverse[i][j].expr)

    @cached_property
    def det(self) -> FieldElement:
        """:math:`\\det g_{ab}` as an exact scalar."""
        return self._inverse_and_det[1]

    @cached_property
    def signature(self) -> tuple[int, int]:
        """(number of positive, number of negative) eigenvalues at the chart's reference point."""
        matrix = np.array([[g.evaluate().real for g in row] for row in self._g])
        eigenvalues = np.linalg.eigvalsh(matrix)
        return int((eigenvalues > 0).sum()), int((eigenvalues < 0).sum())

    @property
    def det_sign(self) -> int:
        """:math:`\\operatorname{sign}\\det g = (-1)^{s}` with s the number of negative eigenvalues."""
        return -1 if self.signature[1] % 2 else 1

    @cached_property
    def volume_factor(self) -> FieldElement:
        """:math:`\\sqrt{|\\det g|}`, the density of :math:`\\mathrm{vol}_g`, positive at the reference point."""
        return self.chart.field.sqrt(self.det * self.det_sign)

    @cached_property
    def line_element(self) -> sympy.Expr:
        """:math:`ds^2 = g_{ab}\\,dx^a dx^b` with ``d<x>`` symbols for the differentials."""
        differentials = [sympy.Symbol(f"d{c.name}") for c in self.chart.coordinates]
        total = sympy.Integer(0)
        for i in range(self.dim):
            for j in range(self.dim):
                if self._g[i][j]:
                    total += self._g[i][j].expr * differentials[i] * differentials[j]
        return total

    # ------------------------------------------------------------------ index gymnastics

    def lower(self, tensor: Tensor, slot: int, name=None) -> Tensor:
        """Lower index ``slot``: :math:`T_{..a..} = g_{ab} T^{..b..}`."""
        return tensor.move_index(slot, self._g, "d", name)

    def raise_(self, tensor: Tensor, slot: int, name=None) -> Tensor:
        """Raise index ``slot``: :math:`T^{..a..} = g^{ab} T_{..b..}`."""
        return tensor.move_index(slot, self.inverse_components, "u", name)

    def raise_index(self, tensor: Tensor, slot: int, name=None) -> Tensor:
        """Alias of :meth:`raise_` (``raise`` is a Python keyword)."""
        return self.raise_(tensor, slot, name)

    lower_index = lower

    def covariant_derivative(self, tensor: Tensor, name=None) -> Tensor:
        """Levi-Civita covariant derivative, the new index appended last.

        :math:`(\\nabla T)^{a\\dots}{}_{b\\dots e} = \\nabla_e T^{a\\dots}{}_{b\\dots}
        = \\partial_e T + \\Gamma^a{}_{ef} T^{f\\dots} - \\Gamma^f{}_{eb} T^{a\\dots}{}_{f\\dots}`,
        one Christoffel term per index; positions gain a trailing ``"d"``.
        """
        if tensor.chart is not self.chart:
            raise ValueError(f"tensor {tensor.name} lives on chart {tensor.chart.name}, the "
                             f"metric {self.name} on {self.chart.name}; use one chart for both")
        n = self.dim
        gamma = self._christoffel
        result: dict[tuple, FieldElement] = {}

        def add(key, value):
            if value:
                result[key] = result[key] + value if key in result else value

        for key, value in tensor.items():
            for e in range(n):
                add(key + (e,), value.diff(e))
                for slot, position in enumerate(tensor.positions):
                    old = key[slot]
                    for new in range(n):
                        # upper index a: + Gamma^new_{e old} T^{old}; lower b: - Gamma^old_{e new}
                        coefficient = gamma[new][e][old] if position == "u" else -gamma[old][e][new]
                        if coefficient:
                            add(key[:slot] + (new,) + key[slot + 1:] + (e,), coefficient * value)
        return Tensor._from_elements(self.chart, result, tensor.positions + "d",
                                     name or f"\\nabla {tensor.name}")

    # ------------------------------------------------------------------ curvature

    @cached_property
    def _dg(self):
        """``dg[c][a][b]`` = :math:`\\partial_c g_{ab}`."""
        n = self.dim
        return [[[self._g[a][b].diff(c) if b >= a else None for b in range(n)]
                 for a in range(n)] for c in range(n)]

    def _dmetric(self, c, a, b):
        return self._dg[c][a][b] if b >= a else self._dg[c][b][a]

    @cached_property
    def _christoffel(self):
        n = self.dim
        zero = self.chart.field.zero
        lowered = {}
        for d in range(n):
            for b in range(n):
                for c in range(b, n):
                    value = self._dmetric(b, d, c) + self._dmetric(c, b, d) - self._dmetric(d, b, c)
                    if value:
                        lowered[d, b, c] = value
        inverse = self.inverse_components
        gamma = [[[zero] * n for _ in range(n)] for _ in range(n)]
        for a in range(n):
            for (d, b, c), value in lowered.items():
                if inverse[a][d]:
                    gamma[a][b][c] = gamma[a][b][c] + inverse[a][d] * value
        half = self.chart.field.constant(sympy.Rational(1, 2))
        for a in range(n):
            for b in range(n):
                for c in range(b, n):
                    gamma[a][b][c] = gamma[a][b][c] * half
                    gamma[a][c][b] = gamma[a][b][c]
        return gamma

    @cached_property
    def christoffel(self) -> Tensor:
        """:math:`\\Gamma^a{}_{bc}` (second kind), symmetric in b, c; ``christoffel[a, b, c]``."""
        gamma = self._christoffel
        n = self.dim
        elements = {(a, b, c): gamma[a][b][c] for a in range(n) for b in range(n) for c in range(n)}
        return Tensor._from_elements(self.chart, elements, "udd", "\\Gamma", [(1, 2, 1)])

    @cached_property
    def _riemann(self) -> dict:
        gamma = self._christoffel
        n = self.dim
        derivative = {}

        def d_gamma(c, a, d, b):
            key = (c, a, d, b)
            if key not in derivative:
                derivative[key] = gamma[a][d][b].diff(c)
            return derivative[key]

        riemann = {}
        for a in range(n):
            for b in range(n):
                for c in range(n):
                    for d in range(c + 1, n):
                        value = d_gamma(c, a, d, b) - d_gamma(d, a, c, b)
                        for e in range(n):
                            if gamma[a][c][e] and gamma[e][d][b]:
                                value = value + gamma[a][c][e] * gamma[e][d][b]
                            if gamma[a][d][e] and gamma[e][c][b]:
                                value = value - gamma[a][d][e] * gamma[e][c][b]
                        if value:
                            riemann[a, b, c, d] = value
                            riemann[a, b, d, c] = -value
        logger.debug("Riemann tensor of %s: %d non-zero components", self.name, len(riemann))
        return riemann

    @cached_property
    def riemann(self) -> Tensor:
        """:math:`R^a{}_{bcd}`, antisymmetric in c, d; ``riemann[a, b, c, d]``."""
        return Tensor._from_elements(self.chart, self._riemann, "uddd", "R", [(2, 3, -1)])

    @cached_property
    def riemann_lowered(self) -> Tensor:
        """:math:`R_{abcd} = g_{ae}R^e{}_{bcd}` (antisymmetric in a, b and in c, d)."""
        lowered = self.lower(self.riemann, 0, "R")
        lowered.symmetries = ((0, 1, -1), (2, 3, -1))
        return lowered

    @cached_property
    def ricci(self) -> Tensor:
        """Ricci tensor :math:`R_{bd} = R^a{}_{bad}`, symmetric."""
        n = self.dim
        riemann = self._riemann
        elements = {}
        zero = self.chart.field.zero
        for b in range(n):
            for d in range(b, n):
                value = zero
                for a in range(n):
                    term = riemann.get((a, b, a, d))
                    if term is not None:
                        value = value + term
                elements[b, d] = value
                elements[d, b] = value
        return Tensor._from_elements(self.chart, elements, "dd", "R", [(0, 1, 1)])

    @cached_property
    def ricci_scalar_element(self) -> FieldElement:
        """The scalar curvature :math:`R = g^{bd}R_{bd}` as an exact scalar."""
        inverse = self.inverse_components
        total = self.chart.field.zero
        for (b, d), value in self.ricci.items():
            if inverse[b][d]:
                total = total + inverse[b][d] * value
        return total

    @property
    def ricci_scalar(self) -> sympy.Expr:
        """The scalar curvature :math:`R = g^{bd}R_{bd}` (unit 2-sphere: +2)."""
        return self.ricci_scalar_element.expr

    @cached_property
    def einstein(self) -> Tensor:
        """Einstein tensor :math:`G_{ab} = R_{ab} - \\tfrac12 R g_{ab}`."""
        half_scalar = self.ricci_scalar_element * sympy.Rational(1, 2)
        result = self.ricci - self.tensor * half_scalar
        result.name = "G"
        result.symmetries = ((0, 1, 1),)
        return result

    @cached_property
    def weyl(self) -> Tensor:
        """Weyl tensor :math:`C_{abcd}` (all indices down); zero for n <= 3 and conformally flat metrics."""
        n = self.dim
        if n < 3:
            raise ValueError(f"the Weyl tensor is defined for dimension >= 3; metric {self.name} "
                             f"has dimension {n}")
        g = self._g
        ricci = self.ricci
        r_lowered = self.riemann_lowered
        scalar = self.ricci_scalar_element
        a1 = self.chart.field.constant(sympy.Rational(1, n - 2))
        a2 = scalar * sympy.Rational(1, (n - 1) * (n - 2))
        elements = {}
        for a in range(n):
            for b in range(a + 1, n):
                for c in range(n):
                    for d in range(c + 1, n):
                        value = r_lowered.component(a, b, c, d)
                        trace = (g[a][c] * ricci.component(b, d) - g[a][d] * ricci.component(b, c)
                                 - g[b][c] * ricci.component(a, d) + g[b][d] * ricci.component(a, c))
                        value = value - a1 * trace + a2 * (g[a][c] * g[b][d] - g[a][d] * g[b][c])
                        if value:
                            for key, sign in (((a, b, c, d), 1), ((b, a, c, d), -1),
                                              ((a, b, d, c), -1), ((b, a, d, c), 1)):
                                elements[key] = value if sign > 0 else -value
        return Tensor._from_elements(self.chart, elements, "dddd", "C",
                                     [(0, 1, -1), (2, 3, -1)])

    @cached_property
    def _riemann_mixed(self) -> dict:
        """:math:`R^{ab}{}_{cd} = g^{bf}R^a{}_{fcd}` for a < b and c < d (the curvature operator)."""
        inverse = self.inverse_components
        n = self.dim
        zero = self.chart.field.zero
        mixed = {}
        for (a, f, c, d), value in self._riemann.items():
            if c >= d:
                continue
            for b in range(a + 1, n):
                if inverse[b][f]:
                    mixed[a, b, c, d] = mixed.get((a, b, c, d), zero) + inverse[b][f] * value
        return {key: value for key, value in mixed.items() if value}

    @cached_property
    def kretschmann_element(self) -> FieldElement:
        """:math:`R_{abcd}R^{abcd} = R^{ab}{}_{cd}R^{cd}{}_{ab}` as an exact scalar.

        Summed over the pairs a < b, c < d of the curvature operator, which needs
        one raised index instead of three.
        """
        mixed = self._riemann_mixed
        total = self.chart.field.zero
        for (a, b, c, d), value in mixed.items():
            other = mixed.get((c, d, a, b))
            if other is not None:
                total = total + value * other
        return total * 4

    @property
    def kretschmann(self) -> sympy.Expr:
        """The Kretschmann scalar :math:`R_{abcd}R^{abcd}`."""
        return self.kretschmann_element.expr

    # ------------------------------------------------------------------ display

    def __repr__(self):
        return f"Metric({self.name}, chart={self.chart.name}, ds2={self.line_element})"

    def _repr_latex_(self):
        return f"$ds^2 = {sympy.latex(self.line_element)}$"


def _gauss_jordan(matrix, field):
    """Inverse and determinant of a square matrix of field elements (exact, with pivoting)."""
    n = len(matrix)
    work = [list(row) + [field.one if i == j else field.zero for j in range(n)]
            for i, row in enumerate(matrix)]
    det = field.one
    for column in range(n):
        pivot = next((r for r in range(column, n) if work[r][column]), None)
        if pivot is None:
            return None, field.zero
        if pivot != column:
            work[column], work[pivot] = work[pivot], work[column]
            det = -det
        pivot_value = work[column][column]
        det = det * pivot_value
        inverse_pivot = 1 / pivot_value
        work[column] = [value * inverse_pivot if value else value for value in work[column]]
        for row in range(n):
            if row != column and work[row][column]:
                factor = work[row][column]
                work[row] = [value - factor * pivot_entry if pivot_entry else value
                             for value, pivot_entry in zip(work[row], work[column])]
    return [row[n:] for row in work], det
