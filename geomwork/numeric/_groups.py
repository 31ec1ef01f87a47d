"""Compact matrix Lie groups U(1) and SU(N) in the fundamental representation.

Conventions
-----------
Group elements are complex ``(..., N, N)`` tensors (``N = 1`` for U(1)).  The Lie algebra
is the matrix algebra of anti-Hermitian generators: traceless for su(N), the imaginary
numbers ``i R`` for u(1).  su(2) uses :math:`T_a = -\\tfrac{i}{2}\\sigma_a`, so
:math:`[T_a, T_b] = \\epsilon_{abc} T_c`, and the invariant inner product is
:math:`\\langle X, Y\\rangle = -2\\,\\mathrm{tr}(XY)`.  A Gaussian algebra element
:math:`X = \\sum_a \\xi_a T_a` with :math:`\\xi_a \\sim N(0, 1)` has
:math:`\\langle X, X\\rangle = \\sum_a \\xi_a^2`.

Every random routine takes a ``torch.Generator``; nothing is drawn at import time.
The default dtype is complex128, and complex64 is an option.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch

__all__ = ["GROUPS", "LieGroup", "SU2", "SU3", "SUN", "U1", "get_group", "unitarity_tolerance"]

_DEFAULT_DTYPE = torch.complex128

# Unitarity tolerance ||U U^dagger - 1||_max per dtype: a few hundred ulps, enough for links that
# were multiplied many times (flows, updates) but far below any real violation.
_UNITARITY_TOLERANCE = {torch.complex128: 1e-10, torch.complex64: 1e-4}


def unitarity_tolerance(dtype: torch.dtype) -> float:
    """Return the largest accepted :math:`\\max|UU^\\dagger - 1|` for links of ``dtype``."""
    if dtype not in _UNITARITY_TOLERANCE:
        raise TypeError(f"link dtype {dtype} is not supported; use torch.complex128 or torch.complex64")
    return _UNITARITY_TOLERANCE[dtype]


def _dagger(matrix: torch.Tensor) -> torch.Tensor:
    return matrix.transpose(-2, -1).conj()


def _trace(matrix: torch.Tensor) -> torch.Tensor:
    return matrix.diagonal(dim1=-2, dim2=-1).sum(-1)


def _real_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.empty((), dtype=dtype).real.dtype


def _check_dtype(dtype: torch.dtype) -> None:
    unitarity_tolerance(dtype)


class LieGroup:
    """A compact matrix Lie group acting on ``C^N``.

    Subclasses implement :meth:`exp`, :meth:`project_algebra` and :meth:`reunitarise`; the
    defaults here are the generic SU(N) routines.

    Attributes
    ----------
    name : str
        Registry key, for example ``"su3"``.
    n : int
        Matrix size N.
    dimension : int
        Real dimension of the Lie algebra (``N**2 - 1`` for SU(N), 1 for U(1)).
    """

    name: str
    n: int

    @property
    def dimension(self) -> int:
        return self.n * self.n - 1

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    # Constructors ---------------------------------------------------------------------------

    def identity(self, shape: Sequence[int] = (), *, dtype=_DEFAULT_DTYPE, device=None) -> torch.Tensor:
        """Return unit matrices of shape ``(*shape, N, N)``."""
        _check_dtype(dtype)
        eye = torch.eye(self.n, dtype=dtype, device=device)
        return eye.expand(*shape, self.n, self.n).clone()

    def random(
        self,
        shape: Sequence[int] = (),
        *,
        generator: torch.Generator | None = None,
        dtype=_DEFAULT_DTYPE,
        device=None,
    ) -> torch.Tensor:
        """Draw Haar-distributed elements of shape ``(*shape, N, N)``.

        The QR decomposition of a complex Gaussian matrix, with the phases of ``R``'s
        diagonal moved into ``Q``, is Haar on U(N) (Mezzadri, Notices AMS 54 (2007) 592).
        Dividing by a root of the determinant keeps the law invariant under SU(N), so the
        result is Haar on SU(N).
        """
        _check_dtype(dtype)
        gaussian = self._gaussian((*shape, self.n, self.n), generator, dtype, device)
        q, r = torch.linalg.qr(gaussian)
        diagonal = r.diagonal(dim1=-2, dim2=-1)
        q = q * (diagonal / diagonal.abs()).unsqueeze(-2)
        # QR returns column-major matrices; row-major ones make later matmuls faster.
        return self._divide_determinant_root(q).contiguous()

    def random_algebra(
        self,
        shape: Sequence[int] = (),
        *,
        scale: float = 1.0,
        generator: torch.Generator | None = None,
        dtype=_DEFAULT_DTYPE,
        device=None,
    ) -> torch.Tensor:
        """Draw Gaussian algebra elements :math:`X = \\mathrm{scale}\\sum_a \\xi_a T_a`.

        The components in an orthonormal basis (with respect to
        :math:`\\langle X, Y\\rangle = -2\\,\\mathrm{tr}(XY)`) are independent standard
        normal variables times ``scale``.
        """
        _check_dtype(dtype)
        gaussian = self._gaussian((*shape, self.n, self.n), generator, dtype, device)
        # The anti-Hermitian part of a complex Gaussian with E|z|^2 = 1 has off-diagonal real
        # and imaginary parts of variance 1/4, which is the orthonormal normalisation
        # <X, X> = -2 tr(X^2) = sum_a xi_a^2 after the traceless projection.
        return scale * self.project_algebra(gaussian)

    @staticmethod
    def _gaussian(shape, generator, dtype, device) -> torch.Tensor:
        real_dtype = _real_dtype(dtype)
        parts = torch.randn((*shape, 2), generator=generator, dtype=real_dtype, device=device)
        return torch.complex(parts[..., 0], parts[..., 1]) / math.sqrt(2.0)

    # Algebra --------------------------------------------------------------------------------

    def project_algebra(self, matrix: torch.Tensor) -> torch.Tensor:
        """Return the traceless anti-Hermitian part :math:`\\tfrac12(M - M^\\dagger) - \\tfrac{1}{N}\\mathrm{tr}(\\ldots)`.

        This is the orthogonal projection onto su(N) with respect to :math:`\\mathrm{Re\\,tr}(X^\\dagger Y)`.
        """
        anti = 0.5 * (matrix - _dagger(matrix))
        mean_diagonal = _trace(anti) / self.n
        return anti - mean_diagonal[..., None, None] * torch.eye(self.n, dtype=matrix.dtype, device=matrix.device)

    def exp(self, algebra: torch.Tensor) -> torch.Tensor:
        """Return the matrix exponential of algebra elements of shape ``(..., N, N)``."""
        return torch.linalg.matrix_exp(algebra)

    def inner(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Return :math:`\\langle X, Y\\rangle = -2\\,\\mathrm{Re\\,tr}(XY)` over the last two axes."""
        return -2.0 * (x * y.transpose(-2, -1)).sum((-2, -1)).real

    # Group ----------------------------------------------------------------------------------

    def reunitarise(self, matrix: torch.Tensor) -> torch.Tensor:
        """Project ``matrix`` onto the group, for links that drifted by round-off.

        The unitary factor of the polar decomposition ``M = W P`` (``W = U V^\\dagger`` from the
        SVD) is the nearest unitary matrix in the Frobenius norm. Dividing it by a root of its
        determinant gives determinant 1.  For a matrix already close to
        SU(N) this is the nearest element to first order, not exactly.
        """
        u, _, vh = torch.linalg.svd(matrix)
        return self._divide_determinant_root(u @ vh)

    def _divide_determinant_root(self, unitary: torch.Tensor) -> torch.Tensor:
        phase = torch.angle(torch.linalg.det(unitary)) / self.n
        return unitary * torch.polar(torch.ones_like(phase), -phase)[..., None, None]

    def check(self, elements: torch.Tensor, name: str = "elements") -> None:
        """Raise ValueError unless ``elements`` are finite group elements within tolerance.

        The tolerance on :math:`\\max|UU^\\dagger - 1|` and :math:`|\\det U - 1|` comes from
        :func:`unitarity_tolerance` for the dtype.
        """
        if elements.shape[-2:] != (self.n, self.n):
            raise ValueError(
                f"{name} has matrix shape {tuple(elements.shape[-2:])}; {self} needs ({self.n}, {self.n})"
            )
        if not torch.isfinite(torch.view_as_real(elements)).all():
            count = int((~torch.isfinite(torch.view_as_real(elements))).any(-1).sum())
            raise ValueError(f"{name} contains {count} NaN or infinite entries; the field must be finite")
        tolerance = unitarity_tolerance(elements.dtype)
        eye = torch.eye(self.n, dtype=elements.dtype, device=elements.device)
        deviation = float((elements @ _dagger(elements) - eye).abs().max()) if elements.numel() else 0.0
        if deviation > tolerance:
            raise ValueError(
                f"{name} is not unitary: max |U U^dagger - 1| = {deviation:.3g} exceeds the "
                f"{elements.dtype} tolerance {tolerance:g}; reunitarise with {self}.reunitarise(...)"
            )
        self._check_determinant(elements, name, tolerance)

    def _check_determinant(self, elements, name, tolerance) -> None:
        if not elements.numel():
            return
        deviation = float((torch.linalg.det(elements) - 1).abs().max())
        if deviation > tolerance * self.n:
            raise ValueError(
                f"{name} has determinant away from 1: max |det U - 1| = {deviation:.3g} exceeds "
                f"the {elements.dtype} tolerance {tolerance * self.n:g}; {self} needs det U = 1, "
                f"so reunitarise with {self}.reunitarise(...)"
            )


