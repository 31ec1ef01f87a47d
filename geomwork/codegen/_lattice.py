r"""Lattice kernels: SU(2) and SU(3) link arithmetic generated as real arithmetic.

Two real representations of group elements, both generated from symbolic
matrices and both differentiable:

* SU(2) in quaternion form, shape ``(..., 4)``: :math:`(a_0, a_1, a_2, a_3)`
  stands for :math:`U = a_0 + i\,a_k\sigma_k`, that is
  ``[[a0 + i a3, a2 + i a1], [-a2 + i a1, a0 - i a3]]``.  Sums of such matrices
  keep this form, so staple sums stay quaternions (of any norm).
* SU(3) as ``(..., 3, 3, 2)``, the real and imaginary parts of each entry,
  which is :func:`torch.view_as_real` of the complex matrix.

Staples follow Lüscher's plaquette
:math:`P_{\mu\nu}(x) = U_\mu(x)U_\nu(x+\hat\mu)U_\mu(x+\hat\nu)^\dagger U_\nu(x)^\dagger`:
the staple of :math:`U_\mu(x)` is

.. math::

    S_\mu(x) = \sum_{\nu\neq\mu} U_\nu(x+\hat\mu)U_\mu(x+\hat\nu)^\dagger U_\nu(x)^\dagger
             + U_\nu(x+\hat\mu-\hat\nu)^\dagger U_\mu(x-\hat\nu)^\dagger U_\nu(x-\hat\nu),

so that :math:`\sum_{\nu\neq\mu}\operatorname{tr}(P_{\mu\nu}(x) + P_{\mu\nu}(x-\hat\nu)^{\dagger}) = \operatorname{tr}(U_\mu(x) S_\mu(x))`.
"""

from __future__ import annotations

import functools
import itertools

import sympy
import torch

from ._kernel import Kernel

GROUPS = ("SU(2)", "SU(3)")


# Symbolic matrices ---------------------------------------------------------


class _ComplexMatrix:
    """A symbolic complex matrix kept as its real and imaginary parts.

    Products multiply the parts without expanding them, so a triple product
    stays a product of sums and common-subexpression elimination finds the
    inner product again.
    """

    def __init__(self, real: sympy.Matrix, imaginary: sympy.Matrix):
        self.real = real
        self.imaginary = imaginary

    def __mul__(self, other: "_ComplexMatrix") -> "_ComplexMatrix":
        return _ComplexMatrix(
            self.real * other.real - self.imaginary * other.imaginary,
            self.real * other.imaginary + self.imaginary * other.real,
        )

    @property
    def H(self) -> "_ComplexMatrix":
        """The conjugate transpose."""
        return _ComplexMatrix(self.real.T, -self.imaginary.T)


def _su2_symbols(name: str) -> sympy.Array:
    return sympy.Array([sympy.Symbol(f"{name}{k}", real=True) for k in range(4)])


def _su2_matrix(q) -> _ComplexMatrix:
    real = sympy.Matrix([[q[0], q[2]], [-q[2], q[0]]])
    imaginary = sympy.Matrix([[q[3], q[1]], [q[1], -q[3]]])
    return _ComplexMatrix(real, imaginary)


def _su2_components(matrix: _ComplexMatrix) -> sympy.Array:
    return sympy.Array([matrix.real[0, 0], matrix.imaginary[0, 1], matrix.real[0, 1],
                        matrix.imaginary[0, 0]])


def _su3_symbols(name: str) -> sympy.Array:
    return sympy.Array([[[sympy.Symbol(f"{name}{r}{c}{part}", real=True) for part in "ri"]
                         for c in range(3)] for r in range(3)])


def _su3_matrix(u) -> _ComplexMatrix:
    return _ComplexMatrix(sympy.Matrix(3, 3, lambda r, c: u[r, c, 0]),
                          sympy.Matrix(3, 3, lambda r, c: u[r, c, 1]))


def _su3_components(matrix: _ComplexMatrix) -> sympy.Array:
    return sympy.Array([[[matrix.real[r, c], matrix.imaginary[r, c]] for c in range(3)]
                        for r in range(3)])


_REPRESENTATIONS = {
    "SU(2)": (_su2_symbols, _su2_matrix, _su2_components),
    "SU(3)": (_su3_symbols, _su3_matrix, _su3_components),
}


def _dagger(matrix):
    return matrix.H


# Products named by the daggers on their factors.
_PRODUCTS = {
    "product": lambda u, v: u * v,
    "product_dagger": lambda u, v: u * _dagger(v),
    "dagger_product": lambda u, v: _dagger(u) * v,
    "staple_forward": lambda u, v, w: u * _dagger(v) * _dagger(w),
    "staple_backward": lambda u, v, w: _dagger(u) * _dagger(v) * w,
}


