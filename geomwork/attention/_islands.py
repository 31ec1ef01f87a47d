"""Islands of agreement: clusters of networks whose connection is nearly flat.

An edge inside an island lies on many triangles whose holonomy is close to the identity.  An
outlier edge or an edge between islands lies on few.  The per-edge inconsistency is therefore a
low quantile of the curvature :math:`\\|H - I\\|_F` over the triangles through the edge.  Edge
affinities :math:`a_{ij} = w_{ij} \\exp(-\\kappa_{ij}^2 / \\tau^2)` (Procrustes weight times a
curvature factor) feed spectral clustering or average-linkage agglomerative clustering, and the
average-linkage merge tree is the part–whole hierarchy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.cluster.hierarchy
import scipy.sparse.csgraph
import scipy.spatial.distance
import torch
from sklearn.cluster import SpectralClustering

from ._connection import Connection

__all__ = ["Islands", "count_islands", "edge_inconsistency", "find_islands", "island_affinity"]

logger = logging.getLogger("geomwork.attention.islands")


def edge_inconsistency(
    connection: Connection,
    *,
    quantile: float = 0.25,
    weighted: bool = True,
    max_cycles: int = 64,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Return the per-edge inconsistency: a low quantile of :math:`\\|H - I\\|_F` over triangles.

    Parameters
    ----------
    connection : Connection
    quantile : float
        Quantile in ``[0, 1]`` of the triangle curvatures through each edge (the lower quantile,
        a value that occurs).  A low quantile keeps an edge inside an island consistent even when
        its triangles to other islands are not.
    weighted : bool
        Weight triangle ``(i, j, k)`` by :math:`w_{jk} w_{ki}`, the weights of its other two
        edges, so that cycles through well-fitting edges count most.  Without it an island
        smaller than ``quantile`` times the ensemble gets inconsistent inner edges, because
        most triangles through them leave the island.
    max_cycles : int
        At most this many triangles per edge, sampled uniformly from ``generator`` when there
        are more.
    generator : torch.Generator, optional

    Returns
    -------
    torch.Tensor
        ``(E,)``, in ``[0, 2 sqrt(d)]``.  An edge on no triangle gets the median of the others
        (or 0 when no edge lies on a triangle), since no cycle tests it.
    """
    if not 0 <= quantile <= 1:
        raise ValueError(f"quantile = {quantile} must lie in [0, 1]")
    graph = connection.graph
    adjacency = graph.adjacency()
    index = graph.edge_index()
    edges = graph.edges.numpy()
    generator = torch.Generator().manual_seed(0) if generator is None else generator

    # Sample third vertices k for every edge (i, j) from the common neighbours.
    rows, thirds = [], []
    for position, (i, j) in enumerate(edges):
        common = np.flatnonzero(adjacency[i] & adjacency[j])
        if common.size > max_cycles:
            pick = torch.randperm(common.size, generator=generator)[:max_cycles].numpy()
            common = common[pick]
        rows.append(np.full(common.size, position))
        thirds.append(common)
    rows_np = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    thirds_np = np.concatenate(thirds) if thirds else np.empty(0, dtype=np.int64)

    result = torch.full((graph.n_edges,), float("nan"), dtype=connection.dtype)
    if rows_np.size:
        i, j = edges[rows_np, 0], edges[rows_np, 1]
        o_ij = connection.maps[torch.as_tensor(rows_np)]
        o_jk = _oriented(connection, index, j, thirds_np)
        o_ki = _oriented(connection, index, thirds_np, i)
        identity = torch.eye(connection.d, dtype=connection.dtype)
        curvature = (o_ij @ o_jk @ o_ki - identity).square().sum(dim=(1, 2)).sqrt().numpy()
        if weighted:
            weight_index = torch.as_tensor(index)
            other_weights = (
                connection.weights[weight_index[j, thirds_np]] * connection.weights[weight_index[thirds_np, i]]
            ).numpy()
        else:
            other_weights = np.ones_like(curvature)
        positions, values = _grouped_quantile(rows_np, curvature, other_weights, quantile)
        result[torch.as_tensor(positions)] = torch.as_tensor(values, dtype=connection.dtype)
    missing = torch.isnan(result)
    if missing.any():
        filler = result[~missing].median() if (~missing).any() else torch.zeros((), dtype=result.dtype)
        result[missing] = filler
        logger.info("%d edges lie on no triangle; their inconsistency is set to %.3g", int(missing.sum()), float(filler))
    return result


