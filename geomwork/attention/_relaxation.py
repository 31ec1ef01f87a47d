"""Yang–Mills relaxation at finite coupling: a connection between the measured and a flat one.

Minimises, over connections :math:`U \\in O(d)^E` on the same graph,

.. math:: J(U) = \\sum_{(i,j)} w_{ij} \\|U_{ij} - O_{ij}\\|_F^2
               + \\lambda \\sum_{ijk} w_{ijk} \\|H_{ijk}(U) - I\\|_F^2,

data fidelity plus ``coupling`` :math:`\\lambda` times the Yang–Mills energy.  As
:math:`\\lambda \\to \\infty` the minimiser becomes flat, which is the synchronisation problem
solved by :func:`~geomwork.attention.synchronise`.  Both terms are gauge invariant when :math:`O`
and :math:`U` are transformed together, so the minimiser transforms covariantly.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Callable

import torch

from ._connection import Connection
from ._synchronise import polar_orthogonal

__all__ = ["relax_connection"]

logger = logging.getLogger("geomwork.attention.relaxation")


def _objective(connection: Connection, maps: torch.Tensor, coupling: float, triangles: torch.Tensor) -> torch.Tensor:
    fidelity = (connection.weights * (maps - connection.maps).square().sum(dim=(1, 2))).sum()
    trial = replace(connection, maps=maps)
    return fidelity + coupling * trial.yang_mills_energy(triangles)


def relax_connection(
    connection: Connection,
    coupling: float,
    *,
    max_steps: int = 200,
    relative_decrease: float = 1e-9,
    callback: Callable[[int, float], None] | None = None,
) -> tuple[Connection, list[float]]:
    """Minimise fidelity plus ``coupling`` times Yang–Mills energy by Riemannian gradient descent.

    The Euclidean gradient :math:`G_e` of :math:`J` comes from autograd.  Its projection onto the
    tangent space of O(d) at :math:`U_e` is :math:`U_e\\,\\mathrm{skew}(U_e^T G_e)`, a step retracts
    with the polar factor, and Armijo backtracking keeps :math:`J` from increasing.

    Parameters
    ----------
    connection : Connection
        Measured maps :math:`O` and weights; the descent starts at :math:`U = O`.
    coupling : float
        :math:`\\lambda \\ge 0`.
    max_steps : int
    relative_decrease : float
        Stop when a step lowers :math:`J` by less than this fraction of its value.
    callback : callable, optional
        Called as ``callback(step, objective)`` after each step.

    Returns
    -------
    connection : Connection
        The relaxed connection, with the weights and residuals of the input.
    history : list of float
        :math:`J` at the start and after each step.
    """
    if coupling < 0:
        raise ValueError(f"coupling = {coupling} must be non-negative")
    triangles = connection.graph.triangles()
    maps = connection.maps.clone()
    value = float(_objective(connection, maps, coupling, triangles))
    history = [value]
    step_length = 0.1

    for step in range(1, max_steps + 1):
        trial = maps.detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(_objective(connection, trial, coupling, triangles), trial)
        inner = maps.transpose(1, 2) @ gradient
        descent = -maps @ (0.5 * (inner - inner.transpose(1, 2)))
        slope = float(descent.square().sum())
        if slope == 0.0:
            break

        while True:
            candidate = polar_orthogonal(maps + step_length * descent)
            candidate_value = float(_objective(connection, candidate, coupling, triangles))
            if candidate_value <= value - 1e-4 * step_length * slope or step_length < 1e-12:
                break
            step_length *= 0.5
        if candidate_value > value:
            break
        previous, maps, value = value, candidate, candidate_value
        history.append(value)
        step_length *= 2.0
        if callback is not None:
            callback(step, value)
        if previous - value <= relative_decrease * previous:
            break

    logger.info("Yang-Mills relaxation at coupling %g: %d steps, J %.6g -> %.6g", coupling, len(history) - 1,
                history[0], history[-1])
    return replace(connection, maps=maps.detach()), history