def product_expression(group: str, operation: str):
    """Return the real components of a link product and the input symbol arrays.

    Parameters
    ----------
    group : {"SU(2)", "SU(3)"}
    operation : str
        A key of the product table: ``"product"`` (UV), ``"product_dagger"``
        (UV†), ``"dagger_product"`` (U†V), ``"staple_forward"`` (UV†W†) or
        ``"staple_backward"`` (U†V†W).
    """
    symbols_of, matrix_of, components_of = _REPRESENTATIONS[_check_group(group)]
    build = _PRODUCTS[operation]
    arity = build.__code__.co_argcount
    arrays = [symbols_of(name) for name in "UVW"[:arity]]
    matrix = build(*[matrix_of(array) for array in arrays])
    return components_of(matrix), arrays


def _su2_projection(q):
    norm = sympy.sqrt(sum(component**2 for component in q))
    return sympy.Array([component / norm for component in q])


def _su3_projection(u):
    """Gram–Schmidt on the rows: normalise row 0, orthogonalise and normalise row 1,
    then row 2 is the complex conjugate of the cross product of rows 0 and 1."""
    rows = [[(u[r, c, 0], u[r, c, 1]) for c in range(3)] for r in range(3)]

    def norm(row):
        return sympy.sqrt(sum(re**2 + im**2 for re, im in row))

    first_norm = norm(rows[0])
    first = [(re / first_norm, im / first_norm) for re, im in rows[0]]
    # <first, row1> = sum conj(first_k) * row1_k
    dot_re = sum(fr * sr + fi * si for (fr, fi), (sr, si) in zip(first, rows[1]))
    dot_im = sum(fr * si - fi * sr for (fr, fi), (sr, si) in zip(first, rows[1]))
    second = [(sr - (dot_re * fr - dot_im * fi), si - (dot_re * fi + dot_im * fr))
              for (fr, fi), (sr, si) in zip(first, rows[1])]
    second_norm = norm(second)
    second = [(re / second_norm, im / second_norm) for re, im in second]

    def times(a, b):
        return (a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0])

    third = []
    for k in range(3):
        i, j = (k + 1) % 3, (k + 2) % 3
        left, right = times(first[i], second[j]), times(first[j], second[i])
        third.append((left[0] - right[0], -(left[1] - right[1])))
    return sympy.Array([[list(entry) for entry in row] for row in (first, second, third)])


def projection_expression(group: str):
    """Return the components of the projection onto the group and the input symbols.

    SU(2): :math:`q / |q|`, the nearest SU(2) element to a sum of SU(2)
    matrices.  SU(3): Gram–Schmidt reunitarisation of the rows (exact on SU(3)
    elements, defined for any matrix with independent first two rows).
    """
    symbols_of, _, _ = _REPRESENTATIONS[_check_group(group)]
    array = symbols_of("U")
    if group == "SU(2)":
        return _su2_projection(array), array
    return _su3_projection(array), array


def real_trace_expression(group: str):
    r"""Return :math:`\operatorname{Re}\operatorname{tr} U` and the input symbols."""
    symbols_of, matrix_of, _ = _REPRESENTATIONS[_check_group(group)]
    array = symbols_of("U")
    return matrix_of(array).real.trace(), array


def _check_group(group: str) -> str:
    if group not in GROUPS:
        raise ValueError(f"lattice kernels exist for {', '.join(GROUPS)}; got {group!r}")
    return group


# Kernels -------------------------------------------------------------------


