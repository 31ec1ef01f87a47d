"""From network activity to elements of O(d): centring, PCA reduction, Procrustes, CKA.

Conventions
-----------
An activity matrix has one row per probe input and one column per unit, shape ``(m, width)``.
After reduction, network ``i`` has coordinates :math:`A_i` of shape ``(m, d)``; a probe's
activity is the column vector :math:`x_i = A_i[p]^T \\in \\mathbb{R}^d`.  The transport map
:math:`O_{ij} \\in O(d)` carries network ``j``'s coordinates into network ``i``'s, so
:math:`x_i \\approx O_{ij} x_j`, i.e. :math:`A_i \\approx A_j O_{ij}^T`.  It is the orthogonal
Procrustes solution :math:`O_{ij}^T = \\arg\\min_{R \\in O(d)} \\|A_j R - A_i\\|_F` and satisfies
:math:`O_{ji} = O_{ij}^T`.
"""

from __future__ import annotations

import logging
from typing import Mapping, Sequence

import numpy as np
import scipy.linalg
import torch

__all__ = [
    "linear_cka",
    "procrustes_map",
    "reduce_activity",
    "validate_activity",
]

logger = logging.getLogger("geomwork.attention.activity")

ActivityInput = Mapping[str, "torch.Tensor | np.ndarray"] | Sequence["torch.Tensor | np.ndarray"]


def _as_named_tensors(
    activities: ActivityInput, dtype: torch.dtype
) -> tuple[list[str], list[torch.Tensor]]:
    if isinstance(activities, Mapping):
        names = [str(name) for name in activities]
        values = list(activities.values())
    else:
        values = list(activities)
        names = [f"network {index}" for index in range(len(values))]
    tensors = [torch.as_tensor(np.asarray(value) if not torch.is_tensor(value) else value) for value in values]
    return names, [tensor.to(dtype) for tensor in tensors]


def validate_activity(
    activities: ActivityInput,
    *,
    probe_ids: Mapping[str, Sequence] | Sequence[Sequence] | None = None,
    d: int | None = None,
    dtype: torch.dtype = torch.float64,
) -> tuple[list[str], list[torch.Tensor]]:
    """Check an ensemble's activity matrices and return ``(names, tensors)``.

    Parameters
    ----------
    activities : mapping of name to array, or sequence of arrays
        Hidden-layer activity of each network on the shared probe set, each ``(m, width_i)``.
        Sequences are named ``"network 0"``, ``"network 1"``, ...
    probe_ids : mapping or sequence, optional
        Identifiers of the probe inputs each network saw, in row order.  Every network must have
        seen the same probes in the same order, because Procrustes compares rows one to one.
    d : int, optional
        Reduced dimension; every layer must be at least this wide.
    dtype : torch.dtype
        float64 (default) or float32.

    Raises
    ------
    ValueError
        Fewer than three networks, a matrix that is not 2-D, mismatched probe sets or row counts,
        NaN or infinite activity, or ``d`` larger than a layer's width or the probe count.  The
        message names the network.
    """
    if dtype not in (torch.float64, torch.float32):
        raise TypeError(f"activity dtype {dtype} is not supported; use torch.float64 or torch.float32")
    names, tensors = _as_named_tensors(activities, dtype)
    if len(tensors) < 3:
        raise ValueError(
            f"an ensemble needs at least three networks to have triangles and curvature, got {len(tensors)}"
        )

    for name, tensor in zip(names, tensors):
        if tensor.ndim != 2:
            raise ValueError(f"activity of {name} has shape {tuple(tensor.shape)}; expected (probes, units)")
        if not torch.isfinite(tensor).all():
            bad = int((~torch.isfinite(tensor)).sum())
            raise ValueError(f"activity of {name} contains {bad} NaN or infinite values; clean or drop that network")

    if probe_ids is not None:
        ids = list(probe_ids.values()) if isinstance(probe_ids, Mapping) else list(probe_ids)
        if len(ids) != len(tensors):
            raise ValueError(f"got probe ids for {len(ids)} networks but activity for {len(tensors)}")
        reference = np.asarray(ids[0])
        for name, own in zip(names, ids):
            if not np.array_equal(np.asarray(own), reference):
                raise ValueError(
                    f"probe set of {name} differs from that of {names[0]}; "
                    "run every network on the same probes in the same order"
                )

    rows = tensors[0].shape[0]
    for name, tensor in zip(names, tensors):
        if tensor.shape[0] != rows:
            raise ValueError(
                f"activity of {name} has {tensor.shape[0]} probe rows but {names[0]} has {rows}; "
                "run every network on the same probe set"
            )
        if d is not None and d > tensor.shape[1]:
            raise ValueError(
                f"d = {d} is larger than the layer width {tensor.shape[1]} of {name}; choose d <= {tensor.shape[1]}"
            )
    if d is not None and (d < 1 or d > rows - 1):
        raise ValueError(f"d = {d} must lie between 1 and the number of probes minus one ({rows - 1})")
    return names, tensors


