"""Property checkers for lattice gauge fields, for tests and for users' own observables."""

from __future__ import annotations

from typing import Callable

import torch

from ._lattice import LatticeGaugeField

__all__ = ["assert_gauge_covariant", "assert_gauge_invariant"]

# Relative round-off allowed for an observable summed over a small lattice, per dtype.
_ROUND_OFF = {torch.complex128: 1e-11, torch.complex64: 1e-4}


def _random_transformation(field: LatticeGaugeField, generator: torch.Generator | None) -> torch.Tensor:
    return field.group.random(field.extents, generator=generator, dtype=field.dtype, device=field.device)


def _scale(value: torch.Tensor) -> float:
    return max(1.0, float(value.abs().max())) if value.numel() else 1.0


def assert_gauge_invariant(
    observable: Callable[[LatticeGaugeField], torch.Tensor],
    field: LatticeGaugeField,
    *,
    generator: torch.Generator | None = None,
    tolerance: float | None = None,
) -> None:
    """Raise AssertionError unless ``observable`` is unchanged by a random gauge transformation.

    Parameters
    ----------
    observable : callable
        Maps a field to a tensor, e.g. ``lambda f: f.wilson_action(6.0)``.
    field : LatticeGaugeField
    generator : torch.Generator, optional
        Source of the Haar-random transformation :math:`g(x)`.
    tolerance : float, optional
        Allowed difference relative to ``max(1, max|observable|)``; by default a round-off
        bound for the field's dtype.
    """
    tolerance = _ROUND_OFF[field.dtype] if tolerance is None else tolerance
    before = observable(field)
    after = observable(field.gauge_transform(_random_transformation(field, generator)))
    difference = float((after - before).abs().max()) if before.numel() else 0.0
    if difference > tolerance * _scale(before):
        raise AssertionError(
            f"observable is not gauge invariant on {field}: max difference {difference:.3g} after a "
            f"gauge transformation exceeds {tolerance:g} x {_scale(before):.3g}"
        )


def assert_gauge_covariant(
    observable: Callable[[LatticeGaugeField], torch.Tensor],
    field: LatticeGaugeField,
    *,
    generator: torch.Generator | None = None,
    tolerance: float | None = None,
) -> None:
    """Raise AssertionError unless ``observable(x) -> g(x) observable(x) g(x)^dagger`` under a gauge transformation.

    ``observable`` returns one matrix per site, of shape ``(*extents, N, N)``, for example
    ``lambda f: f.clover(0, 1)``.  Arguments are as in :func:`assert_gauge_invariant`.
    """
    tolerance = _ROUND_OFF[field.dtype] if tolerance is None else tolerance
    transformation = _random_transformation(field, generator)
    before = observable(field)
    expected = transformation @ before @ transformation.transpose(-2, -1).conj()
    after = observable(field.gauge_transform(transformation))
    difference = float((after - expected).abs().max())
    if difference > tolerance * _scale(before):
        raise AssertionError(
            f"observable is not gauge covariant on {field}: max |O(g.U) - g O(U) g^dagger| = "
            f"{difference:.3g} exceeds {tolerance:g} x {_scale(before):.3g}"
        )
