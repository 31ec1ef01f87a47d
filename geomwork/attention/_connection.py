"""The ensemble graph, the O(d) connection on it, triangle holonomy and Yang–Mills energy.

Conventions
-----------
Nodes are networks ``0 .. n-1``.  Edges are stored once, as pairs ``(i, j)`` with ``i < j``,
together with the transport map :math:`O_{ij}` (``j``'s coordinates into ``i``'s); the reverse
map is :math:`O_{ji} = O_{ij}^T`.  A triangle ``(i, j, k)`` with ``i < j < k`` has holonomy

.. math:: H_{ijk} = O_{ij} O_{jk} O_{ki},

the parallel transport around the loop :math:`i \\to k \\to j \\to i` acting on the fibre at ``i``.
Its curvature is :math:`\\|H_{ijk} - I\\|_F^2 = 2d - 2\\,\\mathrm{tr}\\,H_{ijk}`, the Wilson
plaquette term, and the Yang–Mills energy is
:math:`E = \\sum_{ijk} w_{ijk} \\|H_{ijk} - I\\|_F^2` with triangle weight
:math:`w_{ijk} = w_{ij} w_{jk} w_{ki}`.  A gauge transformation :math:`h \\in O(d)^n` acts as
:math:`O_{ij} \\mapsto h_i O_{ij} h_j^T`, so :math:`H_{ijk} \\mapsto h_i H_{ijk} h_i^T` and
curvature and energy are gauge invariant.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np
import scipy.sparse
import scipy.sparse.csgraph
import torch

from ._activity import procrustes_map

__all__ = [
    "Connection",
    "EnsembleGraph",
    "build_connection",
    "complete_graph",
    "gram_distances",
    "knn_graph",
    "orthogonality_tolerance",
    "procrustes_residuals",
    "random_orthogonal",
]

logger = logging.getLogger("geomwork.attention.connection")

# Largest accepted max|O^T O - I| per dtype: a few hundred ulps of round-off from products and SVDs.
_ORTHOGONALITY_TOLERANCE = {torch.float64: 1e-10, torch.float32: 1e-4}


def orthogonality_tolerance(dtype: torch.dtype) -> float:
    """Return the largest accepted :math:`\\max|O^T O - I|` for maps of ``dtype``."""
    if dtype not in _ORTHOGONALITY_TOLERANCE:
        raise TypeError(f"map dtype {dtype} is not supported; use torch.float64 or torch.float32")
    return _ORTHOGONALITY_TOLERANCE[dtype]


def random_orthogonal(
    shape: Sequence[int],
    d: int,
    *,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64,
    special: bool = False,
) -> torch.Tensor:
    """Draw Haar-random matrices of O(d) (or SO(d) with ``special=True``), shape ``(*shape, d, d)``.

    Uses the QR decomposition of a Gaussian matrix with the signs of ``diag(R)`` absorbed into
    ``Q`` (Mezzadri 2007), which makes ``Q`` Haar distributed.
    """
    gaussian = torch.randn(*shape, d, d, generator=generator, dtype=torch.float64)
    q, r = torch.linalg.qr(gaussian)
    q = q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1)).unsqueeze(-2)
    if special:
        flip = torch.linalg.det(q) < 0
        q[..., :, 0] = torch.where(flip.unsqueeze(-1), -q[..., :, 0], q[..., :, 0])
    return q.to(dtype)


@dataclass(frozen=True)
class EnsembleGraph:
    """An undirected graph on ``n`` networks with edges stored as ``(i, j)``, ``i < j``.

    Attributes
    ----------
    n : int
        Number of networks.
    edges : torch.Tensor
        ``(E, 2)`` int64, rows sorted lexicographically.
    names : tuple of str
        Network names, used in error messages.
    """

    n: int
    edges: torch.Tensor
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        edges = torch.as_tensor(self.edges, dtype=torch.int64).reshape(-1, 2)
        if self.n < 3:
            raise ValueError(f"an ensemble graph needs at least three networks, got n = {self.n}")
        if edges.numel() and (edges.min() < 0 or edges.max() >= self.n):
            raise ValueError(f"edge endpoints must lie in 0 .. {self.n - 1}, got {edges.min()} .. {edges.max()}")
        if (edges[:, 0] == edges[:, 1]).any():
            loop = int(edges[edges[:, 0] == edges[:, 1]][0, 0])
            raise ValueError(f"edge ({loop}, {loop}) is a self-loop; the graph must be simple")
        edges = torch.sort(edges, dim=1).values
        edges = torch.unique(edges, dim=0)
        object.__setattr__(self, "edges", edges)
        names = tuple(self.names) if self.names else tuple(f"network {index}" for index in range(self.n))
        if len(names) != self.n:
            raise ValueError(f"got {len(names)} network names for a graph on {self.n} networks")
        object.__setattr__(self, "names", names)
        self._check_connected()

    def _check_connected(self) -> None:
        edges = self.edges.numpy()
        adjacency = scipy.sparse.coo_matrix(
            (np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(self.n, self.n)
        )
        count, labels = scipy.sparse.csgraph.connected_components(adjacency, directed=False)
        if count > 1:
            stray = int(np.flatnonzero(labels != labels[0])[0])
            raise ValueError(
                f"the ensemble graph is disconnected ({count} components): {self.names[stray]} cannot be "
                f"reached from {self.names[0]}; add edges (e.g. a larger k) or analyse the parts separately"
            )

    @property
    def n_edges(self) -> int:
        return int(self.edges.shape[0])

    def adjacency(self) -> np.ndarray:
        """Return the ``(n, n)`` boolean adjacency matrix."""
        adjacency = np.zeros((self.n, self.n), dtype=bool)
        edges = self.edges.numpy()
        adjacency[edges[:, 0], edges[:, 1]] = True
        adjacency[edges[:, 1], edges[:, 0]] = True
        return adjacency

    def edge_index(self) -> np.ndarray:
        """Return the ``(n, n)`` table of edge positions, ``-1`` where there is no edge."""
        index = np.full((self.n, self.n), -1, dtype=np.int64)
        edges = self.edges.numpy()
        positions = np.arange(len(edges))
        index[edges[:, 0], edges[:, 1]] = positions
        index[edges[:, 1], edges[:, 0]] = positions
        return index

    def triangles(self, *, limit: int = 5_000_000) -> torch.Tensor:
        """Return every triangle ``(i, j, k)``, ``i < j < k``, as an ``(T, 3)`` int64 tensor.

        Raises ValueError when there are more than ``limit`` triangles (a complete graph on 500
        networks has about 2e7); use a k-nearest-neighbour graph there.
        """
        adjacency = self.adjacency()
        upper = np.triu(adjacency, k=1)
        counts = (upper.astype(np.int64) @ upper.astype(np.int64) * upper).sum()
        if counts > limit:
            raise ValueError(
                f"the graph has {counts} triangles, more than limit = {limit}; "
                "use knn_graph or raise the limit"
            )
        found = []
        for i, j in self.edges.numpy():
            common = np.flatnonzero(upper[i] & upper[j])
            common = common[common > j]
            if common.size:
                found.append(np.column_stack([np.full(common.size, i), np.full(common.size, j), common]))
        if not found:
            return torch.empty((0, 3), dtype=torch.int64)
        return torch.as_tensor(np.concatenate(found), dtype=torch.int64)


def complete_graph(n: int, names: Sequence[str] = ()) -> EnsembleGraph:
    """Return the complete graph on ``n`` networks."""
    rows, cols = torch.triu_indices(n, n, offset=1)
    return EnsembleGraph(n, torch.stack([rows, cols], dim=1), tuple(names))


def knn_graph(
    distance: torch.Tensor | np.ndarray, k: int, names: Sequence[str] = (), *, connect: bool = False
) -> EnsembleGraph:
    """Return the symmetrised k-nearest-neighbour graph of a distance matrix.

    Edge ``(i, j)`` is present when ``j`` is among the ``k`` nearest networks of ``i`` or the
    reverse.  With ``connect=True`` the edges of a minimum spanning tree of ``distance`` are
    added, which joins separate islands by their closest pairs.  Raises ValueError when ``k``
    is out of range or the graph is disconnected.
    """
    distance = np.asarray(distance, dtype=np.float64)
    n = distance.shape[0]
    if distance.shape != (n, n):
        raise ValueError(f"distance matrix must be square, got shape {distance.shape}")
    if not 1 <= k < n:
        raise ValueError(f"k = {k} must lie between 1 and n - 1 = {n - 1}")
    masked = distance.copy()
    np.fill_diagonal(masked, np.inf)
    neighbours = np.argsort(masked, axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(n), k)
    edges = np.column_stack([rows, neighbours.ravel()])
    if connect:
        # Zero distances would be dropped from the sparse tree, so shift them above zero.
        positive = distance - distance.min() + 1e-12
        np.fill_diagonal(positive, 0)
        tree = scipy.sparse.csgraph.minimum_spanning_tree(positive).tocoo()
        edges = np.concatenate([edges, np.column_stack([tree.row, tree.col])])
    return EnsembleGraph(n, torch.as_tensor(edges), tuple(names))


def procrustes_residuals(reduced: torch.Tensor, *, chunk: int = 64) -> torch.Tensor:
    """Return the ``(n, n)`` normalised Procrustes residuals of all pairs of networks.

    Uses :math:`\\min_R \\|A_j R - A_i\\|_F^2 = \\|A_i\\|_F^2 + \\|A_j\\|_F^2 - 2\\|A_i^T A_j\\|_*`
    (nuclear norm), divided by :math:`\\|A_i\\|_F^2 + \\|A_j\\|_F^2` as in
    :func:`~geomwork.attention.procrustes_map`.  Batched in torch, so it serves as the distance
    for :func:`knn_graph` on large ensembles.
    """
    n = reduced.shape[0]
    norms = reduced.square().sum(dim=(1, 2))
    residuals = torch.empty((n, n), dtype=reduced.dtype)
    for start in range(0, n, chunk):
        block = reduced[start : start + chunk]
        cross = torch.einsum("amd,bme->abde", block, reduced)
        # Nuclear norm from eigenvalues of C^T C, which is faster than a batched SVD.
        gram = cross.transpose(-2, -1) @ cross
        nuclear = torch.linalg.eigvalsh(gram).clamp_min(0).sqrt().sum(-1)
        total = norms[start : start + chunk, None] + norms[None, :]
        residuals[start : start + chunk] = 1 - 2 * nuclear / total.clamp_min(torch.finfo(reduced.dtype).tiny)
    residuals = residuals.clamp(0, 1)
    residuals.fill_diagonal_(0)
    return 0.5 * (residuals + residuals.T)


def gram_distances(
    reduced: torch.Tensor, *, sketch: int = 128, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Return sketched distances :math:`\\|(G_i - G_j)\\Omega\\|_F` between Gram matrices, shape ``(n, n)``.

    :math:`G_i = A_i A_i^T` (``m x m``) is unchanged by :math:`A_i \\mapsto A_i h^T` for any
    :math:`h \\in O(d)`, so this is a gauge-invariant distance between networks.
    :math:`\\Omega` is an ``(m, sketch)`` Gaussian matrix scaled by ``1/sqrt(sketch)``, so the
    sketched distance estimates :math:`\\|G_i - G_j\\|_F` (Johnson–Lindenstrauss).  It costs
    :math:`O(n m d s + n^2 m s)` instead of the all-pairs Procrustes problems of
    :func:`procrustes_residuals`, which suits the k-nearest-neighbour graph of large ensembles.
    """
    n, m, _ = reduced.shape
    generator = torch.Generator().manual_seed(0) if generator is None else generator
    omega = torch.randn(m, sketch, generator=generator, dtype=torch.float64).to(reduced.dtype) / sketch**0.5
    sketches = (reduced @ (reduced.transpose(1, 2) @ omega)).reshape(n, -1)
    distances = torch.cdist(sketches, sketches)
    distances.fill_diagonal_(0)
    return 0.5 * (distances + distances.T)