class U1(LieGroup):
    """The group U(1) of unit complex numbers, stored as ``(..., 1, 1)`` matrices.

    The algebra u(1) is :math:`i\\mathbb{R}`, with no traceless condition.
    """

    name = "u1"
    n = 1

    @property
    def dimension(self) -> int:
        return 1

    def random(self, shape=(), *, generator=None, dtype=_DEFAULT_DTYPE, device=None):
        """Draw uniformly distributed phases :math:`e^{i\\theta}` of shape ``(*shape, 1, 1)``."""
        _check_dtype(dtype)
        angle = 2 * math.pi * torch.rand((*shape, 1, 1), generator=generator, dtype=_real_dtype(dtype), device=device)
        return torch.polar(torch.ones_like(angle), angle)

    def random_algebra(self, shape=(), *, scale=1.0, generator=None, dtype=_DEFAULT_DTYPE, device=None):
        """Draw :math:`i\\,\\mathrm{scale}\\,\\xi/\\sqrt2` with :math:`\\xi \\sim N(0, 1)`, so that
        :math:`\\langle X, X\\rangle = -2X^2 = \\mathrm{scale}^2\\xi^2`."""
        _check_dtype(dtype)
        xi = torch.randn((*shape, 1, 1), generator=generator, dtype=_real_dtype(dtype), device=device)
        return torch.complex(torch.zeros_like(xi), scale * xi / math.sqrt(2.0))

    def project_algebra(self, matrix):
        """Return the anti-Hermitian part :math:`i\\,\\mathrm{Im}\\, z`."""
        return 0.5 * (matrix - _dagger(matrix))

    def exp(self, algebra):
        return torch.exp(algebra)

    def reunitarise(self, matrix):
        """Return :math:`z/|z|`."""
        return matrix / matrix.abs()

    def _check_determinant(self, elements, name, tolerance) -> None:
        return None


