"""O(d) synchronisation: the flat connection closest to a measured one.

Problem
-------
Given maps :math:`O_{ij}` with weights :math:`w_{ij}`, find gauges :math:`g \\in O(d)^n` that
minimise the data fidelity

.. math:: F(g) = \\sum_{(i,j)} w_{ij} \\|O_{ij} - g_i g_j^T\\|_F^2
              = \\sum_{(i,j)} w_{ij} \\bigl(2d - 2\\,\\mathrm{tr}(g_i^T O_{ij} g_j)\\bigr).

The connection :math:`g_i g_j^T` is flat (every holonomy is the identity), so this is the
limit of infinite Yang–Mills weight of "fidelity + λ · Yang–Mills energy", because the fitted
connection is forced onto the moduli space of flat connections, where :math:`O(d)^n` acts by
gauge transformations.  :func:`~geomwork.attention.relax_connection` solves the problem at
finite λ.  Network ``i``'s coordinates map into the consensus frame by :math:`g_i^T`.

Solver
------
1. Spectral relaxation (Singer 2011; Bandeira, Singer & Spielman 2013): the top ``d``
   eigenvectors of :math:`D^{-1/2} W D^{-1/2}`, where :math:`W` is the block matrix with blocks
   :math:`w_{ij} O_{ij}` and :math:`D = \\mathrm{diag}(\\sum_j w_{ij}) \\otimes I_d`.  Equivalently
   the bottom of the graph connection Laplacian :math:`D - W`.  Each ``d x d`` block is projected
   onto O(d) by its polar factor.
2. The solution is determined up to one global right factor :math:`Q \\in O(d)`.  The reflection is
   fixed once for the whole solution, so that most gauges get det +1.  Fixing determinants block
   by block would change the relative maps :math:`g_i g_j^T`.
3. Riemannian gradient ascent of :math:`\\sum w_{ij}\\mathrm{tr}(g_i^T O_{ij} g_j)` on
   :math:`O(d)^n` with the polar retraction and Armijo backtracking.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg
import torch

from ._connection import Connection, EnsembleGraph

__all__ = [
    "SynchronisationResult",
    "fix_reflection",
    "flat_connection",
    "polar_orthogonal",
    "refine_gauges",
    "spectral_synchronisation",
    "synchronisation_fidelity",
    "synchronise",
]

logger = logging.getLogger("geomwork.attention.synchronise")

# Above this many rows (n * d) the spectral step uses a sparse Lanczos solver instead of dense eigh.
_DENSE_LIMIT = 3000


def polar_orthogonal(matrix: torch.Tensor) -> torch.Tensor:
    """Return the orthogonal polar factor :math:`U V^T` of ``matrix = U S V^T``, shape ``(..., d, d)``.

    It is the nearest element of O(d) in Frobenius norm.
    """
    left, _, right_t = torch.linalg.svd(matrix)
    return left @ right_t


def _normalised_blocks(connection: Connection, weights: torch.Tensor) -> tuple[torch.Tensor, np.ndarray]:
    degree = torch.zeros(connection.n, dtype=connection.dtype)
    i, j = connection.graph.edges[:, 0], connection.graph.edges[:, 1]
    degree.index_add_(0, i, weights)
    degree.index_add_(0, j, weights)
    if (degree <= 0).any():
        lonely = int(torch.nonzero(degree <= 0)[0])
        raise ValueError(
            f"{connection.graph.names[lonely]} has zero total edge weight, so synchronisation cannot place it; "
            "drop the network or give its edges positive weight"
        )
    scale = degree.rsqrt()
    blocks = (weights * scale[i] * scale[j])[:, None, None] * connection.maps
    return blocks, scale.numpy()


def _top_dense(matrix: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
    # LAPACK's subset solver for the top d eigenpairs, largest first.
    size = matrix.shape[0]
    values, vectors = scipy.linalg.eigh(matrix, subset_by_index=[size - d, size - 1])
    return values[::-1], vectors[:, ::-1]


def _top_eigenvectors_connection(connection: Connection, weights: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    n, d = connection.n, connection.d
    blocks, scale = _normalised_blocks(connection, weights)
    edges = connection.graph.edges.numpy()
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    data = np.concatenate([blocks.numpy(), blocks.transpose(1, 2).numpy()])
    if n * d <= _DENSE_LIMIT:
        dense = np.zeros((n, d, n, d))
        dense[rows, :, cols, :] = data
        values, vectors = _top_dense(dense.reshape(n * d, n * d), d)
    else:
        order = np.lexsort((cols, rows))
        indptr = np.searchsorted(rows[order], np.arange(n + 1))
        matrix = scipy.sparse.bsr_matrix((data[order], cols[order], indptr), shape=(n * d, n * d))
        start = np.random.default_rng(0).standard_normal(n * d)
        values, vectors = scipy.sparse.linalg.eigsh(matrix, k=d, which="LA", v0=start)
        values, vectors = values[::-1], vectors[:, ::-1]
    # Undo the normalisation: the eigenvectors of D^{-1/2} W D^{-1/2} are D^{1/2} times those of D^{-1} W.
    vectors = vectors.reshape(n, d, d) * scale[:, None, None]
    return values, vectors


def spectral_synchronisation(
    measurements: Connection | torch.Tensor,
    d: int | None = None,
    *,
    weights: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Estimate gauges by the spectral relaxation of O(d) synchronisation.

    Parameters
    ----------
    measurements : Connection or torch.Tensor
        A connection, or a symmetric ``(n d, n d)`` block matrix whose ``(i, j)`` block measures
        :math:`g_i g_j^T` (e.g. :math:`GG^T + \\sigma W` in the spiked model).  A raw matrix is used
        without degree normalisation.
    d : int, optional
        Block size; required for a raw matrix.
    weights : torch.Tensor, optional
        ``(E,)`` edge weights that replace ``connection.weights``.

    Returns
    -------
    gauges : torch.Tensor
        ``(n, d, d)``, each the polar factor of a block of the top-``d`` eigenvectors, with the
        reflection fixed once by :func:`fix_reflection`.
    eigenvalues : torch.Tensor
        ``(d,)`` top eigenvalues; all equal 1 for a consistent connection on a connected graph.
    """
    if isinstance(measurements, Connection):
        weights = measurements.weights if weights is None else torch.as_tensor(weights, dtype=measurements.dtype)
        values, vectors = _top_eigenvectors_connection(measurements, weights)
        dtype = measurements.dtype
    else:
        if d is None:
            raise ValueError("pass d, the block size, with a raw measurement matrix")
        matrix = torch.as_tensor(measurements)
        size = matrix.shape[0]
        if matrix.shape != (size, size) or size % d:
            raise ValueError(f"measurement matrix must be square with a multiple of d = {d} rows, got {tuple(matrix.shape)}")
        dtype = matrix.dtype
        symmetric = 0.5 * (matrix + matrix.T).to(torch.float64).numpy()
        values, vectors = _top_dense(symmetric, d)
        vectors = vectors.reshape(size // d, d, d)
    gauges = polar_orthogonal(torch.as_tensor(vectors.copy(), dtype=torch.float64))
    return fix_reflection(gauges).to(dtype), torch.as_tensor(values.copy(), dtype=dtype)


def fix_reflection(gauges: torch.Tensor) -> torch.Tensor:
    """Fix the global reflection of a synchronisation solution once for all gauges.

    A solution :math:`g` and :math:`g Q` (one :math:`Q \\in O(d)` for all networks) give the same
    flat connection :math:`g_i g_j^T`.  When most gauges have det −1, every gauge is multiplied on
    the right by :math:`\\mathrm{diag}(1, \\dots, 1, -1)`, so that most have det +1.  The
    relative maps are unchanged; flipping determinants block by block would change them.
    """
    determinants = torch.linalg.det(gauges)
    if (determinants < 0).sum() * 2 > gauges.shape[0]:
        reflection = torch.ones(gauges.shape[-1], dtype=gauges.dtype)
        reflection[-1] = -1
        gauges = gauges * reflection
    return gauges


def synchronisation_fidelity(
    connection: Connection, gauges: torch.Tensor, weights: torch.Tensor | None = None
) -> torch.Tensor:
    """Return :math:`F(g) = \\sum w_{ij} \\|O_{ij} - g_i g_j^T\\|_F^2`, which is gauge invariant."""
    weights = connection.weights if weights is None else weights
    i, j = connection.graph.edges[:, 0], connection.graph.edges[:, 1]
    misfit = (connection.maps - gauges[i] @ gauges[j].transpose(1, 2)).square().sum(dim=(1, 2))
    return (weights * misfit).sum()


def _euclidean_gradient(connection: Connection, gauges: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    # Gradient of sum w_ij tr(g_i^T O_ij g_j) with respect to g_i is sum_j w_ij O_ij g_j.
    i, j = connection.graph.edges[:, 0], connection.graph.edges[:, 1]
    weighted = weights[:, None, None] * connection.maps
    gradient = torch.zeros_like(gauges)
    gradient.index_add_(0, i, weighted @ gauges[j])
    gradient.index_add_(0, j, weighted.transpose(1, 2) @ gauges[i])
    return gradient


def refine_gauges(
    connection: Connection,
    gauges: torch.Tensor,
    *,
    weights: torch.Tensor | None = None,
    max_steps: int = 200,
    tolerance: float | None = None,
    relative_decrease: float = 1e-7,
    callback: Callable[[int, float], None] | None = None,
) -> tuple[torch.Tensor, list[float]]:
    """Refine gauges by Riemannian gradient descent of the fidelity on :math:`O(d)^n`.

    The Riemannian gradient of :math:`-\\sum w_{ij}\\mathrm{tr}(g_i^T O_{ij} g_j)` at :math:`g_i`
    is :math:`-g_i\\,\\mathrm{skew}(g_i^T G_i)` with :math:`G_i = \\sum_j w_{ij} O_{ij} g_j`; a step
    moves along it and retracts with the polar factor.  The step length is chosen by Armijo
    backtracking, so the fidelity never increases.

    Parameters
    ----------
    connection : Connection
    gauges : torch.Tensor
        ``(n, d, d)`` starting point, e.g. from :func:`spectral_synchronisation`.
    weights : torch.Tensor, optional
        ``(E,)`` weights that replace ``connection.weights``.
    max_steps : int
    tolerance : float, optional
        Stop when the Riemannian gradient norm falls below this, relative to the total weight;
        defaults to ``sqrt(eps)`` of the dtype.
    relative_decrease : float
        Also stop when a step lowers the fidelity by less than this fraction of its value.
    callback : callable, optional
        Called as ``callback(step, fidelity)`` after each step.

    Returns
    -------
    gauges : torch.Tensor
    history : list of float
        Fidelity before the first step and after each step.
    """
    weights = connection.weights if weights is None else weights
    tolerance = float(torch.finfo(connection.dtype).eps) ** 0.5 if tolerance is None else tolerance
    scale = float(weights.sum()) or 1.0
    history = [float(synchronisation_fidelity(connection, gauges, weights))]
    step_length = 1.0 / max(float(weights.max()), 1e-300)

    for step in range(1, max_steps + 1):
        gradient = _euclidean_gradient(connection, gauges, weights)
        inner = gauges.transpose(1, 2) @ gradient
        ascent = gauges @ (0.5 * (inner - inner.transpose(1, 2)))
        slope = float(ascent.square().sum())
        if slope ** 0.5 < tolerance * scale:
            break

        # Armijo backtracking on the fidelity F = const - 2 * objective, whose slope is -2 * slope.
        while True:
            candidate = polar_orthogonal(gauges + step_length * ascent)
            value = float(synchronisation_fidelity(connection, candidate, weights))
            if value <= history[-1] - 1e-4 * 2 * step_length * slope or step_length < 1e-12:
                break
            step_length *= 0.5
        if value > history[-1]:
            break
        gauges = candidate
        history.append(value)
        step_length *= 2.0
        if callback is not None:
            callback(step, value)
        if history[-2] - value <= relative_decrease * history[-2]:
            break
    logger.info("Riemannian refinement: %d steps, fidelity %.6g -> %.6g", len(history) - 1, history[0], history[-1])
    return fix_reflection(gauges), history


def flat_connection(connection: Connection, gauges: torch.Tensor) -> Connection:
    """Return the flat connection :math:`g_i g_j^T` on the graph and weights of ``connection``."""
    i, j = connection.graph.edges[:, 0], connection.graph.edges[:, 1]
    return replace(connection, maps=gauges[i] @ gauges[j].transpose(1, 2))


@dataclass(frozen=True)
class SynchronisationResult:
    """Gauges of a synchronised ensemble and the quantities that describe the fit.

    Attributes
    ----------
    gauges : torch.Tensor
        ``(n, d, d)``; :math:`g_i^T` maps network ``i``'s coordinates into the consensus frame.
    flat : Connection
        The flat connection :math:`g_i g_j^T`.
    eigenvalues : torch.Tensor
        Top ``d`` eigenvalues of the normalised connection matrix (1 when already flat).
    fidelity_history : list of float
        Fidelity after the spectral step and after each refinement step.
    energy : float
        Yang–Mills energy of the measured connection (on its triangles); 0 for the flat one.
    edge_weights : torch.Tensor
        ``(E,)`` weights used in the last solve (after any reweighting).
    """

    gauges: torch.Tensor
    flat: Connection
    eigenvalues: torch.Tensor
    fidelity_history: list[float] = field(default_factory=list)
    energy: float = float("nan")
    edge_weights: torch.Tensor | None = None


def synchronise(
    connection: Connection,
    *,
    refine_steps: int = 200,
    reweight_rounds: int = 0,
    weights: torch.Tensor | None = None,
    compute_energy: bool = True,
    callback: Callable[[int, float], None] | None = None,
) -> SynchronisationResult:
    """Synchronise an ensemble: spectral relaxation, global reflection fix, Riemannian refinement.

    Parameters
    ----------
    connection : Connection
    refine_steps : int
        Maximum Riemannian gradient steps (0 keeps the spectral solution).
    reweight_rounds : int
        Rounds of iteratively reweighted least squares: edge ``(i, j)`` is reweighted by
        :math:`1 / \\max(\\|O_{ij} - g_i g_j^T\\|_F, 10^{-3})`, the weights of a least-absolute-
        deviation fit, which lowers the influence of outlier edges.
    weights : torch.Tensor, optional
        ``(E,)`` weights that replace ``connection.weights`` (e.g. curvature-reweighted ones).
    compute_energy : bool
        Compute the Yang–Mills energy of ``connection`` (needs all triangles).
    callback : callable, optional
        Progress, called as ``callback(step, fidelity)`` during refinement.
    """
    weights = connection.weights if weights is None else torch.as_tensor(weights, dtype=connection.dtype)
    gauges, eigenvalues = spectral_synchronisation(connection, weights=weights)
    gauges, history = refine_gauges(connection, gauges, weights=weights, max_steps=refine_steps, callback=callback)

    base_weights = weights
    i, j = connection.graph.edges[:, 0], connection.graph.edges[:, 1]
    for round_index in range(reweight_rounds):
        misfit = (connection.maps - gauges[i] @ gauges[j].transpose(1, 2)).square().sum(dim=(1, 2)).sqrt()
        weights = base_weights / misfit.clamp_min(1e-3)
        weights = weights / weights.max()
        gauges, _ = spectral_synchronisation(connection, weights=weights)
        gauges, more = refine_gauges(connection, gauges, weights=weights, max_steps=refine_steps, callback=callback)
        history.extend(more)
        logger.info("reweighting round %d: fidelity %.6g", round_index + 1, more[-1])

    energy = float(connection.yang_mills_energy()) if compute_energy else float("nan")
    return SynchronisationResult(
        gauges=gauges,
        flat=flat_connection(connection, gauges),
        eigenvalues=eigenvalues,
        fidelity_history=history,
        energy=energy,
        edge_weights=weights,
    )
