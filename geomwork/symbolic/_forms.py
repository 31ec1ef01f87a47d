"""Differential forms on a chart: wedge, d, Hodge star, codifferential, pullback, integration.

Conventions
-----------
* A k-form is stored as its components on strictly increasing index tuples,
  :math:`\\alpha = \\sum_{i_1 < \\dots < i_k} \\alpha_{i_1 \\dots i_k}\\,
  dx^{i_1} \\wedge \\dots \\wedge dx^{i_k}`, with the determinant convention:
  :math:`dx^1 \\wedge dx^2` evaluates to 1 on :math:`(e_1, e_2)` and no
  :math:`1/k!` factors appear anywhere.
* The coordinate order of the chart is the orientation.
* The inner product of forms is :math:`\\langle dx^I, dx^K \\rangle = \\det(g^{i_a k_b})`,
  the Hodge star is defined by :math:`\\alpha \\wedge \\star\\beta = \\langle \\alpha, \\beta
  \\rangle \\mathrm{vol}_g` with :math:`\\mathrm{vol}_g = \\sqrt{|\\det g|}\\, dx^1 \\wedge
  \\dots \\wedge dx^n`, so :math:`\\star\\star = (-1)^{k(n-k)} \\operatorname{sign}\\det g`
  on k-forms.
* The codifferential is the formal adjoint of d,
  :math:`\\int \\langle d\\alpha, \\beta \\rangle \\mathrm{vol}_g
  = \\int \\langle \\alpha, \\delta\\beta \\rangle \\mathrm{vol}_g`, which gives
  :math:`\\delta = (-1)^{n(k+1)+1} \\operatorname{sign}\\det g \\, \\star d \\star` on k-forms.

Components are exact scalars of the chart's differential field, so an identity
such as :math:`d^2 = 0` comes out with every component exactly zero.
"""

from __future__ import annotations

import itertools
import logging
from fractions import Fraction
from typing import Iterable, Mapping

import sympy

from ._chart import Chart
from ._field import FieldElement
from ._metric import Metric
from ._tensor import Tensor

logger = logging.getLogger("geomwork.symbolic.forms")

__all__ = [
    "ChartMap",
    "DifferentialForm",
    "FormError",
    "coordinate_forms",
    "inner_product",
    "scalar_form",
    "volume_form",
    "wedge",
]


class FormError(ValueError):
    """A differential form was built or combined with invalid input."""


# ---------------------------------------------------------------------- index tuples


def _sort_with_sign(indices: tuple) -> tuple[tuple, int]:
    """Sort an index tuple and return it with the sign of the sorting permutation.

    The sign is 0 when an index repeats, because then the wedge product vanishes.
    """
    if len(set(indices)) != len(indices):
        return tuple(sorted(indices)), 0
    inversions = sum(1 for a, b in itertools.combinations(indices, 2) if a > b)
    return tuple(sorted(indices)), -1 if inversions % 2 else 1


def _concatenation_sign(first: tuple, second: tuple) -> int:
    """Sign of the permutation that sorts ``first + second`` (disjoint sorted tuples)."""
    inversions = sum(1 for a in first for b in second if a > b)
    return -1 if inversions % 2 else 1


def _complement(indices: tuple, dim: int) -> tuple:
    return tuple(i for i in range(dim) if i not in indices)


def _minor(matrix, rows: tuple, columns: tuple, zero):
    """Compute the determinant of ``matrix[rows][columns]`` by Laplace expansion along the first row."""
    if not rows:
        return zero + 1
    if len(rows) == 1:
        return matrix[rows[0]][columns[0]]
    total = zero
    for position, column in enumerate(columns):
        entry = matrix[rows[0]][column]
        if not entry:
            continue
        rest = _minor(matrix, rows[1:], columns[:position] + columns[position + 1:], zero)
        if not rest:
            continue
        term = entry * rest
        total = total - term if position % 2 else total + term
    return total


def _is_diagonal(matrix) -> bool:
    size = len(matrix)
    return all(not matrix[i][j] for i in range(size) for j in range(size) if i != j)


# ---------------------------------------------------------------------- the form class


