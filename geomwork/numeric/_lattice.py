"""Gauge fields on a periodic hypercubic lattice.

Field layout
------------
``links`` is a complex tensor of shape ``(L_0, ..., L_{d-1}, d, N, N)``.  Lattice axis
``mu`` is direction ``mu`` and every direction is periodic; in four dimensions direction 3
is time, matching ILDG's (x, y, z, t) order.  ``links[x][mu]`` is the link
:math:`U_\\mu(x)` from site ``x`` to ``x + \\hat\\mu``.  The default dtype is complex128;
complex64 is an option.

Conventions (Lüscher, JHEP 08 (2010) 071):

* plaquette :math:`P_{\\mu\\nu}(x) = U_\\mu(x) U_\\nu(x+\\hat\\mu) U_\\mu(x+\\hat\\nu)^\\dagger U_\\nu(x)^\\dagger`;
* Wilson action :math:`S = \\beta \\sum_{x,\\mu<\\nu} (1 - \\mathrm{Re\\,tr}\\,P_{\\mu\\nu}(x)/N)`,
  with :math:`\\beta = 2N/g_0^2`;
* gauge transformation :math:`U_\\mu(x) \\mapsto g(x) U_\\mu(x) g(x+\\hat\\mu)^\\dagger`;
* clover field strength :math:`G_{\\mu\\nu}(x) = \\tfrac18 (Q_{\\mu\\nu} - Q_{\\nu\\mu})`, projected to
  the Lie algebra, where :math:`Q_{\\mu\\nu}(x)` is the sum of the four plaquettes in the
  :math:`\\mu\\nu` plane that start and end at :math:`x`;
* energy density :math:`E(x) = -\\tfrac12 \\sum_{\\mu,\\nu} \\mathrm{tr}\\,G_{\\mu\\nu}(x)^2`, in lattice units;
* topological charge density (4D)
  :math:`q(x) = -\\tfrac{1}{32\\pi^2}\\epsilon_{\\mu\\nu\\rho\\sigma}\\mathrm{tr}\\,G_{\\mu\\nu}(x) G_{\\rho\\sigma}(x)`,
  positive for self-dual fields.
"""


from __future__ import annotations

import math
from typing import Sequence

import torch

from ._groups import LieGroup, get_group

__all__ = [
    "LatticeGaugeField",
    "mean_link_trace",
    "mean_plaquette",
    "parity_mask",
    "plaquette_field",
    "staple_sums",
]


# Layout and helpers -------------------------------------------------------------------------


def _check_layout(links: torch.Tensor, name: str = "links") -> tuple[int, int]:
    """Return ``(d, N)`` of a link tensor, raising when the layout is wrong."""
    if not isinstance(links, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(links).__name__}")
    if not links.is_complex():
        raise TypeError(
            f"{name} has dtype {links.dtype}; expected complex128 or complex64 "
            "(convert with links.to(torch.complex128))"
        )
    if links.ndim < 4:
        raise ValueError(
            f"{name} has shape {tuple(links.shape)}; expected (L_0, ..., L_(d-1), d, N, N) "
            "with at least one lattice axis"
        )
    d = links.ndim - 3
    n = links.shape[-1]
    if links.shape[-3] != d or links.shape[-2] != n:
        raise ValueError(
            f"{name} has shape {tuple(links.shape)}; expected (L_0, ..., L_(d-1), d, N, N) "
            f"with the direction axis equal to the number of lattice axes d = {d} "
            "and square N x N matrices"
        )
    return d, n


def _shift(field: torch.Tensor, mu: int, step: int = 1) -> torch.Tensor:
    """Return ``f(x + step * mu_hat)`` for a field whose leading axes are the lattice."""
    return torch.roll(field, shifts=-step, dims=mu)


def _shift2(field: torch.Tensor, mu: int, nu: int, step: int) -> torch.Tensor:
    """Return ``f(x + step * (mu_hat + nu_hat))``."""
    return torch.roll(field, shifts=(-step, -step), dims=(mu, nu))


def _dagger(matrix: torch.Tensor) -> torch.Tensor:
    return matrix.transpose(-2, -1).conj()