def _grouped_quantile(
    groups: np.ndarray, values: np.ndarray, weights: np.ndarray, quantile: float
) -> tuple[np.ndarray, np.ndarray]:
    # Weighted lower quantile within each group: the smallest value whose cumulative share of
    # the group's weight reaches the quantile.
    order = np.lexsort((values, groups))
    groups, values, weights = groups[order], values[order], weights[order]
    labels, starts, counts = np.unique(groups, return_index=True, return_counts=True)
    totals = np.add.reduceat(weights, starts)
    cumulative = np.cumsum(weights) - np.repeat(np.cumsum(weights)[starts] - weights[starts], counts)
    share = cumulative / np.repeat(np.where(totals > 0, totals, 1.0), counts)
    reached = share >= quantile - 1e-12
    # First index per group where the share is reached (the last one always reaches 1).
    first = np.minimum.reduceat(np.where(reached, np.arange(len(values)), len(values)), starts)
    return labels, values[first]


def _oriented(connection: Connection, index: np.ndarray, source: np.ndarray, target: np.ndarray) -> torch.Tensor:
    # O_{source, target}: stored maps are O_ij for i < j, so transpose where source > target.
    maps = connection.maps[torch.as_tensor(index[source, target])]
    flip = torch.as_tensor(source > target)
    return torch.where(flip[:, None, None], maps.transpose(1, 2), maps)


def island_affinity(
    connection: Connection,
    inconsistency: torch.Tensor,
    *,
    scale: float | None = None,
    impute: bool = False,
) -> np.ndarray:
    """Return the ``(n, n)`` curvature-reweighted edge affinity, zero off the graph.

    Each edge gets the reliability :math:`f_{ij} = \\exp(-\\kappa_{ij}^2/\\tau^2)` from its
    inconsistency :math:`\\kappa_{ij}` and the affinity :math:`a_{ij} = f_{ij} w_{ij}`.

    ``scale`` is :math:`\\tau`.  By default it is three times the median inconsistency (1 if
    that is 0), so the factor stays near 1 for edges with ordinary noise and only removes edges
    far above the median, such as outliers with random maps.

    With ``impute=True`` an unreliable edge is not dropped but moved towards a neutral value:
    :math:`a_{ij} = f_{ij} w_{ij} + (1 - f_{ij})\\,\\tfrac12(\\mu_i + \\mu_j)`, where
    :math:`\\mu_i` is the reliability-weighted mean weight of the edges at ``i``.  Dropping many
    edges scatters the degrees, which on planted ensembles with overlapping islands and 30%
    outlier edges made spectral clustering fail where imputation does not.  Use the plain
    affinity as synchronisation weights, because an imputed weight would still trust a
    corrupted map.
    """
    if scale is None:
        median = float(inconsistency.median())
        scale = 3 * median if median > 0 else 1.0
    reliability = torch.exp(-(inconsistency / scale).square()).numpy()
    weights = connection.weights.numpy()
    values = reliability * weights

    if impute:
        edges = connection.graph.edges.numpy()
        trusted = np.zeros(connection.n)
        total = np.zeros(connection.n)
        for column in (0, 1):
            np.add.at(trusted, edges[:, column], values)
            np.add.at(total, edges[:, column], reliability)
        node_mean = trusted / np.where(total > 0, total, 1.0)
        neutral = 0.5 * (node_mean[edges[:, 0]] + node_mean[edges[:, 1]])
        values = values + (1 - reliability) * neutral

    affinity = np.zeros((connection.n, connection.n))
    edges = connection.graph.edges.numpy()
    affinity[edges[:, 0], edges[:, 1]] = values
    affinity[edges[:, 1], edges[:, 0]] = values
    return affinity


