"""Gauge fields on a periodic hypercubic lattice.

Field layout
------------
``links`` is a complex tensor of shape ``(L_0, ..., L_{d-1}, d, N, N)``.  Lattice axis
``mu`` is direction ``mu`` and every direction is periodic; in four dimensions direction 3
is time, matching ILDG's (x, y, z, t) order.  ``links[x][mu]`` is the link
:math:`U_\\mu(x)` from site ``x`` to ``x + \\hat\\mu``.  The default dtype is complex128;
complex64 is an option.

The plaquette follows Lüscher:
:math:`P_{\\mu\\nu}(x) = U_\\mu(x) U_\\nu(x+\\hat\\mu) U_\\mu(x+\\hat\\nu)^\\dagger U_\\nu(x)^\\dagger`.
"""

from __future__ import annotations

import torch

__all__ = ["mean_link_trace", "mean_plaquette"]


def _check_layout(links: torch.Tensor, name: str = "links") -> tuple[int, int]:
    """Return ``(d, N)`` of a link tensor, raising ValueError when the layout is wrong."""
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


def _dagger(matrix: torch.Tensor) -> torch.Tensor:
    return matrix.transpose(-2, -1).conj()


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
    planes = 0
    for mu in range(d):
        for nu in range(mu + 1, d):
            plaquette = plaquette_field(links, mu, nu)
            total = total + plaquette.diagonal(dim1=-2, dim2=-1).real.sum(-1).mean()
            planes += 1
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
    return links.diagonal(dim1=-2, dim2=-1).real.sum(-1).mean() / n