class DifferentialForm:
    """A differential k-form on a chart, stored as its non-zero components.

    Parameters
    ----------
    chart : Chart
        The chart whose coordinate differentials :math:`dx^i` span the forms.
    degree : int
        The degree k, between 0 and ``chart.dim``.
    components : mapping, optional
        ``{(i_1, ..., i_k): value}`` with values that convert to exact scalars
        (numbers, sympy expressions, :class:`FieldElement`).  An index is a
        position in the chart (0-based), a coordinate symbol or its name; an int
        alone is read as a 1-tuple.  The mapping is read as the sum
        :math:`\\sum c_I\\, dx^{i_1} \\wedge \\dots \\wedge dx^{i_k}`, so an unsorted
        tuple is normalised with the sign of its sorting permutation, a tuple
        with a repeated index contributes zero, and entries that normalise to
        the same tuple add up.  Missing entries are zero.
    name : str, optional
        Label used in messages and LaTeX.

    Raises
    ------
    FormError
        When the degree is not an integer between 0 and ``chart.dim``, or an
        index tuple has the wrong length or an index outside the chart.

    Notes
    -----
    The space of k-forms is zero for k < 0 and k > n.  Some operations land
    there: d of an n-form, a wedge product beyond n, the interior product or
    the codifferential of a 0-form.  They return the zero form of that degree,
    so that identities such as the graded Leibniz rule hold degree by degree.
    Such forms take part in sums and wedge products, but the Hodge star and
    integration reject them.

    Examples
    --------
    >>> chart = Chart("x y z")
    >>> dx, dy, dz = coordinate_forms(chart)
    >>> (dy ^ dx) == -(dx ^ dy)
    True
    >>> DifferentialForm(chart, 2, {(1, 0): 1}) == -(dx ^ dy)
    True
    """

    __hash__ = None
    # Above sympy's Matrix (10.01), so that ``Matrix * form`` reaches ``__rmul__``.
    _op_priority = 20.0

    def __init__(self, chart: Chart, degree: int, components: Mapping | None = None,
                 name: str = "omega"):
        if not isinstance(chart, Chart):
            raise FormError(f"differential form {name}: chart must be a Chart, got "
                            f"{type(chart).__name__}; build one with Chart('x y z')")
        if isinstance(degree, bool) or not isinstance(degree, int) or not 0 <= degree <= chart.dim:
            raise FormError(
                f"differential form {name}: degree {degree!r} is invalid on chart {chart.name} "
                f"of dimension {chart.dim}; give an integer degree between 0 and {chart.dim}"
            )
        if components is not None and not isinstance(components, Mapping):
            raise FormError(
                f"differential form {name}: components must be a mapping "
                f"{{index tuple: value}}, got {type(components).__name__} {components!r}; "
                "write e.g. {(0, 1): x} for x dx^0 ∧ dx^1"
            )
        self.chart = chart
        self.degree = degree
        self.name = name
        self._components: dict[tuple, FieldElement] = {}
        for key, value in (components or {}).items():
            indices, sign = _sort_with_sign(self._parse_key(key))
            value = chart.scalar(value)
            if sign and value:
                self._accumulate(indices, value if sign > 0 else -value)

    def _parse_key(self, key) -> tuple:
        key = (key,) if not isinstance(key, (tuple, list)) else tuple(key)
        if len(key) != self.degree:
            raise FormError(
                f"differential form {self.name} of degree {self.degree}: component index {key} "
                f"has {len(key)} entries; give {self.degree} coordinate indices per component"
            )
        parsed = []
        for entry in key:
            if isinstance(entry, int) and not isinstance(entry, bool):
                index = entry
            else:
                try:
                    index = self.chart.index(entry)
                except ValueError:
                    index = None
            if index is None or not 0 <= index < self.chart.dim:
                raise FormError(
                    f"differential form {self.name}: component index {key} does not fit chart "
                    f"{self.chart.name} of dimension {self.chart.dim}; indices run from 0 to "
                    f"{self.chart.dim - 1} or name one of the coordinates {self.chart.coordinates}"
                )
            parsed.append(index)
        return tuple(parsed)

    def _accumulate(self, indices: tuple, value: FieldElement) -> None:
        previous = self._components.get(indices)
        total = value if previous is None else previous + value
        if total:
            self._components[indices] = total
        else:
            self._components.pop(indices, None)

    @classmethod
    def _from_elements(cls, chart: Chart, degree: int, elements: Mapping,
                       name: str = "omega") -> "DifferentialForm":
        """Build a form from sorted index tuples and exact scalars, without checks."""
        form = cls.__new__(cls)
        form.chart = chart
        form.degree = degree
        form.name = name
        form._components = {key: value for key, value in elements.items() if value}
        return form

    @classmethod
    def zero(cls, chart: Chart, degree: int, name: str = "0") -> "DifferentialForm":
        """Build the zero k-form on a chart."""
        return cls(chart, degree, {}, name=name)

    # ------------------------------------------------------------------ access

    @property
    def dim(self) -> int:
        """The dimension n of the chart."""
        return self.chart.dim

    @property
    def is_zero(self) -> bool:
        """True when every component is exactly zero."""
        return not self._components

    def items(self):
        """(sorted index tuple, exact component) pairs of the non-zero components."""
        return self._components.items()

    def component(self, *indices) -> FieldElement:
        """Look up the exact component at an index tuple.

        An unsorted tuple gets the sign of its sorting permutation, so
        ``component(1, 0) == -component(0, 1)``.
        """
        if len(indices) == 1 and isinstance(indices[0], (tuple, list)):
            indices = tuple(indices[0])
        key, sign = _sort_with_sign(self._parse_key(indices))
        value = self._components.get(key)
        if value is None or not sign:
            return self.chart.field.zero
        return value if sign > 0 else -value

    def __getitem__(self, indices) -> sympy.Expr:
        if not isinstance(indices, tuple):
            indices = (indices,)
        return self.component(indices).expr

    def nonzero(self, factor: bool = False) -> dict:
        """Non-zero components as ``{sorted index tuple: sympy expression}``."""
        return {key: (value.factor() if factor else value.expr)
                for key, value in sorted(self._components.items())}

    # ------------------------------------------------------------------ checks

    def _check_same_chart(self, other: "DifferentialForm", verb: str) -> None:
        if not isinstance(other, DifferentialForm):
            raise TypeError(f"cannot {verb} form {self.name} and {type(other).__name__} "
                            f"{other!r}; convert it with scalar_form or build a DifferentialForm")
        if other.chart is not self.chart:
            raise FormError(
                f"cannot {verb} form {self.name} on chart {self.chart.name} and form "
                f"{other.name} on chart {other.chart.name}; pull one back to the other's "
                "chart with a ChartMap first"
            )

    def _check_in_range(self, operation: str) -> None:
        if not 0 <= self.degree <= self.dim:
            raise FormError(
                f"{operation} of form {self.name}: degree {self.degree} is outside 0..{self.dim} "
                f"on chart {self.chart.name}, where the only form is zero"
            )

    def _check_metric(self, metric: Metric, operation: str) -> None:
        if not isinstance(metric, Metric):
            raise TypeError(f"{operation} of form {self.name} needs a Metric, got "
                            f"{type(metric).__name__}")
        if metric.chart is not self.chart:
            raise FormError(
                f"{operation} of form {self.name}: metric {metric.name} lives on chart "
                f"{metric.chart.name} but the form on chart {self.chart.name}; use a metric "
                "built on the form's chart"
            )

    # ------------------------------------------------------------------ linear structure

    def __add__(self, other):
        if isinstance(other, int) and other == 0:
            return self
        self._check_same_chart(other, "add")
        if other.degree != self.degree:
            raise FormError(
                f"cannot add form {self.name} of degree {self.degree} and form {other.name} of "
                f"degree {other.degree}; a sum of differential forms needs a single degree"
            )
        result = DifferentialForm._from_elements(self.chart, self.degree, self._components,
                                                 name=f"{self.name} + {other.name}")
        for key, value in other.items():
            result._accumulate(key, value)
        return result

    __radd__ = __add__

    def __neg__(self):
        return DifferentialForm._from_elements(
            self.chart, self.degree, {key: -value for key, value in self.items()},
            name=f"-{self.name}")

    def __sub__(self, other):
        if isinstance(other, int) and other == 0:
            return self
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        if isinstance(other, sympy.MatrixBase):
            from ._matrix_forms import MatrixForm

            return MatrixForm.from_matrix(other, self)
        if getattr(other, "_is_matrix_form", False):
            return NotImplemented
        if isinstance(other, DifferentialForm):
            if self.degree == 0 or other.degree == 0:
                return self.wedge(other)
            raise TypeError(
                f"cannot multiply form {self.name} of degree {self.degree} and form {other.name} "
                f"of degree {other.degree} with '*'; use the wedge product alpha ^ beta"
            )
        scalar = self._scalar(other)
        if not scalar:
            return DifferentialForm._from_elements(self.chart, self.degree, {}, name="0")
        return DifferentialForm._from_elements(
            self.chart, self.degree, {key: value * scalar for key, value in self.items()},
            name=self.name)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self * (1 / self._scalar(other))

    def _scalar(self, value) -> FieldElement:
        if isinstance(value, (int, Fraction, FieldElement, sympy.Basic)):
            return self.chart.scalar(value)
        raise TypeError(f"cannot multiply form {self.name} by {type(value).__name__} {value!r}; "
                        "multiply by a number, a sympy expression or an exact scalar")

    def __eq__(self, other):
        if isinstance(other, int) and other == 0:
            return self.is_zero
        if not isinstance(other, DifferentialForm):
            return NotImplemented
        if other.chart is not self.chart or other.degree != self.degree:
            return False
        return (self - other).is_zero

    # ------------------------------------------------------------------ exterior algebra

    def wedge(self, other: "DifferentialForm") -> "DifferentialForm":
        """Compute the wedge product :math:`\\alpha \\wedge \\beta`, a (p+q)-form.

        With the determinant convention, :math:`(\\alpha\\wedge\\beta)_K = \\sum
        \\epsilon(I, J)\\,\\alpha_I \\beta_J` over the sorted I, J with
        :math:`I \\cup J = K`, where :math:`\\epsilon(I, J)` is the sign of the
        permutation that sorts the concatenation.  Graded commutativity
        :math:`\\alpha\\wedge\\beta = (-1)^{pq}\\beta\\wedge\\alpha` holds.  The
        operator ``^`` calls this method; Python binds ``^`` more loosely than
        ``+`` and ``*``, so write ``(a ^ b) + c`` with brackets.
        """
        self._check_same_chart(other, "wedge")
        result = DifferentialForm._from_elements(self.chart, self.degree + other.degree, {},
                                                 name=f"{self.name}∧{other.name}")
        for left, a in self.items():
            for right, b in other.items():
                if set(left) & set(right):
                    continue
                key = tuple(sorted(left + right))
                product = a * b
                sign = _concatenation_sign(left, right)
                result._accumulate(key, product if sign > 0 else -product)
        return result

    def __xor__(self, other):
        if not isinstance(other, DifferentialForm):
            return NotImplemented
        return self.wedge(other)

    def d(self) -> "DifferentialForm":
        """Take the exterior derivative, a (k+1)-form, so that :math:`d \\circ d = 0`.

        :math:`d\\alpha = \\sum_I \\sum_j \\partial_j \\alpha_I\\, dx^j \\wedge dx^I`,
        and the graded Leibniz rule :math:`d(\\alpha\\wedge\\beta) = d\\alpha\\wedge\\beta
        + (-1)^k \\alpha\\wedge d\\beta` holds for a k-form :math:`\\alpha`.
        """
        result = DifferentialForm._from_elements(self.chart, self.degree + 1, {},
                                                 name=f"d{self.name}")
        for key, value in self.items():
            for j in range(self.dim):
                if j in key:
                    continue
                derivative = value.diff(j)
                if not derivative:
                    continue
                position = sum(1 for i in key if i < j)
                new_key = tuple(sorted(key + (j,)))
                result._accumulate(new_key, -derivative if position % 2 else derivative)
        return result

    def interior(self, vector) -> "DifferentialForm":
        """Contract with a vector field: the interior product :math:`\\iota_X \\alpha`, a (k-1)-form.

        :math:`(\\iota_X\\alpha)(v_2, \\dots, v_k) = \\alpha(X, v_2, \\dots, v_k)`, so
        :math:`\\iota_X dx^I = \\sum_p (-1)^{p} X^{i_p} dx^{I \\setminus i_p}` with p
        counted from 0.  It is an antiderivation:
        :math:`\\iota_X(\\alpha\\wedge\\beta) = \\iota_X\\alpha\\wedge\\beta
        + (-1)^k\\alpha\\wedge\\iota_X\\beta`.

        Parameters
        ----------
        vector : sequence or Tensor
            The components :math:`X^i` (n expressions), or a :class:`Tensor`
            with positions ``"u"`` on the form's chart.
        """
        components = _vector_components(self.chart, vector, f"interior product with {self.name}")
        result = DifferentialForm._from_elements(self.chart, self.degree - 1, {},
                                                 name=f"ι_X{self.name}")
        for key, value in self.items():
            for position, index in enumerate(key):
                if not components[index]:
                    continue
                term = components[index] * value
                result._accumulate(key[:position] + key[position + 1:],
                                   -term if position % 2 else term)
        return result

    def lie_derivative(self, vector) -> "DifferentialForm":
        """Compute the Lie derivative by Cartan's formula :math:`L_X = d\\,\\iota_X + \\iota_X d`."""
        return self.interior(vector).d() + self.d().interior(vector)

    # ------------------------------------------------------------------ metric operations

    def hodge(self, metric: Metric) -> "DifferentialForm":
        """Apply the Hodge star :math:`\\star\\alpha`, an (n-k)-form, for a metric of any signature.

        Defined by :math:`\\alpha \\wedge \\star\\beta = \\langle \\alpha, \\beta\\rangle
        \\mathrm{vol}_g`, which gives :math:`(\\star\\beta)_{I^c} = \\sqrt{|\\det g|}\\,
        \\epsilon(I, I^c)\\, \\beta^I` with the raised components
        :math:`\\beta^I = \\sum_K \\det(g^{i_a k_b}) \\beta_K` and :math:`I^c` the
        sorted complement of I.  On k-forms
        :math:`\\star\\star = (-1)^{k(n-k)} \\operatorname{sign}\\det g`.  In Euclidean
        :math:`\\mathbb{R}^3`, :math:`\\star dx = dy\\wedge dz`; in Minkowski space
        (-, +, +, +), :math:`\\star(dt\\wedge dx) = -dy\\wedge dz`.
        """
        self._check_metric(metric, "Hodge star")
        self._check_in_range("Hodge star")
        volume_factor = metric.volume_factor
        elements = {}
        for key, raised in _raise_indices(self, metric).items():
            complement = _complement(key, self.dim)
            value = raised * volume_factor
            elements[complement] = value if _concatenation_sign(key, complement) > 0 else -value
        return DifferentialForm._from_elements(self.chart, self.dim - self.degree, elements,
                                               name=f"⋆{self.name}")

    def hodge_inverse(self, metric: Metric) -> "DifferentialForm":
        """Apply the inverse Hodge star.

        On k-forms :math:`\\star^{-1} = (-1)^{k(n-k)}\\operatorname{sign}\\det g\\,\\star`.
        """
        self._check_metric(metric, "inverse Hodge star")
        self._check_in_range("inverse Hodge star")
        sign = metric.det_sign * (-1) ** (self.degree * (self.dim - self.degree))
        return self.hodge(metric) * sign

    def codifferential(self, metric: Metric) -> "DifferentialForm":
        """Apply the codifferential :math:`\\delta`, the formal adjoint of d, giving a (k-1)-form.

        Integrating :math:`d(\\alpha\\wedge\\star\\beta)` over a closed manifold gives
        :math:`\\int\\langle d\\alpha,\\beta\\rangle\\mathrm{vol}_g =
        \\int\\langle\\alpha,\\delta\\beta\\rangle\\mathrm{vol}_g` for
        :math:`\\delta\\beta = (-1)^k \\star^{-1} d \\star\\beta
        = (-1)^{n(k+1)+1}\\operatorname{sign}\\det g\\,\\star d\\star\\beta` on k-forms.
        The codifferential of a 0-form, or of a (zero) form of degree outside
        0..n, is the zero form of one degree less.
        """
        self._check_metric(metric, "codifferential")
        if not 1 <= self.degree <= self.dim:
            return DifferentialForm._from_elements(self.chart, self.degree - 1, {},
                                                   name=f"δ{self.name}")
        sign = metric.det_sign * (-1) ** (self.dim * (self.degree + 1) + 1)
        result = self.hodge(metric).d().hodge(metric) * sign
        result.name = f"δ{self.name}"
        return result

    def laplacian(self, metric: Metric) -> "DifferentialForm":
        """Apply the Laplace–de Rham operator :math:`\\Delta = d\\delta + \\delta d`.

        On functions in Euclidean space :math:`\\Delta f = -\\sum_i \\partial_i^2 f`,
        the sign that makes :math:`\\Delta` non-negative for a Riemannian metric.  On the unit 2-sphere
        :math:`\\Delta\\cos\\theta = 2\\cos\\theta`.
        """
        self._check_metric(metric, "Laplace-de Rham operator")
        result = self.codifferential(metric).d() + self.d().codifferential(metric)
        result.name = f"Δ{self.name}"
        return result

    def inner(self, other: "DifferentialForm", metric: Metric) -> FieldElement:
        """Compute the pointwise inner product with another k-form (see :func:`inner_product`)."""
        return inner_product(self, other, metric)

    # ------------------------------------------------------------------ integration

    def integrate(self, bounds: Mapping | None = None, separable_only: bool = False) -> sympy.Expr:
        """Integrate a top-degree form over a coordinate box, exactly with sympy.

        :math:`\\int f\\, dx^1\\wedge\\dots\\wedge dx^n = \\int f\\, dx^1\\cdots dx^n`,
        the chart's coordinate order being the orientation.

        Parameters
        ----------
        bounds : mapping, optional
            ``{coordinate or name: (low, high)}``; coordinates missing here take
            the chart's ``ranges``.

        Raises
        ------
        FormError
            When the form is not of degree n, or a coordinate has no bounds.
        """
        if self.degree != self.dim:
            raise FormError(
                f"cannot integrate form {self.name} of degree {self.degree} over a box of "
                f"dimension {self.dim}; only top-degree ({self.dim}-)forms integrate over a "
                "coordinate box (take the Hodge star or wedge with other forms first)"
            )
        limits = self._integration_limits(bounds or {})
        # NOTE: sympy.integrate can run for minutes on rational functions of sin and cos
        # (such as 1/(2 + sin x)); polynomial and trigonometric-polynomial integrands are fast.
        component = self.component(tuple(range(self.dim)))
        logger.debug("integrating %s over %s", self.name, limits)
        separated = _separate_variables(component.factor(), [limit[0] for limit in limits])
        if separated is None:
            if separable_only:
                raise FormError(
                    f"the integrand of {self.name} is not a product of one-variable factors, so "
                    "it has no fast exact integral; call integrate() without separable_only to "
                    "let sympy try (it may run for a long time), or integrate numerically"
                )
            return sympy.integrate(component.expr, *limits)
        # a product of one-variable factors integrates factor by factor, which is much faster
        total = separated.pop(None, sympy.Integer(1))
        for limit in limits:
            factor = separated.get(limit[0])
            total *= sympy.integrate(1 if factor is None else factor, limit)
        return total

    def _integration_limits(self, bounds: Mapping) -> list[tuple]:
        box = dict(self.chart.ranges)
        for key, interval in bounds.items():
            if isinstance(key, int) and not isinstance(key, bool):
                key = self.chart.coordinates[key]
            low, high = (sympy.sympify(b) for b in interval)
            box[self.chart.coordinates[self.chart.index(key)]] = (low, high)
        missing = [c for c in self.chart.coordinates if c not in box]
        if missing:
            names = ", ".join(str(c) for c in missing)
            raise FormError(
                f"cannot integrate form {self.name}: no bounds for coordinate(s) {names} of "
                f"chart {self.chart.name}; pass bounds={{{missing[0]}: (low, high), ...}} or "
                "give the chart ranges"
            )
        return [(c,) + tuple(box[c]) for c in self.chart.coordinates]

    # ------------------------------------------------------------------ display

    def _terms(self, latex: bool) -> list[str]:
        terms = []
        for key, value in sorted(self._components.items()):
            coefficient = value.expr
            if latex:
                differentials = " \\wedge ".join(
                    f"d{sympy.latex(self.chart.coordinates[i])}" for i in key)
                text = sympy.latex(coefficient)
            else:
                differentials = "∧".join(f"d{self.chart.coordinates[i]}" for i in key)
                text = str(coefficient)
            if coefficient.is_Add:
                text = f"\\left({text}\\right)" if latex else f"({text})"
            if not key:
                terms.append(text)
            elif coefficient == 1:
                terms.append(differentials)
            elif coefficient == -1:
                terms.append("-" + differentials)
            else:
                terms.append(f"{text}\\, {differentials}" if latex else f"{text}*{differentials}")
        return terms

    def __str__(self):
        return _join_terms(self._terms(latex=False))

    def __repr__(self):
        return (f"DifferentialForm({self.name}, degree {self.degree} on chart {self.chart.name}: "
                f"{self})")

    def _repr_latex_(self):
        return f"$\\displaystyle {_join_terms(self._terms(latex=True))}$"