@dataclass(frozen=True)
class Islands:
    """Islands of agreement and their part–whole hierarchy.

    Attributes
    ----------
    labels : np.ndarray
        ``(n,)`` island of each network, numbered ``0 .. k-1`` by decreasing size.
    affinity : np.ndarray
        ``(n, n)`` curvature-reweighted edge affinity with unreliable edges imputed
        (:func:`island_affinity` with ``impute=True``).
    inconsistency : torch.Tensor
        ``(E,)`` per-edge inconsistency.
    merge_tree : np.ndarray
        SciPy linkage matrix ``(n - 1, 4)`` of average-linkage clustering on ``1 - affinity``
        (normalised to ``[0, 1]``); each row merges two clusters into a larger one.
    """

    labels: np.ndarray
    affinity: np.ndarray
    inconsistency: torch.Tensor
    merge_tree: np.ndarray

    @property
    def n_islands(self) -> int:
        return int(self.labels.max()) + 1

    def members(self, island: int) -> np.ndarray:
        """Return the indices of the networks in ``island``."""
        return np.flatnonzero(self.labels == island)

    def hierarchy(self) -> scipy.cluster.hierarchy.ClusterNode:
        """Return the root of the merge tree as a :class:`scipy.cluster.hierarchy.ClusterNode`."""
        return scipy.cluster.hierarchy.to_tree(self.merge_tree)

    def cut(self, n_islands: int) -> np.ndarray:
        """Return the labels of the merge tree cut into ``n_islands`` parts (numbered from 0)."""
        return scipy.cluster.hierarchy.fcluster(self.merge_tree, n_islands, criterion="maxclust") - 1