class LatticeKernels:
    """Generated link kernels of one gauge group, in its real representation.

    Parameters
    ----------
    group : {"SU(2)", "SU(3)"}
    **options
        Passed to every :class:`Kernel` (``cache_dir``, ``compile``, ...).

    Attributes
    ----------
    shape : tuple of int
        Trailing shape of one link: ``(4,)`` for SU(2), ``(3, 3, 2)`` for SU(3).

    Notes
    -----
    Eager kernels launch one torch operation per term, so on CPU they are
    slower than batched complex matmul.  With ``compile=True`` the SU(2) and
    SU(3) products were faster than complex matmul in most runs of
    ``benchmarks/codegen.py`` (one CPU thread, torch 2.13), but the SU(3)
    product was slower in one run on a heavily loaded machine.

    Examples
    --------
    >>> kernels = LatticeKernels("SU(2)", use_cache=False)
    >>> one = torch.tensor([1.0, 0.0, 0.0, 0.0], dtype=torch.float64)
    >>> kernels.product(one, one)
    tensor([1., 0., 0., 0.], dtype=torch.float64)
    """

    def __init__(self, group: str, **options):
        self.group = _check_group(group)
        self.shape = (4,) if group == "SU(2)" else (3, 3, 2)
        tag = "su2" if group == "SU(2)" else "su3"
        self._kernels = {}
        for operation in _PRODUCTS:
            components, arrays = product_expression(group, operation)
            inputs = dict(zip("UVW", arrays))
            self._kernels[operation] = Kernel(components, inputs=inputs,
                                              name=f"{tag}_{operation}", **options)
        components, array = projection_expression(group)
        self._kernels["project"] = Kernel(components, inputs={"U": array},
                                          name=f"{tag}_project", **options)
        trace, array = real_trace_expression(group)
        self._kernels["real_trace"] = Kernel(trace, inputs={"U": array},
                                             name=f"{tag}_real_trace", **options)

    def kernel(self, operation: str) -> Kernel:
        """Return the generated kernel of one operation, for its plan and source."""
        return self._kernels[operation]

    def product(self, u, v):
        """Return :math:`UV`."""
        return self._kernels["product"](u, v)

    def product_dagger(self, u, v):
        r"""Return :math:`UV^\dagger`."""
        return self._kernels["product_dagger"](u, v)

    def dagger_product(self, u, v):
        r"""Return :math:`U^\dagger V`."""
        return self._kernels["dagger_product"](u, v)

    def staple_forward(self, u, v, w):
        r"""Return :math:`UV^\dagger W^\dagger`."""
        return self._kernels["staple_forward"](u, v, w)

    def staple_backward(self, u, v, w):
        r"""Return :math:`U^\dagger V^\dagger W`."""
        return self._kernels["staple_backward"](u, v, w)

    def project(self, u):
        """Return the projection onto the group (see :func:`projection_expression`)."""
        return self._kernels["project"](u)

    def real_trace(self, u):
        r"""Return :math:`\operatorname{Re}\operatorname{tr} U`, shape ``(...)``."""
        return self._kernels["real_trace"](u)

    def staple_sum(self, links: torch.Tensor, mu: int) -> torch.Tensor:
        r"""Return the staple sum :math:`S_\mu(x)` at every site of a periodic lattice.

        Parameters
        ----------
        links : torch.Tensor, shape ``(L_0, ..., L_{d-1}, d, *shape)``
            :math:`U_\mu(x)` at ``[x_0, ..., x_{d-1}, mu]``.
        mu : int
            Direction of the links whose staples are summed.

        Returns
        -------
        torch.Tensor, shape ``(L_0, ..., L_{d-1}, *shape)``
        """
        dimension = links.dim() - 1 - len(self.shape)
        trailing = tuple(links.shape[links.dim() - len(self.shape):])
        if dimension < 1 or trailing != self.shape or links.shape[dimension] != dimension:
            raise ValueError(
                f"links must have shape (L_0, ..., L_(d-1), d, {', '.join(map(str, self.shape))}) "
                f"for {self.group}; got {tuple(links.shape)}"
            )
        if not 0 <= mu < dimension:
            raise ValueError(f"direction mu must be in 0..{dimension - 1}; got {mu}")

        def shift(field, direction, steps):
            # field(x + steps * direction) on the periodic lattice
            return torch.roll(field, shifts=-steps, dims=direction)

        link_mu = links[..., mu, *[slice(None)] * len(self.shape)]
        total = torch.zeros_like(link_mu)
        for nu in range(dimension):
            if nu == mu:
                continue
            link_nu = links[..., nu, *[slice(None)] * len(self.shape)]
            total = total + self.staple_forward(
                shift(link_nu, mu, 1), shift(link_mu, nu, 1), link_nu
            )
            below_nu = shift(link_nu, nu, -1)
            total = total + self.staple_backward(
                shift(below_nu, mu, 1), shift(link_mu, nu, -1), below_nu
            )
        return total


@functools.lru_cache(maxsize=None)
def lattice_kernels(group: str) -> LatticeKernels:
    """Return the shared :class:`LatticeKernels` of ``group`` with default options."""
    return LatticeKernels(group)


def to_matrix(group: str, links: torch.Tensor) -> torch.Tensor:
    """Return complex matrices ``(..., N, N)`` from the real representation of ``group``."""
    if _check_group(group) == "SU(3)":
        return torch.view_as_complex(links.contiguous())
    a0, a1, a2, a3 = links.unbind(-1)
    return torch.stack([
        torch.stack([torch.complex(a0, a3), torch.complex(a2, a1)], -1),
        torch.stack([torch.complex(-a2, a1), torch.complex(a0, -a3)], -1),
    ], -2)


def from_matrix(group: str, matrices: torch.Tensor) -> torch.Tensor:
    """Return the real representation of complex matrices ``(..., N, N)``.

    For SU(2) the quaternion is read from the first row, because the first row
    determines a matrix of the form :math:`a_0 + i a_k\\sigma_k`.  Other 2×2
    matrices have no quaternion form, and their second row is dropped.
    """
    if _check_group(group) == "SU(3)":
        return torch.view_as_real(matrices).clone()
    first, second = matrices[..., 0, 0], matrices[..., 0, 1]
    return torch.stack([first.real, second.imag, second.real, first.imag], -1)


# Every (group, operation) pair has a kernel; listed for parametrised tests.
OPERATIONS = tuple(itertools.chain(_PRODUCTS, ("project", "real_trace")))