# ---------------------------------------------------------------------- helpers


def _separate_variables(expr: sympy.Expr, variables) -> dict | None:
    """Split a product into one factor per variable (key None for constants), or return None."""
    factors: dict = {}
    for factor in sympy.Mul.make_args(expr):
        present = [v for v in variables if factor.has(v)]
        if len(present) > 1:
            return None
        key = present[0] if present else None
        factors[key] = factors.get(key, sympy.Integer(1)) * factor
    return factors


def _join_terms(terms: list[str]) -> str:
    if not terms:
        return "0"
    text = terms[0]
    for term in terms[1:]:
        text += f" - {term[1:].lstrip()}" if term.startswith("-") else f" + {term}"
    return text


def _vector_components(chart: Chart, vector, context: str) -> list[FieldElement]:
    """Exact components :math:`X^i` of a vector field given as a sequence or an upper-index Tensor."""
    if isinstance(vector, Tensor):
        if vector.positions != "u" or vector.chart is not chart:
            raise FormError(
                f"{context}: the vector field must be a Tensor with positions 'u' on chart "
                f"{chart.name}, got positions {vector.positions!r} on chart {vector.chart.name}; "
                "raise the index with the metric or rebuild it on this chart"
            )
        return [vector.component(i) for i in range(chart.dim)]
    if isinstance(vector, (str, bytes)) or not isinstance(vector, Iterable):
        raise FormError(f"{context}: the vector field must be a sequence of {chart.dim} "
                        f"components or a Tensor with positions 'u', got {vector!r}")
    components = list(vector)
    if len(components) != chart.dim:
        raise FormError(
            f"{context}: the vector field has {len(components)} components but chart "
            f"{chart.name} has dimension {chart.dim}; give one component per coordinate "
            f"{chart.coordinates}"
        )
    return [chart.scalar(value) for value in components]


