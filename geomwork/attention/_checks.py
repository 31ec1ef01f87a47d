"""Property checkers for O(d) connections on ensemble graphs, for tests and for users."""

from __future__ import annotations

from typing import Callable

import torch

from ._connection import Connection, random_orthogonal

__all__ = ["assert_gauge_equivariant", "assert_gauge_invariant", "round_off_tolerance"]

# Relative round-off allowed after a few products of d x d orthogonal matrices, per dtype.
_ROUND_OFF = {torch.float64: 1e-11, torch.float32: 1e-4}


def round_off_tolerance(dtype: torch.dtype) -> float:
    """Return the relative round-off accepted by the gauge checkers for ``dtype``."""
    if dtype not in _ROUND_OFF:
        raise TypeError(f"dtype {dtype} is not supported; use torch.float64 or torch.float32")
    return _ROUND_OFF[dtype]


def _relative_difference(before: torch.Tensor, after: torch.Tensor) -> tuple[float, float]:
    scale = max(1.0, float(before.abs().max())) if before.numel() else 1.0
    difference = float((after - before).abs().max()) if before.numel() else 0.0
    return difference, scale


def assert_gauge_invariant(
    observable: Callable[[Connection], torch.Tensor],
    connection: Connection,
    *,
    gauge: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    tolerance: float | None = None,
) -> None:
    """Raise AssertionError unless ``observable`` is unchanged by :math:`O_{ij} \\mapsto h_i O_{ij} h_j^T`.

    Parameters
    ----------
    observable : callable
        Maps a connection to a tensor, e.g. ``Connection.yang_mills_energy``.
    connection : Connection
    gauge : torch.Tensor, optional
        ``(n, d, d)`` transformation :math:`h`; Haar random from ``generator`` when omitted.
    generator : torch.Generator, optional
    tolerance : float, optional
        Allowed difference relative to ``max(1, max|observable|)``; by default a round-off bound
        for the connection's dtype.
    """
    tolerance = round_off_tolerance(connection.dtype) if tolerance is None else tolerance
    if gauge is None:
        gauge = random_orthogonal((connection.n,), connection.d, generator=generator, dtype=connection.dtype)
    before = observable(connection)
    after = observable(connection.gauge_transform(gauge))
    difference, scale = _relative_difference(before, after)
    if difference > tolerance * scale:
        raise AssertionError(
            f"observable is not gauge invariant: max difference {difference:.3g} after a gauge "
            f"transformation exceeds {tolerance:g} x {scale:.3g}"
        )


def assert_gauge_equivariant(
    layer: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    maps: torch.Tensor,
    *,
    gauge: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    tolerance: float | None = None,
) -> None:
    """Raise AssertionError unless :math:`f(h x, h O h^T)_i = h_i f(x, O)_i`.

    Parameters
    ----------
    layer : callable
        ``layer(x, maps)`` with ``x`` ``(batch, n, channels, d)`` and ``maps`` ``(n, n, d, d)``,
        e.g. a :class:`~geomwork.attention.GaugeConsensusAttention`.
    x, maps : torch.Tensor
    gauge : torch.Tensor, optional
        ``(n, d, d)``; Haar random from ``generator`` when omitted.
    generator : torch.Generator, optional
    tolerance : float, optional
        Relative to ``max(1, max|output|)``; by default a round-off bound for ``x.dtype``.
    """
    tolerance = round_off_tolerance(x.dtype) if tolerance is None else tolerance
    n, d = x.shape[1], x.shape[-1]
    if gauge is None:
        gauge = random_orthogonal((n,), d, generator=generator, dtype=x.dtype)
    moved_x = torch.einsum("nde,bnce->bncd", gauge, x)
    moved_maps = gauge[:, None] @ maps @ gauge[None, :].transpose(-2, -1)
    with torch.no_grad():
        expected = torch.einsum("nde,bnce->bncd", gauge, layer(x, maps))
        found = layer(moved_x, moved_maps)
    difference, scale = _relative_difference(expected, found)
    if difference > tolerance * scale:
        raise AssertionError(
            f"layer is not gauge equivariant: max |f(hx, hOh^T) - h f(x, O)| = {difference:.3g} "
            f"exceeds {tolerance:g} x {scale:.3g}"
        )
