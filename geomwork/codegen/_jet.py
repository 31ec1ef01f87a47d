r"""Jet kernels: the Yang–Mills energy density from field values and first derivatives.

A jet kernel takes the gauge field :math:`A^a_\mu` and its first derivatives
:math:`\partial_\nu A^a_\mu` at each point, so it works with any way of
computing the derivatives.  :class:`GridYangMillsAction` feeds it central
finite differences on a periodic grid; autograd then gives the gradient of the
discretised action.

Conventions (those of :mod:`geomwork.symbolic`):

* structure constants ``f[a, b, c]`` with :math:`[T_a, T_b] = f_{ab}{}^c T_c`;
  for su(2) with :math:`T_a = -\tfrac{i}{2}\sigma_a` they are
  :math:`\epsilon_{abc}`;
* :math:`F^c_{\mu\nu} = \partial_\mu A^c_\nu - \partial_\nu A^c_\mu
  + f_{ab}{}^c A^a_\mu A^b_\nu`, the components of
  :math:`F_{\mu\nu} = \partial_\mu A_\nu - \partial_\nu A_\mu + [A_\mu, A_\nu]`;
* energy density :math:`\tfrac14 F^a_{\mu\nu} F^a_{\mu\nu}` summed over all
  :math:`a, \mu, \nu` in flat Euclidean space, which equals
  :math:`\tfrac14\langle F_{\mu\nu}, F_{\mu\nu}\rangle` when the generators are
  orthonormal for the invariant inner product (true for su(N) with
  :math:`\langle X, Y\rangle = -2\operatorname{tr}(XY)`).
"""

from __future__ import annotations

import itertools

import sympy
import torch

from ._kernel import Kernel


def su2_structure_constants() -> sympy.ImmutableDenseNDimArray:
    r"""Return :math:`f_{ab}{}^c = \epsilon_{abc}`, the structure constants of su(2).

    With :math:`T_a = -\tfrac{i}{2}\sigma_a`, :math:`[T_a, T_b] = \epsilon_{abc} T_c`.
    """
    return sympy.ImmutableDenseNDimArray(
        [[[sympy.LeviCivita(a, b, c) for c in range(3)] for b in range(3)] for a in range(3)]
    )


def as_structure_constants(value) -> sympy.ImmutableDenseNDimArray:
    """Return structure constants as a checked ``(n, n, n)`` sympy array.

    Parameters
    ----------
    value : LieAlgebra, sympy array or nested sequence
        A :class:`geomwork.symbolic.LieAlgebra` (its ``structure_constants``
        are used as they are) or ``f[a][b][c]`` with
        :math:`[T_a, T_b] = f_{ab}{}^c T_c`, which is checked for antisymmetry
        and the Jacobi identity.

    Raises
    ------
    geomwork.symbolic.LieAlgebraError
        When the constants are not antisymmetric or violate Jacobi.
    """
    from ..symbolic import LieAlgebra

    if isinstance(value, LieAlgebra):
        return sympy.ImmutableDenseNDimArray(value.structure_constants)
    algebra = LieAlgebra("structure constants", structure_constants=value)
    return sympy.ImmutableDenseNDimArray(algebra.structure_constants)


def jet_symbols(generators: int, dimension: int):
    r"""Return symbol arrays ``A[a, mu]`` and ``dA[nu, a, mu]``.

    ``A[a, mu]`` stands for :math:`A^a_\mu` and ``dA[nu, a, mu]`` for
    :math:`\partial_\nu A^a_\mu`, index order as written.
    """
    field = sympy.Array(
        [[sympy.Symbol(f"A_{a}_{mu}", real=True) for mu in range(dimension)]
         for a in range(generators)]
    )
    derivative = sympy.Array(
        [[[sympy.Symbol(f"dA_{nu}_{a}_{mu}", real=True) for mu in range(dimension)]
          for a in range(generators)] for nu in range(dimension)]
    )
    return field, derivative


def field_strength_expression(field, derivative, structure_constants) -> sympy.Array:
    r"""Return ``F[a, mu, nu]`` :math:`= F^a_{\mu\nu}` from a connection's jet.

    Parameters
    ----------
    field : sympy array, shape (n, d)
        :math:`A^a_\mu`, symbols or expressions.
    derivative : sympy array, shape (d, n, d)
        :math:`\partial_\nu A^a_\mu` at index ``[nu, a, mu]``.
    structure_constants : sympy array, shape (n, n, n)
        ``f[a, b, c]`` with :math:`[T_a, T_b] = f_{ab}{}^c T_c`.

    Returns
    -------
    sympy.Array, shape (n, d, d)
        :math:`F^c_{\mu\nu} = \partial_\mu A^c_\nu - \partial_\nu A^c_\mu
        + f_{ab}{}^c A^a_\mu A^b_\nu`, antisymmetric in :math:`\mu\nu`.
    """
    generators, dimension = field.shape
    components = [[[0] * dimension for _ in range(dimension)] for _ in range(generators)]
    for c, mu, nu in itertools.product(range(generators), range(dimension), range(dimension)):
        value = derivative[mu, c, nu] - derivative[nu, c, mu]
        for a, b in itertools.product(range(generators), repeat=2):
            if structure_constants[a, b, c] != 0:
                value += structure_constants[a, b, c] * field[a, mu] * field[b, nu]
        components[c][mu][nu] = value
    return sympy.Array(components)