def _raise_indices(form: DifferentialForm, metric: Metric) -> dict:
    """Raised components :math:`\\beta^I = \\sum_K \\det(g^{i_a k_b})\\beta_K` on sorted I."""
    inverse = metric.inverse_components
    zero = form.chart.field.zero
    if _is_diagonal(inverse):
        raised = {}
        for key, value in form.items():
            for index in key:
                value = value * inverse[index][index]
            raised[key] = value
        return raised

    raised: dict[tuple, FieldElement] = {}
    for target in itertools.combinations(range(form.dim), form.degree):
        total = zero
        for key, value in form.items():
            minor = _minor(inverse, target, key, zero)
            if minor:
                total = total + minor * value
        if total:
            raised[target] = total
    return raised


def inner_product(alpha: DifferentialForm, beta: DifferentialForm, metric: Metric) -> FieldElement:
    """Compute the pointwise inner product of two k-forms, an exact scalar.

    :math:`\\langle\\alpha,\\beta\\rangle = \\sum_{I, K}\\alpha_I \\det(g^{i_a k_b})\\beta_K`
    over sorted index tuples (the determinant convention), so that
    :math:`\\alpha\\wedge\\star\\beta = \\langle\\alpha,\\beta\\rangle\\mathrm{vol}_g`.
    """
    alpha._check_same_chart(beta, "take the inner product of")
    alpha._check_metric(metric, "inner product")
    if alpha.degree != beta.degree:
        raise FormError(
            f"inner product of form {alpha.name} of degree {alpha.degree} and form {beta.name} "
            f"of degree {beta.degree}: forms of different degrees are orthogonal; pass two "
            "forms of one degree"
        )
    total = alpha.chart.field.zero
    for key, value in _raise_indices(beta, metric).items():
        component = alpha._components.get(key)
        if component is not None:
            total = total + component * value
    return total


