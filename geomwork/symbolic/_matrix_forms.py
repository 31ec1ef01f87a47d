"""Square matrices of differential forms of one degree, such as Lie-algebra-valued forms.

Conventions
-----------
* A :class:`MatrixForm` of degree p is an N x N matrix whose entries are p-forms
  on one chart.  ``A[i, j]`` is the entry in row i, column j.
* The wedge product is the matrix product with :math:`\\wedge` in place of
  multiplication, :math:`(A\\wedge B)_{ij} = \\sum_k A_{ik}\\wedge B_{kj}`; for
  0-forms it is the ordinary matrix product.
* The graded commutator of a p-form and a q-form is
  :math:`[A, B] = A\\wedge B - (-1)^{pq} B\\wedge A`, so for two 1-forms
  :math:`[A, A] = 2A\\wedge A`, and :math:`\\operatorname{tr}[A, B] = 0`.
* A connection :math:`A = A_\\mu dx^\\mu` has curvature
  :math:`F = dA + A\\wedge A`, i.e. :math:`F_{\\mu\\nu} = \\partial_\\mu A_\\nu -
  \\partial_\\nu A_\\mu + [A_\\mu, A_\\nu]`.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import sympy

from ._chart import Chart
from ._field import FieldElement
from ._forms import DifferentialForm, FormError, coordinate_forms
from ._metric import Metric

__all__ = ["MatrixForm"]


def _is_exact_zero(value) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return value == 0
    return isinstance(value, sympy.Basic) and value == 0


class MatrixForm:
    """A square matrix of p-forms on one chart.

    Parameters
    ----------
    entries : nested sequence
        N rows of N entries.  Each entry is a :class:`DifferentialForm`; an
        exact zero (``0``) stands for the zero form of the common degree.
    name : str, optional
        Label used in messages and LaTeX.

    Raises
    ------
    FormError
        When the matrix is empty or not square, or its entries live on
        different charts or have different degrees.

    Examples
    --------
    >>> chart = Chart("x y")
    >>> dx, dy = coordinate_forms(chart)
    >>> A = MatrixForm([[0, dx], [dy, 0]])
    >>> print((A ^ A)[0, 0])
    dx∧dy
    >>> A.commutator(A) == 2 * (A ^ A)
    True
    """

    __hash__ = None
    # Above sympy's Matrix (10.01) and DifferentialForm, so mixed products reach this class.
    _op_priority = 30.0
    _is_matrix_form = True

    def __init__(self, entries, name: str = "A"):
        rows = [list(row) for row in entries]
        size = len(rows)
        if size == 0 or any(len(row) != size for row in rows):
            shape = f"{size}x{'/'.join(sorted({str(len(row)) for row in rows})) or 0}"
            raise FormError(f"matrix form {name} must be a non-empty square matrix of forms, "
                            f"got shape {shape}; give N rows of N entries")
        forms = [entry for row in rows for entry in row if isinstance(entry, DifferentialForm)]
        if not forms:
            raise FormError(f"matrix form {name} needs at least one DifferentialForm entry to fix "
                            "its chart and degree; use MatrixForm.from_matrix for numbers")
        chart, degree = forms[0].chart, forms[0].degree
        for i, j in itertools.product(range(size), repeat=2):
            rows[i][j] = self._check_entry(rows[i][j], (i, j), chart, degree, name)
        self._entries = rows
        self.chart = chart
        self.degree = degree
        self.name = name

    @staticmethod
    def _check_entry(entry, position, chart, degree, name) -> DifferentialForm:
        if _is_exact_zero(entry):
            return DifferentialForm._from_elements(chart, degree, {}, name="0")
        if not isinstance(entry, DifferentialForm):
            raise FormError(f"matrix form {name}: entry {position} is {entry!r}, not a "
                            "DifferentialForm; wrap functions with scalar_form")
        if entry.chart is not chart:
            raise FormError(
                f"matrix form {name}: entry {position} lives on chart {entry.chart.name} but "
                f"the first form entry lives on chart {chart.name}; build every entry on one chart"
            )
        if entry.degree != degree:
            raise FormError(
                f"matrix form {name}: entry {position} has degree {entry.degree} but the "
                f"first form entry has degree {degree}; a matrix form has a single degree"
            )
        return entry

    @classmethod
    def _from_entries(cls, entries, chart, degree, name) -> "MatrixForm":
        result = cls.__new__(cls)
        result._entries = entries
        result.chart = chart
        result.degree = degree
        result.name = name
        return result

    @classmethod
    def from_matrix(cls, matrix, form: DifferentialForm | None = None, chart: Chart | None = None,
                    name: str = "A") -> "MatrixForm":
        """Build the matrix form :math:`M\\,\\omega` with entries :math:`M_{ij}\\,\\omega`.

        Parameters
        ----------
        matrix : sympy.Matrix or nested sequence
            Square matrix of functions (0-forms) as expressions.
        form : DifferentialForm, optional
            The form multiplying every entry; without it the result is the
            matrix of 0-forms on ``chart``.
        chart : Chart, optional
            Needed when ``form`` is not given.
        """
        matrix = sympy.Matrix(matrix)
        if form is None:
            if chart is None:
                raise FormError(f"matrix form {name}: from_matrix needs a form or a chart; pass "
                                "chart=... for a matrix of 0-forms")
            form = DifferentialForm(chart, 0, {(): 1}, name="1")
        if matrix.rows != matrix.cols:
            raise FormError(f"matrix form {name} must be square, got a {matrix.rows}x"
                            f"{matrix.cols} matrix; give an N x N matrix")
        entries = [[form * matrix[i, j] for j in range(matrix.cols)] for i in range(matrix.rows)]
        return cls._from_entries(entries, form.chart, form.degree, name)

    @classmethod
    def from_components(cls, chart: Chart, components, name: str = "A") -> "MatrixForm":
        """Build the matrix 1-form :math:`A = \\sum_\\mu A_\\mu\\,dx^\\mu` from n matrices :math:`A_\\mu`."""
        components = list(components)
        if len(components) != chart.dim:
            raise FormError(
                f"matrix form {name}: got {len(components)} component matrices but chart "
                f"{chart.name} has dimension {chart.dim}; give one matrix A_mu per coordinate "
                f"{chart.coordinates}"
            )
        terms = [cls.from_matrix(matrix, differential, name=name)
                 for matrix, differential in zip(components, coordinate_forms(chart))]
        sizes = {term.size for term in terms}
        if len(sizes) != 1:
            raise FormError(f"matrix form {name}: the component matrices have sizes "
                            f"{sorted(sizes)}; give matrices of one size N x N")
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        total.name = name
        return total

    @classmethod
    def zero(cls, chart: Chart, size: int, degree: int, name: str = "0") -> "MatrixForm":
        """Build the zero N x N matrix of p-forms."""
        zero = DifferentialForm.zero(chart, degree)
        return cls._from_entries([[zero] * size for _ in range(size)], chart, degree, name)

    @classmethod
    def identity(cls, chart: Chart, size: int) -> "MatrixForm":
        """Build the N x N identity matrix of 0-forms."""
        return cls.from_matrix(sympy.eye(size), chart=chart, name="1")

    # ------------------------------------------------------------------ access

    @property
    def size(self) -> int:
        """The number N of rows (and columns)."""
        return len(self._entries)

    def __getitem__(self, position) -> DifferentialForm:
        i, j = position
        return self._entries[i][j]

    @property
    def entries(self) -> list[list[DifferentialForm]]:
        """The entries as N lists of N forms (do not modify)."""
        return self._entries

    @property
    def is_zero(self) -> bool:
        """True when every entry is the zero form."""
        return all(entry.is_zero for row in self._entries for entry in row)

    def component_matrix(self, *indices) -> sympy.Matrix:
        """Collect the components at one index tuple into a sympy Matrix.

        For a curvature 2-form F, ``component_matrix(mu, nu)`` is :math:`F_{\\mu\\nu}`.
        """
        if len(indices) == 1 and isinstance(indices[0], (tuple, list)):
            indices = tuple(indices[0])
        return sympy.Matrix(self.size, self.size,
                            lambda i, j: self._entries[i][j].component(indices).expr)

    def map(self, function, name: str | None = None) -> "MatrixForm":
        """Apply a function from forms to forms entry by entry (the results must share a degree)."""
        entries = [[function(entry) for entry in row] for row in self._entries]
        return MatrixForm(entries, name=name or self.name)

    # ------------------------------------------------------------------ checks

    def _check_compatible(self, other: "MatrixForm", verb: str) -> None:
        if other.chart is not self.chart:
            raise FormError(
                f"cannot {verb} matrix form {self.name} on chart {self.chart.name} and matrix "
                f"form {other.name} on chart {other.chart.name}; pull one back to the other's "
                "chart first"
            )
        if other.size != self.size:
            raise FormError(
                f"cannot {verb} matrix form {self.name} of size {self.size}x{self.size} and "
                f"{other.name} of size {other.size}x{other.size}; the sizes must agree"
            )

    def _as_matrix_form(self, other, verb: str) -> "MatrixForm":
        if isinstance(other, MatrixForm):
            return other
        if isinstance(other, sympy.MatrixBase):
            return MatrixForm.from_matrix(other, chart=self.chart, name="M")
        raise TypeError(f"cannot {verb} matrix form {self.name} and {type(other).__name__} "
                        f"{other!r}; pass a MatrixForm or a sympy Matrix of functions")

    # ------------------------------------------------------------------ linear structure

    def __add__(self, other):
        if _is_exact_zero(other):
            return self
        other = self._as_matrix_form(other, "add")
        self._check_compatible(other, "add")
        if other.degree != self.degree:
            raise FormError(
                f"cannot add matrix form {self.name} of degree {self.degree} and {other.name} "
                f"of degree {other.degree}; a sum of matrix forms needs a single degree"
            )
        entries = [[a + b for a, b in zip(row, other_row)]
                   for row, other_row in zip(self._entries, other._entries)]
        return MatrixForm._from_entries(entries, self.chart, self.degree,
                                        f"{self.name} + {other.name}")

    __radd__ = __add__

    def __neg__(self):
        entries = [[-entry for entry in row] for row in self._entries]
        return MatrixForm._from_entries(entries, self.chart, self.degree, f"-{self.name}")

    def __sub__(self, other):
        if _is_exact_zero(other):
            return self
        return self + (-self._as_matrix_form(other, "subtract"))

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        if isinstance(other, (MatrixForm, sympy.MatrixBase)):
            return self.wedge(other)
        if isinstance(other, (int, Fraction, FieldElement, sympy.Basic)):
            scalar = self.chart.scalar(other)
            entries = [[entry * scalar for entry in row] for row in self._entries]
            return MatrixForm._from_entries(entries, self.chart, self.degree, self.name)
        return NotImplemented

    def __rmul__(self, other):
        if isinstance(other, sympy.MatrixBase):
            return self._as_matrix_form(other, "multiply").wedge(self)
        return self.__mul__(other)

    def __eq__(self, other):
        if _is_exact_zero(other):
            return self.is_zero
        if not isinstance(other, MatrixForm):
            return NotImplemented
        if other.chart is not self.chart or other.size != self.size or other.degree != self.degree:
            return False
        return (self - other).is_zero

    # ------------------------------------------------------------------ products

    def wedge(self, other) -> "MatrixForm":
        """Compute the matrix wedge product :math:`(A\\wedge B)_{ij} = \\sum_k A_{ik}\\wedge B_{kj}`.

        ``other`` may be a MatrixForm, a sympy Matrix of functions (the matrix
        product with 0-forms) or a single form (:math:`A_{ij}\\wedge\\omega`).  The
        operators ``^``, ``@`` and, with a matrix, ``*`` call this method.
        """
        if isinstance(other, DifferentialForm):
            return self.map(lambda entry: entry.wedge(other), name=f"{self.name}∧{other.name}")
        other = self._as_matrix_form(other, "wedge")
        self._check_compatible(other, "wedge")
        size = self.size
        entries = []
        for i in range(size):
            row = []
            for j in range(size):
                total = DifferentialForm._from_elements(self.chart, self.degree + other.degree, {})
                for k in range(size):
                    left, right = self._entries[i][k], other._entries[k][j]
                    if not left.is_zero and not right.is_zero:
                        total = total + left.wedge(right)
                row.append(total)
            entries.append(row)
        return MatrixForm._from_entries(entries, self.chart, self.degree + other.degree,
                                        f"{self.name}∧{other.name}")

    def __xor__(self, other):
        return self.wedge(other)

    def __rxor__(self, other):
        if isinstance(other, DifferentialForm):
            return self.map(lambda entry: other.wedge(entry), name=f"{other.name}∧{self.name}")
        return self._as_matrix_form(other, "wedge").wedge(self)

    __matmul__ = wedge

    def __rmatmul__(self, other):
        return self._as_matrix_form(other, "multiply").wedge(self)

    def commutator(self, other) -> "MatrixForm":
        """Compute the graded commutator :math:`[A, B] = A\\wedge B - (-1)^{pq} B\\wedge A`."""
        other = self._as_matrix_form(other, "take the commutator of")
        sign = (-1) ** (self.degree * other.degree)
        result = self.wedge(other) - other.wedge(self) * sign
        result.name = f"[{self.name}, {other.name}]"
        return result

    # ------------------------------------------------------------------ calculus

    def d(self) -> "MatrixForm":
        """Take the exterior derivative of every entry.

        The graded Leibniz rule :math:`d(A\\wedge B) = dA\\wedge B + (-1)^p A\\wedge dB` holds.
        """
        entries = [[entry.d() for entry in row] for row in self._entries]
        return MatrixForm._from_entries(entries, self.chart, self.degree + 1, f"d{self.name}")

    def hodge(self, metric: Metric) -> "MatrixForm":
        """Apply the Hodge star to every entry (see :meth:`DifferentialForm.hodge`)."""
        return self.map(lambda entry: entry.hodge(metric), name=f"⋆{self.name}")

    def trace(self) -> DifferentialForm:
        """Sum the diagonal entries into the trace, a p-form.

        The trace of a graded commutator vanishes: :math:`\\operatorname{tr}[A, B] = 0`.
        """
        total = DifferentialForm._from_elements(self.chart, self.degree, {},
                                                name=f"tr {self.name}")
        for i in range(self.size):
            for key, value in self._entries[i][i].items():
                total._accumulate(key, value)
        return total

    # ------------------------------------------------------------------ display

    def __repr__(self):
        rows = "; ".join(", ".join(str(entry) for entry in row) for row in self._entries)
        return (f"MatrixForm({self.name}, {self.size}x{self.size} of degree {self.degree} on chart "
                f"{self.chart.name}: [{rows}])")

    def _repr_latex_(self):
        rows = " \\\\ ".join(
            " & ".join(entry._repr_latex_()[len("$\\displaystyle "):-1] for entry in row)
            for row in self._entries)
        return f"$\\displaystyle \\begin{{pmatrix}} {rows} \\end{{pmatrix}}$"