class SUN(LieGroup):
    """The special unitary group SU(N) for any ``N >= 2``.

    The exponential uses ``torch.linalg.matrix_exp``; :class:`SU2` and :class:`SU3` override it
    with closed forms.
    """

    def __init__(self, n: int):
        if not isinstance(n, int) or n < 2:
            raise ValueError(f"SUN(n={n!r}) is not a group this class builds; n must be an int >= 2 (use U1 for n = 1)")
        self.n = n
        self.name = f"su{n}"

    def __repr__(self) -> str:
        return f"SUN({self.n})"


class SU2(SUN):
    """SU(2), with the closed-form exponential :math:`e^X = \\cos\\theta + \\frac{\\sin\\theta}{\\theta}X`.

    For traceless anti-Hermitian 2 x 2 ``X``, :math:`X^2 = -\\det(X)\\,1` and
    :math:`\\theta = \\sqrt{\\det X}`.
    """

    def __init__(self):
        super().__init__(2)

    def __repr__(self) -> str:
        return "SU2()"

    def exp(self, algebra):
        # det X = X00 X11 - X01 X10, written out because batched torch.linalg.det is slow.
        determinant = algebra[..., 0, 0] * algebra[..., 1, 1] - algebra[..., 0, 1] * algebra[..., 1, 0]
        theta = torch.sqrt(determinant.real.clamp(min=0.0))
        cos = torch.cos(theta)[..., None, None]
        sinc = torch.sinc(theta / math.pi)[..., None, None]
        eye = torch.eye(2, dtype=algebra.dtype, device=algebra.device)
        return cos * eye + sinc * algebra

    def reunitarise(self, matrix):
        """Return the SU(2) element nearest to ``matrix`` in the Frobenius norm.

        A 2 x 2 matrix splits into a real quaternion :math:`a_0 + i\\vec a\\cdot\\vec\\sigma` and a
        remainder orthogonal to SU(2); the normalised quaternion is the nearest element.
        """
        a0 = 0.5 * (matrix[..., 0, 0] + matrix[..., 1, 1]).real
        a3 = 0.5 * (matrix[..., 0, 0] - matrix[..., 1, 1]).imag
        a1 = 0.5 * (matrix[..., 0, 1] + matrix[..., 1, 0]).imag
        a2 = 0.5 * (matrix[..., 0, 1] - matrix[..., 1, 0]).real
        norm = torch.sqrt(a0 * a0 + a1 * a1 + a2 * a2 + a3 * a3)
        return quaternion_to_su2(a0 / norm, a1 / norm, a2 / norm, a3 / norm)