def wedge(*forms: DifferentialForm) -> DifferentialForm:
    """Wedge one or more forms together, left to right (the wedge product is associative)."""
    if not forms:
        raise FormError("wedge() needs at least one differential form, got none")
    result = forms[0]
    for form in forms[1:]:
        result = result.wedge(form)
    return result


def coordinate_forms(chart: Chart) -> tuple[DifferentialForm, ...]:
    """Build the coordinate 1-forms :math:`dx^1, \\dots, dx^n` of a chart, in coordinate order."""
    return tuple(DifferentialForm(chart, 1, {(i,): 1}, name=f"d{coordinate}")
                 for i, coordinate in enumerate(chart.coordinates))


def scalar_form(chart: Chart, value, name: str = "f") -> DifferentialForm:
    """Build a 0-form (function) on a chart from a number, sympy expression or exact scalar."""
    return DifferentialForm(chart, 0, {(): value}, name=name)


def volume_form(metric: Metric) -> DifferentialForm:
    """Build the volume form :math:`\\mathrm{vol}_g = \\sqrt{|\\det g|}\\,dx^1\\wedge\\dots\\wedge dx^n`.

    It equals the Hodge star of the constant 0-form 1.
    """
    chart = metric.chart
    return DifferentialForm._from_elements(chart, chart.dim,
                                           {tuple(range(chart.dim)): metric.volume_factor},
                                           name=f"vol_{metric.name}")