def count_islands(affinity, max_islands: int = 10, gap_ratio: float = 10.0) -> int:
    """Count islands from the spectrum of the normalised graph Laplacian of ``affinity``.

    ``affinity`` is a symmetric, non-negative ``(n, n)`` array (numpy or torch) of how well
    each pair of networks agrees, such as :attr:`Islands.affinity` from :func:`find_islands`
    or the result of :func:`island_affinity` with ``impute=True``.

    With eigenvalues :math:`0 = \\lambda_1 \\le \\lambda_2 \\le \\dots`, the candidate count
    :math:`k \\ge 2` has the largest gap :math:`\\lambda_{k+1} - \\lambda_k` for
    :math:`k \\le K = \\min(\\text{max\\_islands}, n/2)`.  The next :math:`K` eigenvalues
    form the lower edge of the bulk.  The count is :math:`k` when the gap exceeds ``gap_ratio``
    times their mean spacing, and 1 otherwise.  The first gap
    :math:`\\lambda_2 - \\lambda_1` is left out because the affinity between islands is rarely
    zero.  That baseline lifts every non-zero eigenvalue, so the first gap is the largest even
    when the islands are clear.

    On planted ensembles (:func:`planted_ensemble`, ``d = 6``) one island of 6 to 200 networks
    gave ratios up to 5.  Two or three islands of 8 to 50 networks with noise up to 0.7 and
    overlap (``shared``) up to 0.8 gave ratios of 11 and more, and of 20 and more from 12
    networks on.  The default of 10 lies between the two.
    """
    if isinstance(affinity, torch.Tensor):
        affinity = affinity.detach().cpu().numpy()
    affinity = np.asarray(affinity, dtype=float)
    if affinity.ndim != 2 or affinity.shape[0] != affinity.shape[1]:
        raise ValueError(f"affinity has shape {affinity.shape}; expected a square (n, n) matrix")
    if not np.isfinite(affinity).all() or (affinity < 0).any():
        raise ValueError("affinity has negative or non-finite entries; expected values >= 0 such as "
                         "those of island_affinity")
    if not np.allclose(affinity, affinity.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(affinity).max()))):
        raise ValueError("affinity is not symmetric; expected affinity[i, j] == affinity[j, i]")
    n = affinity.shape[0]
    limit = min(max_islands, n // 2)
    if limit < 2:
        return 1
    laplacian = scipy.sparse.csgraph.laplacian(affinity, normed=True)
    values = np.linalg.eigvalsh(laplacian)
    gaps = np.diff(values[: limit + 1])
    count = int(np.argmax(gaps[1:])) + 2
    edge = np.diff(values[count : count + limit + 1])
    spacing = edge.mean() if edge.size >= 2 else np.median(np.diff(values[1:]))
    ratio = gaps[count - 1] / max(float(spacing), np.finfo(float).tiny)
    logger.debug("island count: candidate %d with gap ratio %.3g (threshold %g)", count, ratio, gap_ratio)
    return count if ratio > gap_ratio else 1


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    unique, counts = np.unique(labels, return_counts=True)
    order = unique[np.argsort(-counts, kind="stable")]
    mapping = {old: new for new, old in enumerate(order)}
    return np.array([mapping[label] for label in labels])


def find_islands(
    connection: Connection,
    n_islands: int | None = None,
    *,
    method: str = "spectral",
    inconsistency: torch.Tensor | None = None,
    quantile: float = 0.25,
    scale: float | None = None,
    max_islands: int = 10,
    gap_ratio: float = 10.0,
    seed: int = 0,
) -> Islands:
    """Cluster the ensemble into islands of agreement.

    Parameters
    ----------
    connection : Connection
    n_islands : int, optional
        Number of islands; by default counted by :func:`count_islands` from the spectrum of the
        affinity.
    method : {"spectral", "agglomerative"}
        Spectral clustering of the affinity (scikit-learn, precomputed kernel) or a cut of the
        average-linkage merge tree.
    inconsistency : torch.Tensor, optional
        ``(E,)`` per-edge inconsistency; computed by :func:`edge_inconsistency` when omitted.
    quantile : float
        Passed to :func:`edge_inconsistency`.
    scale : float, optional
        Curvature scale :math:`\\tau` of :func:`island_affinity`.
    max_islands, gap_ratio
        Passed to :func:`count_islands` when ``n_islands`` is None.
    seed : int
        Seed of the spectral clustering's k-means step.
    """
    if method not in ("spectral", "agglomerative"):
        raise ValueError(f"method = {method!r} is not known; use 'spectral' or 'agglomerative'")
    if inconsistency is None:
        inconsistency = edge_inconsistency(connection, quantile=quantile)
    affinity = island_affinity(connection, inconsistency, scale=scale, impute=True)
    if n_islands is None:
        n_islands = count_islands(affinity, max_islands, gap_ratio)
    if not 1 <= n_islands <= connection.n:
        raise ValueError(f"n_islands = {n_islands} must lie between 1 and the number of networks {connection.n}")

    # Average-linkage merge tree on the affinity turned into a dissimilarity.
    peak = affinity.max() if affinity.max() > 0 else 1.0
    dissimilarity = 1 - affinity / peak
    np.fill_diagonal(dissimilarity, 0)
    condensed = scipy.spatial.distance.squareform(dissimilarity, checks=False)
    merge_tree = scipy.cluster.hierarchy.linkage(condensed, method="average")

    if method == "spectral" and n_islands > 1:
        clustering = SpectralClustering(n_clusters=n_islands, affinity="precomputed", random_state=seed)
        labels = clustering.fit_predict(affinity + 1e-12 * peak)
    else:
        labels = scipy.cluster.hierarchy.fcluster(merge_tree, n_islands, criterion="maxclust") - 1
    labels = _relabel_by_size(np.asarray(labels))
    logger.info("found %d islands of sizes %s", labels.max() + 1, np.bincount(labels).tolist())
    return Islands(labels=labels, affinity=affinity, inconsistency=inconsistency, merge_tree=merge_tree)
