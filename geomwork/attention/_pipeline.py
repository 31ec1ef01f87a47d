"""The whole moduli-attention pipeline in one call."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
import scipy.sparse.csgraph
import torch

from ._activity import ActivityInput, reduce_activity
from ._axes import IslandEllipsoid, island_ellipsoids
from ._connection import Connection, build_connection, complete_graph, gram_distances, knn_graph
from ._islands import Islands, edge_inconsistency, find_islands, island_affinity
from ._synchronise import SynchronisationResult, flat_connection, synchronise

__all__ = ["ModuliAnalysis", "analyse_ensemble", "synchronise_islands"]

logger = logging.getLogger("geomwork.attention.pipeline")


@dataclass(frozen=True)
class ModuliAnalysis:
    """Everything :func:`analyse_ensemble` computes.

    Attributes
    ----------
    names : list of str
    reduced : torch.Tensor
        ``(n, m, d)`` reduced activity.
    connection : Connection
        Procrustes connection on the ensemble graph.
    synchronisation : SynchronisationResult
        Gauges from :func:`synchronise_islands` with curvature-reweighted edge weights.
    islands : Islands
    ellipsoids : list of IslandEllipsoid
    """

    names: list[str]
    reduced: torch.Tensor
    connection: Connection
    synchronisation: SynchronisationResult
    islands: Islands
    ellipsoids: list[IslandEllipsoid]


def _connected_parts(connection: Connection, labels: np.ndarray) -> list[np.ndarray]:
    # Split every island into the connected components of its induced subgraph, since a sparse
    # graph can leave an island in pieces that no edge relates.
    adjacency = connection.graph.adjacency()
    parts = []
    for island in np.unique(labels):
        members = np.flatnonzero(labels == island)
        count, components = scipy.sparse.csgraph.connected_components(
            adjacency[np.ix_(members, members)], directed=False
        )
        parts.extend(members[components == component] for component in range(count))
    return parts


def synchronise_islands(
    connection: Connection,
    labels: np.ndarray,
    *,
    weights: torch.Tensor | None = None,
    refine_steps: int = 200,
) -> SynchronisationResult:
    """Synchronise each island separately and return the gauges of all networks.

    Islands are flat up to one global O(d) factor each, so the maps :math:`g_i g_j^T` of the
    result are meaningful only for ``i`` and ``j`` in the same island.  An island whose induced
    subgraph is disconnected is synchronised per connected component, and maps between its
    components are meaningless too.  An island of one network
    gets the identity; one of two gets :math:`g_a = O_{ab}`, :math:`g_b = I`.  The reported
    energy is that of ``connection`` restricted to the islands' edges, summed.
    """
    labels = np.asarray(labels)
    weighted = connection if weights is None else Connection(
        connection.graph, connection.maps, weights, connection.residuals
    )
    gauges = torch.eye(connection.d, dtype=connection.dtype).repeat(connection.n, 1, 1)
    history: list[float] = []
    energy = 0.0
    for members in _connected_parts(connection, labels):
        if members.size == 2:
            a, b = members
            if connection.graph.edge_index()[a, b] >= 0:
                gauges[a] = connection.transport(int(a), int(b))
            continue
        if members.size < 2:
            continue
        part = weighted.restrict(members)
        result = synchronise(part, refine_steps=refine_steps)
        gauges[torch.as_tensor(members)] = result.gauges
        history.extend(result.fidelity_history)
        energy += result.energy
    return SynchronisationResult(
        gauges=gauges,
        flat=flat_connection(connection, gauges),
        eigenvalues=torch.empty(0, dtype=connection.dtype),
        fidelity_history=history,
        energy=energy,
        edge_weights=weighted.weights,
    )


def analyse_ensemble(
    activities: ActivityInput,
    d: int,
    *,
    graph: str = "complete",
    k: int = 10,
    n_islands: int | None = None,
    cluster_method: str = "spectral",
    n_axes: int | None = None,
    probe_ids: Mapping[str, Sequence] | Sequence[Sequence] | None = None,
    refine_steps: int = 200,
    dtype: torch.dtype = torch.float64,
    callback: Callable[[str], None] | None = None,
) -> ModuliAnalysis:
    """Run activity -> connection -> islands -> synchronisation -> ellipsoids.

    Parameters
    ----------
    activities : mapping or sequence of arrays
        ``(m, width_i)`` hidden activity of each network on the same probes.
    d : int
        Reduced dimension, the rank of the structure group O(d).
    graph : {"complete", "knn"}
        Ensemble graph.  ``"knn"`` links each network to its ``k`` nearest by the sketched Gram
        distance (:func:`~geomwork.attention.gram_distances`).  It also adds a minimum spanning
        tree, so the graph is connected.
    k : int
    n_islands : int, optional
        Fixed number of islands (default: :func:`~geomwork.attention.count_islands`).
    cluster_method : {"spectral", "agglomerative"}
    n_axes : int, optional
        Principal axes kept per island (default ``d``).
    probe_ids, dtype
        As in :func:`~geomwork.attention.reduce_activity`.
    refine_steps : int
    callback : callable, optional
        Called with the name of each stage as it starts.

    Notes
    -----
    Each island is synchronised on its own (:func:`synchronise_islands`) with the island
    affinities as edge weights, so outlier edges barely pull on the gauges.
    """
    def report(stage: str) -> None:
        logger.info("moduli attention: %s", stage)
        if callback is not None:
            callback(stage)

    report("reduce activity")
    names, reduced = reduce_activity(activities, d, probe_ids=probe_ids, dtype=dtype)

    report("build connection")
    if graph == "complete":
        ensemble_graph = complete_graph(len(names), names)
    elif graph == "knn":
        ensemble_graph = knn_graph(gram_distances(reduced), k, names, connect=True)
    else:
        raise ValueError(f"graph = {graph!r} is not known; use 'complete' or 'knn'")
    connection = build_connection(reduced, ensemble_graph)

    report("find islands")
    inconsistency = edge_inconsistency(connection)
    islands = find_islands(connection, n_islands, method=cluster_method, inconsistency=inconsistency)

    report("synchronise")
    affinity = island_affinity(connection, inconsistency)
    edges = ensemble_graph.edges.numpy()
    weights = torch.as_tensor(affinity[edges[:, 0], edges[:, 1]], dtype=dtype)
    weights = weights.clamp_min(torch.finfo(dtype).eps * float(weights.max()))
    synchronisation = synchronise_islands(connection, islands.labels, weights=weights, refine_steps=refine_steps)

    report("ellipsoids")
    ellipsoids = island_ellipsoids(reduced, synchronisation.gauges, islands.labels, d if n_axes is None else n_axes)
    return ModuliAnalysis(names, reduced, connection, synchronisation, islands, ellipsoids)