# ---------------------------------------------------------------------- maps between charts


class ChartMap:
    """A smooth map :math:`\\phi` from a source chart to a target chart, and its pullback.

    Parameters
    ----------
    source, target : Chart
    expressions : sequence
        The target coordinates :math:`y^a = \\phi^a(x)` as expressions in the
        source coordinates, one per target coordinate, in the target's order.
    name : str, optional
        Label used in messages.

    Notes
    -----
    The Jacobian is :math:`J^a{}_i = \\partial y^a / \\partial x^i`, shape
    ``(target.dim, source.dim)``.  The pullback of a k-form is
    :math:`(\\phi^*\\alpha)_K = \\sum_I (\\alpha_I\\circ\\phi)\\det(J^{i_a}{}_{k_b})`;
    it commutes with d and with the wedge product.

    Examples
    --------
    >>> polar = Chart("r phi")
    >>> plane = Chart("x y")
    >>> r, phi = polar.coordinates
    >>> to_plane = ChartMap(polar, plane, [r * sympy.cos(phi), r * sympy.sin(phi)])
    >>> dx, dy = coordinate_forms(plane)
    >>> to_plane.pullback(dx ^ dy).nonzero()
    {(0, 1): r}
    """

    def __init__(self, source: Chart, target: Chart, expressions, name: str = "phi"):
        for role, chart in (("source", source), ("target", target)):
            if not isinstance(chart, Chart):
                raise FormError(f"chart map {name}: the {role} must be a Chart, got "
                                f"{type(chart).__name__}")
        expressions = list(expressions)
        if len(expressions) != target.dim:
            raise FormError(
                f"chart map {name}: got {len(expressions)} expressions but target chart "
                f"{target.name} has {target.dim} coordinates {target.coordinates}; give one "
                "expression in the source coordinates per target coordinate"
            )
        expressions = tuple(sympy.sympify(e) for e in expressions)
        foreign = set().union(*(e.free_symbols for e in expressions)) & (
            set(target.coordinates) - set(source.coordinates))
        if foreign:
            names = ", ".join(sorted(str(symbol) for symbol in foreign))
            raise FormError(
                f"chart map {name}: the expressions contain {names}, coordinate(s) of the target "
                f"chart {target.name} but not of the source chart {source.name}; write them "
                f"in the source coordinates {source.coordinates}"
            )
        self.source = source
        self.target = target
        self.name = name
        self.expressions = expressions
        self._images = [source.scalar(e) for e in self.expressions]
        self._substitution = dict(zip(target.coordinates, self.expressions))

    @property
    def jacobian_components(self) -> list[list[FieldElement]]:
        """:math:`J^a{}_i = \\partial y^a/\\partial x^i` as exact scalars, ``[a][i]``."""
        if not hasattr(self, "_jacobian"):
            self._jacobian = [[image.diff(i) for i in range(self.source.dim)]
                              for image in self._images]
        return self._jacobian

    @property
    def jacobian(self) -> sympy.Matrix:
        """The Jacobian matrix :math:`\\partial y^a/\\partial x^i`, shape (target.dim, source.dim)."""
        rows = self.jacobian_components
        return sympy.Matrix(self.target.dim, self.source.dim, lambda a, i: rows[a][i].expr)

    def pull_scalar(self, value: FieldElement) -> FieldElement:
        """Compose a scalar on the target chart with the map: :math:`f\\circ\\phi` on the source chart."""
        return self.source.scalar(value.expr.xreplace(self._substitution))

    def pullback(self, form: DifferentialForm) -> DifferentialForm:
        """Pull back a form on the target chart to the source chart, :math:`\\phi^*\\alpha`."""
        if not isinstance(form, DifferentialForm) or form.chart is not self.target:
            chart = getattr(getattr(form, "chart", None), "name", type(form).__name__)
            raise FormError(
                f"chart map {self.name} pulls back forms on chart {self.target.name}, got "
                f"{getattr(form, 'name', form)!r} on {chart}; pass a DifferentialForm on the "
                "target chart"
            )
        jacobian = self.jacobian_components
        zero = self.source.field.zero
        result = DifferentialForm._from_elements(self.source, form.degree, {},
                                                 name=f"{self.name}*{form.name}")
        for key, value in form.items():
            pulled = self.pull_scalar(value)
            for target_key in itertools.combinations(range(self.source.dim), form.degree):
                minor = _minor(jacobian, key, target_key, zero)
                if minor:
                    result._accumulate(target_key, pulled * minor)
        return result

    __call__ = pullback

    def __repr__(self):
        return (f"ChartMap({self.name}: {self.source.name} -> {self.target.name}, "
                f"{list(self.expressions)})")