def yang_mills_density_expression(field, derivative, structure_constants) -> sympy.Expr:
    r"""Return the energy density :math:`\tfrac14 F^a_{\mu\nu}F^a_{\mu\nu}` as one expression.

    Arguments as in :func:`field_strength_expression`.  The sum runs over all
    :math:`\mu, \nu` (each unordered pair twice).
    """
    strength = field_strength_expression(field, derivative, structure_constants)
    generators, dimension = field.shape
    total = sympy.Integer(0)
    for a in range(generators):
        for mu, nu in itertools.combinations(range(dimension), 2):
            total += strength[a, mu, nu] ** 2
    # Each unordered pair appears twice in the full sum, so 1/4 * 2 = 1/2.
    return total / 2


def yang_mills_jet_kernel(structure_constants=None, dimension: int = 4, **options) -> Kernel:
    r"""Build the kernel of the Yang–Mills energy density on jets.

    Parameters
    ----------
    structure_constants : optional
        Anything :func:`as_structure_constants` takes; default su(2).
    dimension : int
        Spacetime dimension d.
    **options
        Passed to :class:`Kernel` (``cache_dir``, ``compile``, ...).

    Returns
    -------
    Kernel
        ``kernel(A, dA)`` with ``A`` of shape ``(..., n, d)`` holding
        :math:`A^a_\mu` and ``dA`` of shape ``(..., d, n, d)`` holding
        :math:`\partial_\nu A^a_\mu` at ``[..., nu, a, mu]``; returns the density
        of shape ``(...)``.
    """
    if not isinstance(dimension, int) or dimension < 2:
        raise ValueError(f"dimension must be an integer >= 2; got {dimension!r}")
    constants = (
        su2_structure_constants() if structure_constants is None
        else as_structure_constants(structure_constants)
    )
    field, derivative = jet_symbols(constants.shape[0], dimension)
    density = yang_mills_density_expression(field, derivative, constants)
    options.setdefault("name", "yang_mills_density")
    return Kernel(density, inputs={"A": field, "dA": derivative}, **options)


def central_difference(values: torch.Tensor, axis: int, spacing: float) -> torch.Tensor:
    r"""Return the periodic central difference :math:`(f(x+h) - f(x-h)) / 2h` along ``axis``.

    The error is :math:`\tfrac{h^2}{6} f'''(x) + O(h^4)` for smooth periodic
    :math:`f`.
    """
    forward = torch.roll(values, shifts=-1, dims=axis)
    backward = torch.roll(values, shifts=1, dims=axis)
    return (forward - backward) / (2 * spacing)


class GridYangMillsAction:
    r"""Discretised Yang–Mills action of a gauge field on a periodic grid.

    The field has shape ``(N_1, ..., N_d, n, d)``: grid axes first, then
    :math:`A^a_\mu` at ``[..., a, mu]``.  Derivatives are central differences
    (second order), the integral is the periodic rectangle rule, so

    .. math:: S_h = \sum_x \tfrac14 F^a_{\mu\nu}(x) F^a_{\mu\nu}(x) \prod_\mu h_\mu

    converges to :math:`\tfrac14\int F^a_{\mu\nu}F^a_{\mu\nu}\,d^dx` at second
    order in :math:`h` for a smooth periodic field (coupling :math:`g = 1`).
    Gradients with respect to the field come from autograd.

    Parameters
    ----------
    spacing : float or sequence of float
        Grid spacing :math:`h_\mu` per direction.
    structure_constants : optional
        As in :func:`yang_mills_jet_kernel`; default su(2).
    dimension : int
        Number of grid directions d.
    **options
        Passed to :class:`Kernel`.
    """

    def __init__(self, spacing, structure_constants=None, dimension: int = 4, **options):
        self.dimension = dimension
        spacings = [spacing] * dimension if isinstance(spacing, (int, float)) else list(spacing)
        if len(spacings) != dimension or any(h <= 0 for h in spacings):
            raise ValueError(
                f"spacing must be one positive number or {dimension} of them; got {spacing!r}"
            )
        self.spacing = tuple(float(h) for h in spacings)
        self.kernel = yang_mills_jet_kernel(structure_constants, dimension, **options)
        self.generators = self.kernel.plan.inputs["A"][0]

    def derivatives(self, field: torch.Tensor) -> torch.Tensor:
        r"""Return :math:`\partial_\nu A^a_\mu` of shape ``(N_1, ..., N_d, d, n, d)``."""
        self._check_field(field)
        return torch.stack(
            [central_difference(field, nu, h) for nu, h in enumerate(self.spacing)], dim=-3
        )

    def density(self, field: torch.Tensor) -> torch.Tensor:
        """Return the energy density at every grid point, shape ``(N_1, ..., N_d)``."""
        return self.kernel(field, self.derivatives(field))

    def __call__(self, field: torch.Tensor) -> torch.Tensor:
        """Return the discretised action, a 0-d tensor."""
        volume_element = 1.0
        for h in self.spacing:
            volume_element *= h
        return self.density(field).sum() * volume_element

    def _check_field(self, field: torch.Tensor) -> None:
        expected = (self.generators, self.dimension)
        if field.dim() != self.dimension + 2 or tuple(field.shape[-2:]) != expected:
            raise ValueError(
                f"gauge field must have shape (N_1, ..., N_{self.dimension}, "
                f"{self.generators}, {self.dimension}); got {tuple(field.shape)}"
            )