def _real_trace(matrix: torch.Tensor) -> torch.Tensor:
    return matrix.diagonal(dim1=-2, dim2=-1).real.sum(-1)


def _trace_of_product(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Return ``tr(a @ b)`` without forming the product."""
    return (a * b.transpose(-2, -1)).sum((-2, -1))


def parity_mask(extents: Sequence[int], parity: int, *, device=None) -> torch.Tensor:
    """Return a boolean mask of the sites with :math:`\\sum_\\mu x_\\mu \\equiv` ``parity`` (mod 2)."""
    coordinates = torch.meshgrid(*[torch.arange(extent, device=device) for extent in extents], indexing="ij")
    return sum(coordinates) % 2 == parity


# Functions on raw link tensors --------------------------------------------------------------


def plaquette_field(links: torch.Tensor, mu: int, nu: int) -> torch.Tensor:
    """Compute the plaquette :math:`P_{\\mu\\nu}(x)` at every site.

    Parameters
    ----------
    links : torch.Tensor
        Links of shape ``(L_0, ..., L_{d-1}, d, N, N)``.
    mu, nu : int
        The two directions of the plaquette.

    Returns
    -------
    torch.Tensor
        Shape ``(L_0, ..., L_{d-1}, N, N)``, with
        :math:`P_{\\mu\\nu}(x) = U_\\mu(x) U_\\nu(x+\\hat\\mu) U_\\mu(x+\\hat\\nu)^\\dagger U_\\nu(x)^\\dagger`.
    """
    u_mu = links[..., mu, :, :]
    u_nu = links[..., nu, :, :]
    return u_mu @ _shift(u_nu, mu) @ _dagger(_shift(u_mu, nu)) @ _dagger(u_nu)


def mean_plaquette(links: torch.Tensor) -> torch.Tensor:
    """Average :math:`\\mathrm{Re\\,tr}\\, P_{\\mu\\nu}(x) / N` over sites and planes ``mu < nu``.

    Parameters
    ----------
    links : torch.Tensor
        Links of shape ``(L_0, ..., L_{d-1}, d, N, N)``, periodic in every direction.

    Returns
    -------
    torch.Tensor
        A real 0-dimensional tensor; 1 for the unit configuration.

    Examples
    --------
    >>> links = torch.eye(3, dtype=torch.complex128).expand(2, 2, 2, 2, 4, 3, 3)
    >>> float(mean_plaquette(links))
    1.0
    """
    d, n = _check_layout(links)
    if d < 2:
        raise ValueError(
            f"links has {d} lattice axis; a plaquette needs at least 2 (shape {tuple(links.shape)})"
        )
    total = links.new_zeros((), dtype=links.real.dtype)
    for mu in range(d):
        for nu in range(mu + 1, d):
            total = total + _real_trace(plaquette_field(links, mu, nu)).mean()
    planes = d * (d - 1) // 2
    return total / (planes * n)


def mean_link_trace(links: torch.Tensor) -> torch.Tensor:
    """Average :math:`\\mathrm{Re\\,tr}\\, U_\\mu(x) / N` over sites and directions.

    Parameters
    ----------
    links : torch.Tensor
        Links of shape ``(L_0, ..., L_{d-1}, d, N, N)``.

    Returns
    -------
    torch.Tensor
        A real 0-dimensional tensor; 1 for the unit configuration.
    """
    _, n = _check_layout(links)
    return _real_trace(links).mean() / n


def staple_sums(links: torch.Tensor) -> torch.Tensor:
    """Compute the staple sum :math:`A_\\mu(x)` of every link.

    :math:`A_\\mu(x)` is the sum over :math:`\\nu \\ne \\mu` of the upper staple
    :math:`U_\\nu(x+\\hat\\mu)U_\\mu(x+\\hat\\nu)^\\dagger U_\\nu(x)^\\dagger` and the lower staple
    :math:`U_\\nu(x+\\hat\\mu-\\hat\\nu)^\\dagger U_\\mu(x-\\hat\\nu)^\\dagger U_\\nu(x-\\hat\\nu)`, so that the
    part of the Wilson action that depends on :math:`U_\\mu(x)` is
    :math:`-\\tfrac{\\beta}{N}\\mathrm{Re\\,tr}(U_\\mu(x) A_\\mu(x))`.

    Parameters
    ----------
    links : torch.Tensor
        Shape ``(L_0, ..., L_{d-1}, d, N, N)``.

    Returns
    -------
    torch.Tensor
        Same shape as ``links``.
    """
    d, _ = _check_layout(links)
    staples = torch.zeros_like(links)
    for mu in range(d):
        u_mu = links[..., mu, :, :]
        for nu in range(mu + 1, d):
            u_nu = links[..., nu, :, :]
            u_nu_at_mu = _shift(u_nu, mu)
            u_mu_at_nu = _shift(u_mu, nu)
            # Both paths from x to x + mu + nu, shared by the four staples of this plane.
            path_mu_nu = u_mu @ u_nu_at_mu
            path_nu_mu = u_nu @ u_mu_at_nu
            staples[..., mu, :, :] += u_nu_at_mu @ _dagger(path_nu_mu)
            staples[..., nu, :, :] += u_mu_at_nu @ _dagger(path_mu_nu)
            staples[..., mu, :, :] += _shift(_dagger(path_mu_nu) @ u_nu, nu, -1)
            staples[..., nu, :, :] += _shift(_dagger(path_nu_mu) @ u_mu, mu, -1)
    return staples


def staple_sum(links: torch.Tensor, mu: int) -> torch.Tensor:
    """Compute the staple sum :math:`A_\\mu(x)` for one direction ``mu``; see :func:`staple_sums`."""
    d, _ = _check_layout(links)
    # Contiguous copies per direction, because batched matmul is slower on strided slices.
    u = [links[..., direction, :, :].contiguous() for direction in range(d)]
    u_mu = u[mu]
    staple = torch.zeros_like(u_mu)
    for nu in range(d):
        if nu == mu:
            continue
        u_nu = u[nu]
        u_nu_at_mu = _shift(u_nu, mu)
        staple += u_nu_at_mu @ _dagger(_shift(u_mu, nu)) @ _dagger(u_nu)
        staple += _shift(_dagger(u_nu_at_mu) @ _dagger(u_mu) @ u_nu, nu, -1)
    return staple


def clover_leaves(links: torch.Tensor, mu: int, nu: int) -> torch.Tensor:
    """Return :math:`Q_{\\mu\\nu}(x)`, the sum of the four plaquettes of the plane that start at ``x``.

    Each leaf is a plaquette :math:`P_{\\mu\\nu}` at ``x``, ``x - mu``, ``x - nu`` or
    ``x - mu - nu`` transported to ``x``, so all four have the orientation of
    :math:`P_{\\mu\\nu}(x)` and :math:`Q_{\\nu\\mu} = Q_{\\mu\\nu}^\\dagger`.
    """
    u_mu = links[..., mu, :, :]
    u_nu = links[..., nu, :, :]
    path_mu_nu = u_mu @ _shift(u_nu, mu)
    plaquette = path_mu_nu @ _dagger(u_nu @ _shift(u_mu, nu))
    leaves = plaquette.clone()
    leaves += _shift(_dagger(u_mu) @ plaquette @ u_mu, mu, -1)
    leaves += _shift(_dagger(u_nu) @ plaquette @ u_nu, nu, -1)
    leaves += _shift2(_dagger(path_mu_nu) @ plaquette @ path_mu_nu, mu, nu, -1)
    return leaves


# The field object ---------------------------------------------------------------------------


class LatticeGaugeField:
    """A gauge field on a periodic hypercubic lattice of any dimension ``d >= 2``.

    Parameters
    ----------
    links : torch.Tensor
        Complex tensor of shape ``(L_0, ..., L_{d-1}, d, N, N)``: lattice axis ``mu`` is
        direction ``mu``, periodic; in 4D direction 3 is time (ILDG's x, y, z, t order).
        complex128 by default, complex64 as an option.
    group : str, int or LieGroup, optional
        The gauge group; by default inferred from N (U(1) for N = 1, SU(N) otherwise).
    check : bool
        Check the shape, finiteness, unitarity and determinant of every link (tolerance
        keyed by dtype, see :func:`~geomwork.numeric.unitarity_tolerance`).  Default True.

    Notes
    -----
    The conventions for plaquettes, the Wilson action, gauge transformations, the clover
    field strength, the energy density and the topological charge are those of
    :mod:`geomwork.numeric._lattice` (Lüscher's).  Methods return new tensors and never
    modify ``links`` in place.
    """

    def __init__(self, links: torch.Tensor, group: str | int | LieGroup | None = None, *, check: bool = True):
        d, n = _check_layout(links)
        if d < 2:
            raise ValueError(
                f"LatticeGaugeField needs at least 2 lattice axes for plaquettes; links has shape "
                f"{tuple(links.shape)}, which is d = {d}"
            )
        self.group = get_group(n if group is None else group)
        if self.group.n != n:
            raise ValueError(
                f"LatticeGaugeField: links hold {n} x {n} matrices but {self.group} acts on "
                f"C^{self.group.n}; pass group={n} or links of matrix size {self.group.n}"
            )
        self.links = links
        if check:
            self.group.check(links, name="LatticeGaugeField links")

    # Constructors ---------------------------------------------------------------------------

    @classmethod
    def unit(cls, extents: Sequence[int], group, *, dtype=torch.complex128, device=None) -> "LatticeGaugeField":
        """Return the cold configuration, every link the identity."""
        group = get_group(group)
        extents = _check_extents(extents)
        return cls(group.identity((*extents, len(extents)), dtype=dtype, device=device), group, check=False)

    @classmethod
    def random(
        cls,
        extents: Sequence[int],
        group,
        *,
        generator: torch.Generator | None = None,
        dtype=torch.complex128,
        device=None,
    ) -> "LatticeGaugeField":
        """Return a hot configuration, every link drawn independently from the Haar measure."""
        group = get_group(group)
        extents = _check_extents(extents)
        links = group.random((*extents, len(extents)), generator=generator, dtype=dtype, device=device)
        return cls(links, group, check=False)

    def with_links(self, links: torch.Tensor, *, check: bool = False) -> "LatticeGaugeField":
        """Return a field of the same group with new links."""
        return type(self)(links, self.group, check=check)

    def clone(self) -> "LatticeGaugeField":
        return self.with_links(self.links.clone())

    def to(self, *args, **kwargs) -> "LatticeGaugeField":
        """Return the field with its links moved or cast by ``torch.Tensor.to``."""
        return self.with_links(self.links.to(*args, **kwargs))

    def check(self) -> None:
        """Raise ValueError unless every link is a finite group element within tolerance."""
        self.group.check(self.links, name="LatticeGaugeField links")

    def __repr__(self) -> str:
        return f"LatticeGaugeField({self.group}, extents={self.extents}, dtype={self.dtype})"

    # Shape ----------------------------------------------------------------------------------

    @property
    def extents(self) -> tuple[int, ...]:
        """Lattice extents ``(L_0, ..., L_{d-1})``."""
        return tuple(self.links.shape[:-3])

    @property
    def ndim(self) -> int:
        """Number of lattice dimensions d."""
        return self.links.ndim - 3

    @property
    def volume(self) -> int:
        """Number of sites."""
        return math.prod(self.extents)

    @property
    def n(self) -> int:
        return self.group.n

    @property
    def dtype(self) -> torch.dtype:
        return self.links.dtype

    @property
    def device(self) -> torch.device:
        return self.links.device

    def require_even_extents(self, purpose: str) -> None:
        """Raise ValueError if an extent is odd, naming ``purpose`` (e.g. "checkerboard updates")."""
        for mu, extent in enumerate(self.extents):
            if extent % 2:
                raise ValueError(
                    f"lattice extent L_{mu} = {extent} is odd; {purpose} need an even extent in every "
                    f"direction (extents {self.extents})"
                )

    # Plaquettes and action ------------------------------------------------------------------

    def plaquette(self, mu: int, nu: int) -> torch.Tensor:
        """Return :math:`P_{\\mu\\nu}(x)` of shape ``(*extents, N, N)``."""
        self._check_plane(mu, nu)
        return plaquette_field(self.links, mu, nu)

    def mean_plaquette(self) -> torch.Tensor:
        """Return the average of :math:`\\mathrm{Re\\,tr}\\,P_{\\mu\\nu}/N` over sites and planes."""
        return mean_plaquette(self.links)

    def mean_link_trace(self) -> torch.Tensor:
        """Return the average of :math:`\\mathrm{Re\\,tr}\\,U_\\mu(x)/N`."""
        return mean_link_trace(self.links)

    def wilson_action(self, beta: float) -> torch.Tensor:
        """Return :math:`S = \\beta\\sum_{x,\\mu<\\nu}(1 - \\mathrm{Re\\,tr}\\,P_{\\mu\\nu}(x)/N)`."""
        planes = self.ndim * (self.ndim - 1) // 2
        return beta * self.volume * planes * (1.0 - self.mean_plaquette())

    def staples(self, mu: int | None = None) -> torch.Tensor:
        """Return the staple sums :math:`A_\\mu(x)`, for all directions or one; see :func:`staple_sums`."""
        if mu is None:
            return staple_sums(self.links)
        self._check_direction(mu)
        return staple_sum(self.links, mu)

    # Gauge transformations ------------------------------------------------------------------

    def gauge_transform(self, transformation: torch.Tensor) -> "LatticeGaugeField":
        """Return the field with :math:`U_\\mu(x) \\mapsto g(x) U_\\mu(x) g(x+\\hat\\mu)^\\dagger`.

        Parameters
        ----------
        transformation : torch.Tensor
            ``g(x)`` of shape ``(*extents, N, N)``, for example from
            ``group.random(extents, generator=...)``.
        """
        expected = (*self.extents, self.n, self.n)
        if tuple(transformation.shape) != expected:
            raise ValueError(
                f"gauge transformation has shape {tuple(transformation.shape)}; expected {expected}, "
                "one group element per site"
            )
        g = transformation.to(self.dtype)
        shifted = torch.stack([_dagger(_shift(g, mu)) for mu in range(self.ndim)], dim=-3)
        return self.with_links(g.unsqueeze(-3) @ self.links @ shifted)

    # Field strength, energy density and charge ----------------------------------------------

    def clover(self, mu: int, nu: int) -> torch.Tensor:
        """Return the clover field strength :math:`G_{\\mu\\nu}(x)`, shape ``(*extents, N, N)``.

        :math:`G_{\\mu\\nu} = \\tfrac18(Q_{\\mu\\nu} - Q_{\\nu\\mu})` projected onto the Lie algebra
        (traceless anti-Hermitian for SU(N), anti-Hermitian for U(1)); in lattice units it
        approximates :math:`a^2 F_{\\mu\\nu}`.
        """
        self._check_plane(mu, nu)
        return 0.25 * self.group.project_algebra(clover_leaves(self.links, mu, nu))

    def clover_fields(self) -> dict[tuple[int, int], torch.Tensor]:
        """Return :meth:`clover` for every plane :math:`\\mu < \\nu`, keyed by ``(mu, nu)``.

        Pass the result to :meth:`energy_density` and :meth:`topological_charge_density` to
        compute the clover leaves once for both.
        """
        return {(mu, nu): self.clover(mu, nu) for mu in range(self.ndim) for nu in range(mu + 1, self.ndim)}

    def energy_density(self, kind: str = "clover", *, clovers=None) -> torch.Tensor:
        """Return the energy density :math:`E(x)` in lattice units, shape ``extents``.

        Parameters
        ----------
        kind : {"clover", "plaquette"}
            ``"clover"``: :math:`E = -\\tfrac12\\sum_{\\mu,\\nu}\\mathrm{tr}\\,G_{\\mu\\nu}^2` with the
            clover :math:`G`.  ``"plaquette"``:
            :math:`E = 2\\sum_{\\mu<\\nu}\\mathrm{Re\\,tr}(1 - P_{\\mu\\nu}(x))`, so that the Wilson
            action is :math:`S = (\\beta/2N)\\sum_x E(x)`.
        clovers : dict, optional
            The result of :meth:`clover_fields` for this field, to reuse (``"clover"`` only).
        """
        pairs = [(mu, nu) for mu in range(self.ndim) for nu in range(mu + 1, self.ndim)]
        if kind == "clover":
            clovers = self.clover_fields() if clovers is None else clovers
            total = 0.0
            for mu, nu in pairs:
                g = clovers[mu, nu]
                total = total - _trace_of_product(g, g).real
            return total
        if kind == "plaquette":
            total = 0.0
            for mu, nu in pairs:
                total = total + 2.0 * (self.n - _real_trace(plaquette_field(self.links, mu, nu)))
            return total
        raise ValueError(f"energy_density kind {kind!r} is unknown; use 'clover' or 'plaquette'")

    def mean_energy_density(self, kind: str = "clover") -> torch.Tensor:
        """Return the lattice average of :meth:`energy_density`."""
        return self.energy_density(kind).mean()

    def topological_charge_density(self, *, clovers=None) -> torch.Tensor:
        """Return the clover topological charge density :math:`q(x)` of a 4D field, shape ``extents``.

        :math:`q = -\\tfrac{1}{4\\pi^2}\\,\\mathrm{Re}[\\mathrm{tr}(G_{01}G_{23}) - \\mathrm{tr}(G_{02}G_{13})
        + \\mathrm{tr}(G_{03}G_{12})]`, which is
        :math:`-\\tfrac{1}{32\\pi^2}\\epsilon_{\\mu\\nu\\rho\\sigma}\\mathrm{tr}\\,G_{\\mu\\nu}G_{\\rho\\sigma}`.
        ``clovers`` is an optional result of :meth:`clover_fields` to reuse.
        """
        if self.ndim != 4:
            raise ValueError(
                f"topological charge is defined here for 4D fields; this field has extents {self.extents}"
            )
        g = self.clover_fields() if clovers is None else clovers
        contraction = (
            _trace_of_product(g[0, 1], g[2, 3]) - _trace_of_product(g[0, 2], g[1, 3]) + _trace_of_product(g[0, 3], g[1, 2])
        )
        return -contraction.real / (4.0 * math.pi**2)

    def topological_charge(self) -> torch.Tensor:
        """Return the clover topological charge :math:`Q = \\sum_x q(x)` of a 4D field."""
        return self.topological_charge_density().sum()

    # Polyakov loops -------------------------------------------------------------------------

    def polyakov_loop(self, direction: int = -1) -> torch.Tensor:
        """Return :math:`L(\\vec x) = \\mathrm{tr}\\prod_{t} U_{\\mathrm{dir}}(\\vec x, t)/N` on the other axes.

        Parameters
        ----------
        direction : int
            The direction of the loop; the last (time in 4D) by default.

        Returns
        -------
        torch.Tensor
            Complex tensor of the extents without ``direction``; average it for the
            Polyakov loop expectation value.  A centre transformation multiplies it by
            the centre element.
        """
        direction = self._check_direction(direction)
        temporal = self.links[..., direction, :, :].movedim(direction, 0)
        product = temporal[0]
        for slice_links in temporal[1:]:
            product = product @ slice_links
        return product.diagonal(dim1=-2, dim2=-1).sum(-1) / self.n

    # Checks of arguments --------------------------------------------------------------------

    def _check_direction(self, mu: int) -> int:
        if not isinstance(mu, int) or not -self.ndim <= mu < self.ndim:
            raise ValueError(f"direction {mu!r} is out of range for a {self.ndim}D field; use 0 .. {self.ndim - 1}")
        return mu % self.ndim

    def _check_plane(self, mu: int, nu: int) -> None:
        self._check_direction(mu)
        self._check_direction(nu)
        if mu % self.ndim == nu % self.ndim:
            raise ValueError(f"plane ({mu}, {nu}) needs two different directions")


def _check_extents(extents: Sequence[int]) -> tuple[int, ...]:
    extents = tuple(extents)
    if len(extents) < 2 or not all(isinstance(extent, int) and extent >= 1 for extent in extents):
        raise ValueError(
            f"lattice extents {extents!r} are invalid; give at least 2 positive integers, e.g. (8, 8, 8, 8)"
        )
    return extents
