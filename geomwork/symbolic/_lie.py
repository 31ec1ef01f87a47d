"""Matrix Lie algebras with exact structure constants.

Conventions:

* compact (anti-Hermitian) generators; su(2) uses :math:`T_a = -\\tfrac{i}{2}\\sigma_a`
  with :math:`[T_a, T_b] = \\epsilon_{abc} T_c`;
* su(N) uses :math:`T_a = -\\tfrac{i}{2}\\lambda_a` with the generalised Gell-Mann
  matrices, :math:`\\operatorname{tr}\\lambda_a\\lambda_b = 2\\delta_{ab}`;
* structure constants :math:`[T_a, T_b] = f_{ab}{}^c T_c`, stored as ``f[a, b, c]``;
* invariant inner product :math:`\\langle X, Y\\rangle = -2\\operatorname{tr}(XY)` in the
  defining representation, so the su(N) basis above is orthonormal;
* adjoint representation :math:`(\\mathrm{ad}_a)^c{}_b = f_{ab}{}^c`; Killing form
  :math:`K_{ab} = \\operatorname{tr}(\\mathrm{ad}_a\\mathrm{ad}_b)`, which is
  :math:`-N\\delta_{ab}` for su(N) in this basis.
"""

from __future__ import annotations

import itertools
from functools import cached_property
from typing import Sequence

import sympy

__all__ = ["LieAlgebra", "LieAlgebraError", "gell_mann_matrices", "lie_algebra", "so", "su", "u1"]


class LieAlgebraError(ValueError):
    """A basis or a set of structure constants does not define a Lie algebra."""


def _coordinates_solver(basis: Sequence[sympy.Matrix]):
    """A function returning the coordinates of a matrix in the span of ``basis``, or None."""
    vectors = sympy.Matrix.hstack(*[m.reshape(len(m), 1) for m in basis])
    gram = (vectors.H * vectors).applyfunc(sympy.expand)
    gram_inverse = gram.inv() if not gram.is_diagonal() else sympy.diag(
        *[1 / gram[i, i] for i in range(gram.rows)])

    def solve(matrix: sympy.Matrix):
        column = matrix.reshape(len(matrix), 1)
        coefficients = (gram_inverse * (vectors.H * column)).applyfunc(
            lambda v: sympy.radsimp(sympy.expand(v)))
        residual = (column - vectors * coefficients).applyfunc(sympy.expand)
        if any(v != 0 for v in residual):
            return None
        return list(coefficients)

    return solve


