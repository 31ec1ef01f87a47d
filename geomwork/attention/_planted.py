"""Synthetic ensembles with known ground truth: planted islands, rotations, noise and outlier edges."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from ._connection import Connection, random_orthogonal

__all__ = ["PlantedEnsemble", "corrupt_connection", "planted_ensemble", "spiked_synchronisation_model"]


@dataclass(frozen=True)
class PlantedEnsemble:
    """An ensemble with planted islands of agreement.

    Network ``i`` in island ``a`` has activity :math:`A_i = (Z_a + \\sigma E_i) R_i^T` (rows are
    probes), so its column vectors are :math:`x_i = R_i (z + \\sigma e)` and the true transport
    inside an island is :math:`O_{ij} = R_i R_j^T`.

    Attributes
    ----------
    activity : torch.Tensor
        ``(n, m, width)``; when ``width > d`` the ``d``-dimensional activity is embedded by a
        random isometry per network.
    labels : np.ndarray
        ``(n,)`` planted island of each network.
    rotations : torch.Tensor
        ``(n, d, d)`` planted :math:`R_i`.
    latents : torch.Tensor
        ``(k, m, d)`` island activity :math:`Z_a` in the island's own frame.
    axes : torch.Tensor
        ``(k, d, d)`` planted principal axes of each island (columns, by decreasing variance).
    variances : torch.Tensor
        ``(d,)`` planted variances along the axes.
    """

    activity: torch.Tensor
    labels: np.ndarray
    rotations: torch.Tensor
    latents: torch.Tensor
    axes: torch.Tensor
    variances: torch.Tensor

    def true_map(self, i: int, j: int) -> torch.Tensor:
        """Return the planted :math:`O_{ij} = R_i R_j^T` (meaningful inside one island)."""
        return self.rotations[i] @ self.rotations[j].T


def planted_ensemble(
    n_networks: int,
    d: int,
    n_islands: int,
    *,
    n_probes: int = 200,
    noise: float = 0.05,
    width: int | None = None,
    decay: float = 0.8,
    shared: float = 0.0,
    special: bool = False,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64,
) -> PlantedEnsemble:
    """Draw an ensemble with ``n_islands`` planted islands of agreement.

    Parameters
    ----------
    n_networks, d, n_islands : int
        Networks are split into islands of sizes as equal as possible.
    n_probes : int
    noise : float
        Standard deviation :math:`\\sigma` of each network's own activity noise.
    width : int, optional
        Layer width (default ``d``).
    decay : float
        Planted variances are :math:`\\lambda_l = \\mathrm{decay}^l`, ``l = 0 .. d-1``, all
        distinct so the principal axes are well defined.
    shared : float
        Correlation :math:`\\rho \\in [0, 1]` between the islands' standardised probe scores,
        :math:`S_a = \\sqrt{\\rho}\\,S_0 + \\sqrt{1-\\rho}\\,S_a'`.  At 0 the islands are
        unrelated; at 1 every island is an orthogonal image of the others and no method can
        tell them apart.
    special : bool
        Draw the rotations from SO(d) instead of O(d).
    generator : torch.Generator, optional
    dtype : torch.dtype
    """
    if n_islands < 1 or n_islands > n_networks:
        raise ValueError(f"n_islands = {n_islands} must lie between 1 and n_networks = {n_networks}")
    width = d if width is None else width
    if width < d:
        raise ValueError(f"width = {width} must be at least d = {d}")
    generator = torch.Generator().manual_seed(0) if generator is None else generator

    variances = decay ** torch.arange(d, dtype=torch.float64)
    axes = random_orthogonal((n_islands,), d, generator=generator)
    if not 0 <= shared <= 1:
        raise ValueError(f"shared = {shared} must lie in [0, 1]")
    common = torch.randn(n_probes, d, generator=generator, dtype=torch.float64)
    own = torch.randn(n_islands, n_probes, d, generator=generator, dtype=torch.float64)
    standard = shared**0.5 * common + (1 - shared) ** 0.5 * own
    latents = (standard * variances.sqrt()) @ axes.transpose(1, 2)
    labels = np.arange(n_networks) * n_islands // n_networks
    rotations = random_orthogonal((n_networks,), d, generator=generator, special=special)

    own_noise = noise * torch.randn(n_networks, n_probes, d, generator=generator, dtype=torch.float64)
    activity = (latents[torch.as_tensor(labels)] + own_noise) @ rotations.transpose(1, 2)
    if width > d:
        embedding = random_orthogonal((n_networks,), width, generator=generator)[:, :d, :]
        activity = activity @ embedding
    return PlantedEnsemble(
        activity=activity.to(dtype),
        labels=labels,
        rotations=rotations.to(dtype),
        latents=latents.to(dtype),
        axes=axes.to(dtype),
        variances=variances.to(dtype),
    )


def corrupt_connection(
    connection: Connection,
    fraction: float,
    *,
    labels: np.ndarray | None = None,
    generator: torch.Generator | None = None,
) -> tuple[Connection, torch.Tensor]:
    """Replace a random ``fraction`` of edges by outliers that claim good agreement.

    An outlier edge gets a Haar-random map of O(d) and the median weight (and residual) of the
    edges inside islands (of all edges when ``labels`` is omitted), so its weight alone does not
    give it away.

    Returns
    -------
    connection : Connection
    outliers : torch.Tensor
        ``(E,)`` boolean mask of the corrupted edges.
    """
    if not 0 <= fraction <= 1:
        raise ValueError(f"outlier fraction = {fraction} must lie in [0, 1]")
    generator = torch.Generator().manual_seed(0) if generator is None else generator
    count = int(round(fraction * connection.graph.n_edges))
    outliers = torch.zeros(connection.graph.n_edges, dtype=torch.bool)
    outliers[torch.randperm(connection.graph.n_edges, generator=generator)[:count]] = True

    reference = torch.ones_like(outliers)
    if labels is not None:
        edges = connection.graph.edges.numpy()
        labels = np.asarray(labels)
        reference = torch.as_tensor(labels[edges[:, 0]] == labels[edges[:, 1]])
    weight = connection.weights[reference].median()
    residual = connection.residuals[reference].median()

    maps = connection.maps.clone()
    maps[outliers] = random_orthogonal((count,), connection.d, generator=generator, dtype=connection.dtype)
    weights = torch.where(outliers, weight, connection.weights)
    residuals = torch.where(outliers, residual, connection.residuals)
    return replace(connection, maps=maps, weights=weights, residuals=residuals), outliers


def spiked_synchronisation_model(
    n: int, d: int, sigma: float, *, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw the spiked O(d) synchronisation model :math:`H = GG^T + \\sigma W`.

    :math:`G` stacks ``n`` Haar-random :math:`g_i \\in O(d)` (shape ``(n d, d)``) and :math:`W` is a
    symmetric Gaussian matrix with unit-variance entries.  Spectral recovery of :math:`G` breaks
    down at :math:`\\sigma_c = \\sqrt{n/d}`, where the spike :math:`n` meets the bulk edge
    :math:`2\\sigma\\sqrt{nd}` of the noise (a BBP-type transition).

    Returns
    -------
    measurements : torch.Tensor
        ``(n d, n d)`` matrix :math:`H`.
    gauges : torch.Tensor
        ``(n, d, d)`` planted :math:`g_i`.
    """
    generator = torch.Generator().manual_seed(0) if generator is None else generator
    gauges = random_orthogonal((n,), d, generator=generator)
    stacked = gauges.reshape(n * d, d)
    gaussian = torch.randn(n * d, n * d, generator=generator, dtype=torch.float64)
    symmetric = (gaussian + gaussian.T) / np.sqrt(2.0)
    return stacked @ stacked.T + sigma * symmetric, gauges