def reduce_activity(
    activities: ActivityInput,
    d: int,
    *,
    probe_ids: Mapping[str, Sequence] | Sequence[Sequence] | None = None,
    normalise: bool = True,
    dtype: torch.dtype = torch.float64,
) -> tuple[list[str], torch.Tensor]:
    """Centre each network's activity and project it onto its top ``d`` principal components.

    Each matrix :math:`X_i` (``(m, width_i)``) is centred over probes,
    :math:`\\bar X_i = X_i - \\mathbf{1}\\mu_i^T`, and replaced by its PCA scores
    :math:`A_i = \\bar X_i V_i` where the columns of :math:`V_i` are the top ``d`` right singular vectors.
    The scores of different networks live in unrelated bases of :math:`\\mathbb{R}^d`, which is
    the gauge freedom that synchronisation removes.

    Parameters
    ----------
    activities, probe_ids
        As in :func:`validate_activity`.
    d : int
        Reduced dimension.
    normalise : bool
        Divide each :math:`A_i` by its root-mean-square row norm, so that wide and narrow
        layers compare on one scale.
    dtype : torch.dtype

    Returns
    -------
    names : list of str
    reduced : torch.Tensor
        ``(n, m, d)`` PCA scores, columns ordered by decreasing variance.
    """
    names, tensors = validate_activity(activities, probe_ids=probe_ids, d=d, dtype=dtype)
    reduced = []
    for name, tensor in zip(names, tensors):
        centred = tensor - tensor.mean(dim=0, keepdim=True)
        _, singular, right = torch.linalg.svd(centred, full_matrices=False)
        if singular[d - 1] <= singular[0] * torch.finfo(dtype).eps * max(centred.shape):
            logger.warning("activity of %s has rank below d = %d; the reduced coordinates are degenerate", name, d)
        scores = centred @ right[:d].T
        if normalise:
            scale = scores.square().sum(dim=1).mean().sqrt()
            if scale > 0:
                scores = scores / scale
        reduced.append(scores)
    return names, torch.stack(reduced)


def procrustes_map(source: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, float]:
    """Return the orthogonal transport map from ``source`` coordinates to ``target`` coordinates.

    Solves the orthogonal Procrustes problem :math:`\\min_{R \\in O(d)} \\|S R - T\\|_F`
    with :func:`scipy.linalg.orthogonal_procrustes` (Schönemann 1966) and returns
    :math:`O = R^T`, so that column vectors map as :math:`t \\approx O s`.

    Parameters
    ----------
    source, target : torch.Tensor
        ``(m, d)`` coordinates of the same probes.

    Returns
    -------
    map : torch.Tensor
        ``(d, d)`` orthogonal matrix.
    residual : float
        Normalised residual :math:`\\|S R - T\\|_F^2 / (\\|S\\|_F^2 + \\|T\\|_F^2) \\in [0, 1]`:
        0 when the two agree up to an orthogonal map, near 1 when they are unrelated.
    """
    source_np = source.detach().cpu().numpy()
    target_np = target.detach().cpu().numpy()
    rotation, _ = scipy.linalg.orthogonal_procrustes(source_np, target_np)
    misfit = float(np.square(source_np @ rotation - target_np).sum())
    total = float(np.square(source_np).sum() + np.square(target_np).sum())
    residual = misfit / total if total > 0 else 0.0
    return torch.as_tensor(rotation.T.copy(), dtype=source.dtype), min(max(residual, 0.0), 1.0)


def linear_cka(x: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray) -> float:
    """Return the linear centred kernel alignment of two activity matrices.

    :math:`\\mathrm{CKA}(X, Y) = \\|Y_c^T X_c\\|_F^2 / (\\|X_c^T X_c\\|_F \\, \\|Y_c^T Y_c\\|_F)`
    with :math:`X_c, Y_c` centred over rows (Kornblith et al. 2019).  It is invariant under
    orthogonal maps and isotropic scaling of either argument, so it is a gauge-invariant
    similarity.

    Parameters
    ----------
    x, y : array
        ``(m, p)`` and ``(m, q)`` activity of the same ``m`` probes.
    """
    x = torch.as_tensor(np.asarray(x) if not torch.is_tensor(x) else x, dtype=torch.float64)
    y = torch.as_tensor(np.asarray(y) if not torch.is_tensor(y) else y, dtype=torch.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0]:
        raise ValueError(
            f"linear CKA needs two matrices with the same number of rows, got {tuple(x.shape)} and {tuple(y.shape)}"
        )
    x = x - x.mean(dim=0, keepdim=True)
    y = y - y.mean(dim=0, keepdim=True)
    cross = torch.linalg.matrix_norm(y.T @ x).square()
    normaliser = torch.linalg.matrix_norm(x.T @ x) * torch.linalg.matrix_norm(y.T @ y)
    if normaliser == 0:
        raise ValueError("linear CKA is undefined when one matrix is constant over rows")
    return float(cross / normaliser)