class LieAlgebra:
    """A finite-dimensional Lie algebra, from matrices or from structure constants.

    Parameters
    ----------
    name : str
    basis : sequence of sympy.Matrix, optional
        Generators :math:`T_a` of a matrix representation.  Checked for linear
        independence and for closure under the commutator.
    structure_constants : nested sequence, optional
        ``f[a][b][c]`` with :math:`[T_a, T_b] = f_{ab}{}^c T_c`, when no matrices
        are given; checked for antisymmetry and the Jacobi identity.  The
        adjoint representation then serves as the matrices.

    Raises
    ------
    LieAlgebraError
        With the offending generator pair or triple named.

    Examples
    --------
    >>> algebra = su(2)
    >>> algebra.structure_constants[0, 1, 2]
    1
    >>> algebra.bracket(algebra.basis[0], algebra.basis[1]) == algebra.basis[2]
    True
    """

    def __init__(self, name: str, basis: Sequence[sympy.Matrix] | None = None,
                 structure_constants=None):
        if (basis is None) == (structure_constants is None):
            raise LieAlgebraError(f"Lie algebra {name}: give exactly one of basis matrices or "
                                  "structure constants")
        self.name = name
        if basis is not None:
            self.basis = [sympy.ImmutableMatrix(m) for m in basis]
            self._check_basis()
            self.structure_constants = self._constants_from_basis()
        else:
            self.structure_constants = sympy.ImmutableDenseNDimArray(structure_constants)
            self._check_constants()
            self.basis = self.adjoint_matrices
        self._check_jacobi()

    # ------------------------------------------------------------------ checks

    @property
    def dim(self) -> int:
        """The number of generators."""
        if hasattr(self, "basis"):
            return len(self.basis)
        return self.structure_constants.shape[0]

    def _check_basis(self) -> None:
        if not self.basis:
            raise LieAlgebraError(f"Lie algebra {self.name}: the basis is empty")
        shapes = {m.shape for m in self.basis}
        if len(shapes) != 1 or next(iter(shapes))[0] != next(iter(shapes))[1]:
            raise LieAlgebraError(f"Lie algebra {self.name}: generators must be square matrices "
                                  f"of one size, got shapes {sorted(shapes)}")
        vectors = sympy.Matrix.hstack(*[m.reshape(len(m), 1) for m in self.basis])
        if vectors.rank(simplify=True) == len(self.basis):
            return
        for b in range(1, len(self.basis)):
            if vectors[:, :b + 1].rank(simplify=True) <= b:
                raise LieAlgebraError(
                    f"Lie algebra {self.name}: generator T_{b} is a linear combination of "
                    f"T_0..T_{b - 1}; remove it or replace it by an independent matrix"
                )

    def _constants_from_basis(self):
        n = self.dim
        solve = _coordinates_solver(self.basis)
        constants = [[[0] * n for _ in range(n)] for _ in range(n)]
        for a, b in itertools.combinations(range(n), 2):
            coordinates = solve(self.bracket(self.basis[a], self.basis[b]))
            if coordinates is None:
                raise LieAlgebraError(
                    f"Lie algebra {self.name}: the commutator [T_{a}, T_{b}] is not in the span "
                    "of the basis (not closed under the bracket); add the missing generators"
                )
            for c, value in enumerate(coordinates):
                constants[a][b][c] = value
                constants[b][a][c] = -value
        return sympy.ImmutableDenseNDimArray(constants)

    def _check_constants(self) -> None:
        f = self.structure_constants
        if f.rank() != 3 or len(set(f.shape)) != 1:
            raise LieAlgebraError(f"Lie algebra {self.name}: structure constants must be an "
                                  f"n x n x n array, got shape {f.shape}")
        n = f.shape[0]
        flat = f.tolist()
        for a, b, c in itertools.product(range(n), repeat=3):
            if sympy.expand(flat[a][b][c] + flat[b][a][c]) != 0:
                raise LieAlgebraError(
                    f"Lie algebra {self.name}: structure constants are not antisymmetric: "
                    f"f[{a},{b},{c}] = {f[a, b, c]} but f[{b},{a},{c}] = {f[b, a, c]}"
                )

    def _check_jacobi(self) -> None:
        f = self.structure_constants
        n = f.shape[0]
        flat = f.tolist()
        sparse = {(a, b): {c: flat[a][b][c] for c in range(n) if flat[a][b][c] != 0}
                  for a in range(n) for b in range(n)}
        for a, b, c in itertools.combinations(range(n), 3):
            total: dict[int, sympy.Expr] = {}
            for (x, y, z) in ((a, b, c), (b, c, a), (c, a, b)):
                for d, first in sparse[x, y].items():
                    for e, second in sparse[d, z].items():
                        total[e] = total.get(e, 0) + first * second
            for e, value in total.items():
                value = sympy.expand(value)
                if value != 0:
                    raise LieAlgebraError(
                        f"Lie algebra {self.name}: the Jacobi identity fails for generators "
                        f"({a}, {b}, {c}) in component {e}: the sum is {value}"
                    )

    # ------------------------------------------------------------------ structure

    @staticmethod
    def bracket(x: sympy.Matrix, y: sympy.Matrix) -> sympy.Matrix:
        """Return the commutator :math:`[X, Y] = XY - YX`."""
        return sympy.ImmutableMatrix((x * y - y * x).applyfunc(sympy.expand))

    @cached_property
    def adjoint_matrices(self) -> list[sympy.ImmutableMatrix]:
        """:math:`(\\mathrm{ad}_a)^c{}_b = f_{ab}{}^c`, so :math:`\\mathrm{ad}_a(T_b) = [T_a, T_b]`."""
        f = self.structure_constants
        n = f.shape[0]
        return [sympy.ImmutableMatrix(n, n, lambda c, b, a=a: f[a, b, c]) for a in range(n)]

    @cached_property
    def killing_form(self) -> sympy.ImmutableMatrix:
        """:math:`K_{ab} = \\operatorname{tr}(\\mathrm{ad}_a\\,\\mathrm{ad}_b)`."""
        ad = self.adjoint_matrices
        return sympy.ImmutableMatrix(self.dim, self.dim,
                                     lambda a, b: sympy.expand((ad[a] * ad[b]).trace()))

    def inner(self, x: sympy.Matrix, y: sympy.Matrix) -> sympy.Expr:
        """Return the invariant inner product :math:`\\langle X, Y\\rangle = -2\\operatorname{tr}(XY)`."""
        return sympy.expand(-2 * (sympy.Matrix(x) * sympy.Matrix(y)).trace())

    @cached_property
    def metric(self) -> sympy.ImmutableMatrix:
        """:math:`\\langle T_a, T_b\\rangle` on the basis (the identity for su(N))."""
        return sympy.ImmutableMatrix(self.dim, self.dim,
                                     lambda a, b: self.inner(self.basis[a], self.basis[b]))

    def element(self, components: Sequence) -> sympy.Matrix:
        """:math:`X = X^a T_a` from components."""
        if len(components) != self.dim:
            raise ValueError(f"Lie algebra {self.name} has dimension {self.dim}, got "
                             f"{len(components)} components")
        total = sympy.zeros(*self.basis[0].shape)
        for value, generator in zip(components, self.basis):
            total += value * generator
        return total

    def components(self, matrix: sympy.Matrix) -> list:
        """Components :math:`X^a` of a matrix in the span of the basis."""
        coordinates = _coordinates_solver(self.basis)(sympy.Matrix(matrix))
        if coordinates is None:
            raise LieAlgebraError(f"matrix is not in Lie algebra {self.name}: {matrix}")
        return coordinates

    def __repr__(self):
        return f"LieAlgebra({self.name}, dim={self.dim})"

    def _repr_latex_(self):
        return f"$\\mathfrak{{{self.name}}}$, dimension {self.dim}"