@dataclass(frozen=True)
class Connection:
    """An O(d) connection on an ensemble graph: one transport map per edge.

    Attributes
    ----------
    graph : EnsembleGraph
    maps : torch.Tensor
        ``(E, d, d)``; ``maps[e]`` is :math:`O_{ij}` for ``graph.edges[e] = (i, j)``.
    weights : torch.Tensor
        ``(E,)`` non-negative edge weights :math:`w_{ij}`.
    residuals : torch.Tensor
        ``(E,)`` normalised Procrustes residuals (zeros when the maps were given directly).

    Raises
    ------
    ValueError
        On shapes that do not match the graph, maps that are not orthogonal within
        :func:`orthogonality_tolerance`, negative or non-finite weights.
    """

    graph: EnsembleGraph
    maps: torch.Tensor
    weights: torch.Tensor
    residuals: torch.Tensor = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        maps, weights = self.maps, torch.as_tensor(self.weights, dtype=self.maps.dtype)
        if maps.ndim != 3 or maps.shape[0] != self.graph.n_edges or maps.shape[1] != maps.shape[2]:
            raise ValueError(
                f"maps must have shape ({self.graph.n_edges}, d, d) for {self.graph.n_edges} edges, "
                f"got {tuple(maps.shape)}"
            )
        tolerance = orthogonality_tolerance(maps.dtype)
        identity = torch.eye(maps.shape[1], dtype=maps.dtype)
        defect = (maps.transpose(1, 2) @ maps - identity).abs().amax(dim=(1, 2))
        if (defect > tolerance).any():
            worst = int(defect.argmax())
            i, j = self.graph.edges[worst].tolist()
            raise ValueError(
                f"map on edge ({self.graph.names[i]}, {self.graph.names[j]}) is not orthogonal: "
                f"max|O^T O - I| = {float(defect[worst]):.3g} > {tolerance:g}; project it onto O(d) first"
            )
        if weights.shape != (self.graph.n_edges,) or not torch.isfinite(weights).all() or (weights < 0).any():
            raise ValueError(f"weights must be {self.graph.n_edges} finite non-negative numbers, got {weights}")
        object.__setattr__(self, "weights", weights)
        residuals = torch.zeros_like(weights) if self.residuals is None else torch.as_tensor(self.residuals)
        object.__setattr__(self, "residuals", residuals.to(maps.dtype))

    @property
    def n(self) -> int:
        return self.graph.n

    @property
    def d(self) -> int:
        return int(self.maps.shape[1])

    @property
    def dtype(self) -> torch.dtype:
        return self.maps.dtype

    def transport(self, i: int, j: int) -> torch.Tensor:
        """Return :math:`O_{ij}`, the map from network ``j``'s coordinates into ``i``'s."""
        index = self.graph.edge_index()[i, j]
        if index < 0:
            raise KeyError(f"there is no edge between {self.graph.names[i]} and {self.graph.names[j]}")
        return self.maps[index] if i < j else self.maps[index].T

    def dense_maps(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(maps, weights)`` as ``(n, n, d, d)`` and ``(n, n)`` with :math:`O_{ji} = O_{ij}^T`.

        Missing edges have zero weight and a zero map; the diagonal is the identity with
        zero weight.
        """
        n, d = self.n, self.d
        dense = torch.zeros((n, n, d, d), dtype=self.dtype)
        dense[torch.arange(n), torch.arange(n)] = torch.eye(d, dtype=self.dtype)
        weights = torch.zeros((n, n), dtype=self.dtype)
        i, j = self.graph.edges[:, 0], self.graph.edges[:, 1]
        dense[i, j] = self.maps
        dense[j, i] = self.maps.transpose(1, 2)
        weights[i, j] = self.weights
        weights[j, i] = self.weights
        return dense, weights

    def restrict(self, members: Sequence[int]) -> "Connection":
        """Return the connection on the subgraph induced by ``members``, renumbered ``0 .. len-1``.

        Raises ValueError (from :class:`EnsembleGraph`) when the subgraph has fewer than three
        networks or is disconnected.
        """
        members = np.unique(np.asarray(members, dtype=np.int64))
        position = np.full(self.n, -1, dtype=np.int64)
        position[members] = np.arange(members.size)
        edges = self.graph.edges.numpy()
        keep = torch.as_tensor((position[edges[:, 0]] >= 0) & (position[edges[:, 1]] >= 0))
        # The renumbering is increasing, so kept edges stay (i < j) and in lexicographic order.
        new_edges = torch.as_tensor(position[edges[keep.numpy()]])
        graph = EnsembleGraph(members.size, new_edges, tuple(self.graph.names[m] for m in members))
        return Connection(graph, self.maps[keep], self.weights[keep], self.residuals[keep])

    def gauge_transform(self, gauge: torch.Tensor) -> "Connection":
        """Return the connection after :math:`O_{ij} \\mapsto h_i O_{ij} h_j^T` for ``gauge`` ``(n, d, d)``."""
        if gauge.shape != (self.n, self.d, self.d):
            raise ValueError(f"gauge must have shape ({self.n}, {self.d}, {self.d}), got {tuple(gauge.shape)}")
        gauge = gauge.to(self.dtype)
        i, j = self.graph.edges[:, 0], self.graph.edges[:, 1]
        return replace(self, maps=gauge[i] @ self.maps @ gauge[j].transpose(1, 2))

    def triangle_maps(self, triangles: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return :math:`O_{ij}, O_{jk}, O_{ki}` for each triangle row ``(i, j, k)``, ``i < j < k``."""
        index = torch.as_tensor(self.graph.edge_index())
        i, j, k = triangles[:, 0], triangles[:, 1], triangles[:, 2]
        return self.maps[index[i, j]], self.maps[index[j, k]], self.maps[index[i, k]].transpose(1, 2)

    def holonomy(self, triangles: torch.Tensor | None = None) -> torch.Tensor:
        """Return the holonomies :math:`H_{ijk} = O_{ij} O_{jk} O_{ki}`, shape ``(T, d, d)``."""
        triangles = self.graph.triangles() if triangles is None else triangles
        o_ij, o_jk, o_ki = self.triangle_maps(triangles)
        return o_ij @ o_jk @ o_ki

    def curvature(self, triangles: torch.Tensor | None = None) -> torch.Tensor:
        """Return :math:`\\|H_{ijk} - I\\|_F^2 = 2d - 2\\,\\mathrm{tr} H_{ijk}` per triangle, shape ``(T,)``."""
        holonomy = self.holonomy(triangles)
        identity = torch.eye(self.d, dtype=self.dtype)
        return (holonomy - identity).square().sum(dim=(1, 2))

    def triangle_weights(self, triangles: torch.Tensor | None = None) -> torch.Tensor:
        """Return :math:`w_{ijk} = w_{ij} w_{jk} w_{ki}` per triangle."""
        triangles = self.graph.triangles() if triangles is None else triangles
        index = torch.as_tensor(self.graph.edge_index())
        i, j, k = triangles[:, 0], triangles[:, 1], triangles[:, 2]
        return self.weights[index[i, j]] * self.weights[index[j, k]] * self.weights[index[i, k]]

    def yang_mills_energy(self, triangles: torch.Tensor | None = None) -> torch.Tensor:
        """Return :math:`E = \\sum_{ijk} w_{ijk} \\|H_{ijk} - I\\|_F^2`, a gauge-invariant scalar."""
        triangles = self.graph.triangles() if triangles is None else triangles
        return (self.triangle_weights(triangles) * self.curvature(triangles)).sum()


def build_connection(
    reduced: torch.Tensor,
    graph: EnsembleGraph,
    *,
    callback=None,
) -> Connection:
    """Compute the Procrustes transport map and weight of every edge of ``graph``.

    Parameters
    ----------
    reduced : torch.Tensor
        ``(n, m, d)`` reduced activity from :func:`~geomwork.attention.reduce_activity`.
    graph : EnsembleGraph
    callback : callable, optional
        Called as ``callback(done, total)`` after each edge.

    Returns
    -------
    Connection
        Maps :math:`O_{ij}` from :func:`~geomwork.attention.procrustes_map`, residuals
        :math:`\\rho_{ij}` and weights :math:`w_{ij} = 1 - \\rho_{ij}`.
    """
    if reduced.ndim != 3 or reduced.shape[0] != graph.n:
        raise ValueError(f"reduced activity must have shape ({graph.n}, m, d), got {tuple(reduced.shape)}")
    maps, residuals = [], []
    total = graph.n_edges
    for done, (i, j) in enumerate(graph.edges.tolist(), start=1):
        transport, residual = procrustes_map(reduced[j], reduced[i])
        maps.append(transport)
        residuals.append(residual)
        if callback is not None:
            callback(done, total)
    logger.info("built a connection on %d networks and %d edges (d = %d)", graph.n, total, reduced.shape[2])
    residual_tensor = torch.tensor(residuals, dtype=reduced.dtype)
    return Connection(graph, torch.stack(maps), 1 - residual_tensor, residual_tensor)