def quaternion_to_su2(a0, a1, a2, a3) -> torch.Tensor:
    """Return :math:`a_0 1 + i(a_1\\sigma_1 + a_2\\sigma_2 + a_3\\sigma_3)` as ``(..., 2, 2)``."""
    top = torch.stack([torch.complex(a0, a3), torch.complex(a2, a1)], dim=-1)
    bottom = torch.stack([torch.complex(-a2, a1), torch.complex(a0, -a3)], dim=-1)
    return torch.stack([top, bottom], dim=-2)


def su2_to_quaternion(matrix: torch.Tensor) -> torch.Tensor:
    """Return the real quaternion part ``(..., 4)`` of 2 x 2 matrices, inverse of :func:`quaternion_to_su2`.

    For any complex 2 x 2 ``M`` and ``r`` in SU(2), :math:`\\mathrm{Re\\,tr}(rM)` depends only on
    this part.
    """
    a0 = 0.5 * (matrix[..., 0, 0] + matrix[..., 1, 1]).real
    a3 = 0.5 * (matrix[..., 0, 0] - matrix[..., 1, 1]).imag
    a1 = 0.5 * (matrix[..., 0, 1] + matrix[..., 1, 0]).imag
    a2 = 0.5 * (matrix[..., 0, 1] - matrix[..., 1, 0]).real
    return torch.stack([a0, a1, a2, a3], dim=-1)


class SU3(SUN):
    """SU(3), with the Cayley–Hamilton exponential of Morningstar and Peardon.

    For :math:`Q = -iX` Hermitian and traceless,
    :math:`e^{iQ} = f_0 + f_1 Q + f_2 Q^2` with the :math:`f_j` from
    :math:`c_0 = \\det Q` and :math:`c_1 = \\tfrac12\\mathrm{tr}\\,Q^2`
    (Morningstar & Peardon, Phys. Rev. D 69 (2004) 054501).
    At :math:`Q = 0` the closed form is 0/0, so elements with :math:`c_1` below
    :math:`\\epsilon^2` of the dtype use the Taylor series instead.
    """

    def __init__(self):
        super().__init__(3)

    def __repr__(self) -> str:
        return "SU3()"

    def exp(self, algebra):
        q = -1j * algebra
        q2 = q @ q
        # For traceless Q, det Q = tr(Q^3)/3; batched torch.linalg.det is much slower.
        c0 = (q2 * q.transpose(-2, -1)).sum((-2, -1)).real / 3.0
        c1 = 0.5 * _trace(q2).real
        f0, f1, f2 = _morningstar_peardon_coefficients(c0, c1)
        eye = torch.eye(3, dtype=algebra.dtype, device=algebra.device)
        closed = f0[..., None, None] * eye + f1[..., None, None] * q + f2[..., None, None] * q2

        # The closed form divides by 9u^2 - w^2, which vanishes with c1, so elements with c1 below
        # eps^2 use the Taylor series (|Q| <= sqrt(2 c1) there).  Above it, the closed form
        # matched scipy's expm to 1e-15 (complex128) and 3e-7 (complex64) down to c1 = 1e-16.
        small = c1 < torch.finfo(c1.dtype).eps ** 2
        if bool(small.any()):
            closed = closed.clone()
            closed[small] = _taylor_exp(algebra[small], 8)
        return closed