def gell_mann_matrices(n: int) -> list[sympy.ImmutableMatrix]:
    """Generalised Gell-Mann matrices :math:`\\lambda_a` of su(n), :math:`\\operatorname{tr}\\lambda_a\\lambda_b = 2\\delta_{ab}`.

    Order: for each pair j < k the symmetric then the antisymmetric matrix
    (for n = 2 these are :math:`\\sigma_1, \\sigma_2`), then the diagonal ones
    (:math:`\\sigma_3` for n = 2).  For n = 2 the list is the Pauli matrices.
    """
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"su(n) needs an integer n >= 2, got {n!r}")
    matrices = []
    for j, k in itertools.combinations(range(n), 2):
        symmetric = sympy.zeros(n)
        symmetric[j, k] = symmetric[k, j] = 1
        antisymmetric = sympy.zeros(n)
        antisymmetric[j, k], antisymmetric[k, j] = -sympy.I, sympy.I
        matrices.extend([symmetric, antisymmetric])
    for m in range(1, n):
        diagonal = sympy.zeros(n)
        scale = sympy.sqrt(sympy.Rational(2, m * (m + 1)))
        for i in range(m):
            diagonal[i, i] = scale
        diagonal[m, m] = -m * scale
        matrices.append(diagonal)
    return [sympy.ImmutableMatrix(m) for m in matrices]


def su(n: int) -> LieAlgebra:
    """su(n) with :math:`T_a = -\\tfrac{i}{2}\\lambda_a` (for n = 2, :math:`[T_a, T_b] = \\epsilon_{abc}T_c`)."""
    return LieAlgebra(f"su({n})", [(-sympy.I / 2 * m).applyfunc(sympy.expand)
                                   for m in gell_mann_matrices(n)])


def so(n: int) -> LieAlgebra:
    """so(n) with generators :math:`L_{jk} = E_{kj} - E_{jk}` for j < k (real antisymmetric).

    For so(3) the order (L_12, L_13, L_23) is rearranged to
    :math:`(L_{23}, -L_{13}, L_{12})` so that :math:`[L_a, L_b] = \\epsilon_{abc}L_c`.
    """
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"so(n) needs an integer n >= 2, got {n!r}")
    generators = []
    for j, k in itertools.combinations(range(n), 2):
        matrix = sympy.zeros(n)
        matrix[k, j], matrix[j, k] = 1, -1
        generators.append(matrix)
    if n == 3:
        generators = [generators[2], -generators[1], generators[0]]
    return LieAlgebra(f"so({n})", generators)


def u1() -> LieAlgebra:
    """u(1) with the single generator :math:`T = -i` (1 x 1), so :math:`e^{\\theta T} = e^{-i\\theta}`."""
    return LieAlgebra("u(1)", [sympy.Matrix([[-sympy.I]])])


def lie_algebra(name: str) -> LieAlgebra:
    """Look up ``"u1"``, ``"suN"`` or ``"soN"`` (e.g. ``"su3"``, ``"so4"``) by name."""
    key = name.lower().replace("(", "").replace(")", "")
    if key == "u1":
        return u1()
    for prefix, build in (("su", su), ("so", so)):
        if key.startswith(prefix) and key[len(prefix):].isdigit():
            return build(int(key[len(prefix):]))
    raise KeyError(f"unknown Lie algebra {name!r}; use u1, suN or soN with N an integer "
                   "(e.g. su2, su3, so4)")