def _taylor_exp(algebra: torch.Tensor, order: int) -> torch.Tensor:
    eye = torch.eye(algebra.shape[-1], dtype=algebra.dtype, device=algebra.device)
    result = eye.expand_as(algebra).clone()
    for k in range(order, 0, -1):
        result = eye + (algebra @ result) / k
    return result


def _morningstar_peardon_coefficients(c0: torch.Tensor, c1: torch.Tensor):
    # f_j(-c0) = (-1)^j conj(f_j(c0)), so the coefficients are computed for |c0|.
    negative = c0 < 0
    c0 = c0.abs()
    c1 = c1.clamp(min=torch.finfo(c1.dtype).tiny)
    c0_max = 2.0 * (c1 / 3.0) ** 1.5
    theta = torch.arccos((c0 / c0_max).clamp(-1.0, 1.0))
    u = torch.sqrt(c1 / 3.0) * torch.cos(theta / 3.0)
    w = torch.sqrt(c1) * torch.sin(theta / 3.0)
    u2, w2 = u * u, w * w

    xi0 = torch.sinc(w / math.pi)
    cos_w = torch.cos(w)
    exp_2iu = torch.polar(torch.ones_like(u), 2.0 * u)
    exp_miu = torch.polar(torch.ones_like(u), -u)
    h0 = (u2 - w2) * exp_2iu + exp_miu * torch.complex(8.0 * u2 * cos_w, 2.0 * u * (3.0 * u2 + w2) * xi0)
    h1 = 2.0 * u * exp_2iu - exp_miu * torch.complex(2.0 * u * cos_w, -(3.0 * u2 - w2) * xi0)
    h2 = exp_2iu - exp_miu * torch.complex(cos_w, 3.0 * u * xi0)
    denominator = 9.0 * u2 - w2
    f0, f1, f2 = h0 / denominator, h1 / denominator, h2 / denominator

    f0 = torch.where(negative, f0.conj(), f0)
    f1 = torch.where(negative, -f1.conj(), f1)
    f2 = torch.where(negative, f2.conj(), f2)
    return f0, f1, f2


GROUPS: dict[str, LieGroup] = {"u1": U1(), "su2": SU2(), "su3": SU3(), "su4": SUN(4)}
"""Registry of groups by name; tests are parametrised over it."""


def get_group(group: str | int | LieGroup) -> LieGroup:
    """Return a group from a registry name (``"su3"``), a matrix size N or a :class:`LieGroup`.

    A matrix size selects U(1) for N = 1, :class:`SU2` and :class:`SU3` for 2 and 3 and
    :class:`SUN` above.
    """
    if isinstance(group, LieGroup):
        return group
    if isinstance(group, int) and not isinstance(group, bool):
        if group == 1:
            return GROUPS["u1"]
        if group in (2, 3):
            return GROUPS[f"su{group}"]
        return SUN(group)
    if isinstance(group, str):
        key = group.lower().replace("(", "").replace(")", "")
        if key in GROUPS:
            return GROUPS[key]
        if key.startswith("su") and key[2:].isdigit():
            return get_group(int(key[2:]))
    raise ValueError(
        f"unknown group {group!r}; use one of {sorted(GROUPS)}, 'suN' for N >= 2, "
        "a matrix size, or a LieGroup instance"
    )
