"""Attention over an ensemble by transported similarity, and the moduli-attention readout.

Gauge equivariance
------------------
Features are ``(batch, n, channels, d)``: ``x[b, i, c]`` is a vector in network ``i``'s fibre.
A local gauge transformation acts as :math:`x_i \\mapsto h_i x_i` and
:math:`O_{ij} \\mapsto h_i O_{ij} h_j^T`.  Scores :math:`\\langle q_i, O_{ij} k_j\\rangle` are
invariant, and values :math:`O_{ij} v_j` transform like :math:`x_i`, so the output satisfies
:math:`f(h x, h O h^T)_i = h_i f(x, O)_i`.  Learned maps mix channels only, because a learned map on
the fibre index commutes with every :math:`h_i` only if it is a multiple of the identity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ._connection import Connection

__all__ = ["GaugeConsensusAttention", "ModuliReadout", "moduli_attention", "network_consistency"]


class GaugeConsensusAttention(nn.Module):
    """Attention between networks whose weights come from transported similarity.

    For network ``i`` attending to its neighbours ``j`` (and itself, with :math:`O_{ii} = I`):

    .. math::
        s_{ij} = \\frac{1}{\\tau\\sqrt{C d}} \\sum_c \\langle q_{ic}, O_{ij} k_{jc} \\rangle + \\log w_{ij},
        \\qquad \\alpha_{ij} = \\mathrm{softmax}_j(s_{ij}),
        \\qquad y_i = x_i + W_o \\sum_j \\alpha_{ij} O_{ij} v_j,

    with :math:`q = W_q x`, :math:`k = W_k x`, :math:`v = W_v x` mixing channels and a learned
    temperature :math:`\\tau`.  Equivariant under local gauge transformations (module docstring).

    Parameters
    ----------
    channels : int
        Number of feature channels ``C``.
    dtype : torch.dtype
        Parameter dtype, float64 by default.
    generator : torch.Generator, optional
        Source of the initial channel-mixing weights.
    """

    def __init__(self, channels: int, *, dtype: torch.dtype = torch.float64, generator: torch.Generator | None = None):
        super().__init__()
        if channels < 1:
            raise ValueError(f"channels = {channels} must be at least 1")
        self.channels = channels

        def mixing() -> nn.Parameter:
            weight = torch.eye(channels, dtype=dtype) + 0.1 * torch.randn(
                channels, channels, generator=generator, dtype=torch.float64
            ).to(dtype)
            return nn.Parameter(weight)

        self.query, self.key, self.value, self.output = mixing(), mixing(), mixing(), mixing()
        self.log_temperature = nn.Parameter(torch.zeros((), dtype=dtype))

    def attention_weights(
        self, x: torch.Tensor, maps: torch.Tensor, weights: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Return :math:`\\alpha_{ij}`, shape ``(batch, n, n)``; gauge invariant."""
        n = x.shape[1]
        self._check(x, maps, weights)
        query = torch.einsum("ce,bned->bncd", self.query, x)
        key = torch.einsum("ce,bned->bncd", self.key, x)
        transported = torch.einsum("ijde,bjce->bijcd", maps, key)
        scores = torch.einsum("bicd,bijcd->bij", query, transported)
        scores = scores / (self.log_temperature.exp() * math.sqrt(self.channels * x.shape[-1]))
        log_weights = self._log_weights(n, weights, x.dtype)
        return torch.softmax(scores + log_weights, dim=-1)

    def forward(self, x: torch.Tensor, maps: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        """Apply the layer.

        Parameters
        ----------
        x : torch.Tensor
            ``(batch, n, channels, d)`` features, each in its network's own gauge.
        maps : torch.Tensor
            ``(n, n, d, d)`` transport maps :math:`O_{ij}` with :math:`O_{ji} = O_{ij}^T`, as from
            :meth:`Connection.dense_maps`.
        weights : torch.Tensor, optional
            ``(n, n)`` non-negative edge weights; zero entries (missing edges) get no attention.
            The diagonal is always attended with weight 1.

        Returns
        -------
        torch.Tensor
            ``(batch, n, channels, d)``, transforming like ``x``.
        """
        alpha = self.attention_weights(x, maps, weights)
        value = torch.einsum("ce,bned->bncd", self.value, x)
        transported = torch.einsum("ijde,bjce->bijcd", maps, value)
        message = torch.einsum("bij,bijcd->bicd", alpha, transported)
        return x + torch.einsum("ce,bned->bncd", self.output, message)

    def _check(self, x: torch.Tensor, maps: torch.Tensor, weights: torch.Tensor | None) -> None:
        if x.ndim != 4 or x.shape[2] != self.channels:
            raise ValueError(f"x must have shape (batch, n, {self.channels}, d), got {tuple(x.shape)}")
        n, d = x.shape[1], x.shape[3]
        if maps.shape != (n, n, d, d):
            raise ValueError(f"maps must have shape ({n}, {n}, {d}, {d}) to match x, got {tuple(maps.shape)}")
        if weights is not None and weights.shape != (n, n):
            raise ValueError(f"weights must have shape ({n}, {n}), got {tuple(weights.shape)}")

    @staticmethod
    def _log_weights(n: int, weights: torch.Tensor | None, dtype: torch.dtype) -> torch.Tensor:
        if weights is None:
            return torch.zeros((n, n), dtype=dtype)
        weights = weights.to(dtype).clone()
        weights.fill_diagonal_(1.0)
        return torch.log(weights.clamp_min(0))


def network_consistency(connection: Connection, gauges: torch.Tensor, labels: np.ndarray) -> torch.Tensor:
    """Return each network's misfit to the flat connection of its island, shape ``(n,)``.

    The misfit of network ``i`` is the weighted mean of :math:`\\|O_{ij} - g_i g_j^T\\|_F^2`
    over its edges to networks ``j`` in the same island (over all its edges if it has none
    there).  It is gauge invariant; 0 means the network agrees exactly with its island.
    """
    labels = np.asarray(labels)
    i, j = connection.graph.edges[:, 0], connection.graph.edges[:, 1]
    misfit = (connection.maps - gauges[i] @ gauges[j].transpose(1, 2)).square().sum(dim=(1, 2))
    same = torch.as_tensor(labels[i.numpy()] == labels[j.numpy()])

    def weighted_mean(mask: torch.Tensor) -> torch.Tensor:
        weights = connection.weights * mask
        total = torch.zeros(connection.n, dtype=connection.dtype).index_add_(0, i, weights).index_add_(0, j, weights)
        summed = torch.zeros(connection.n, dtype=connection.dtype)
        summed.index_add_(0, i, weights * misfit).index_add_(0, j, weights * misfit)
        return summed / total.clamp_min(torch.finfo(connection.dtype).tiny), total

    within, within_total = weighted_mean(same.to(connection.dtype))
    overall, _ = weighted_mean(torch.ones_like(misfit))
    return torch.where(within_total > 0, within, overall)


@dataclass(frozen=True)
class ModuliReadout:
    """Pooled ensemble prediction.

    Attributes
    ----------
    probabilities : torch.Tensor
        ``(m, classes)`` pooled class probabilities.
    network_weights : torch.Tensor
        ``(n,)`` pooling weight of each network; they sum to 1.
    misfit : torch.Tensor
        ``(n,)`` misfit of each network to its island (:func:`network_consistency`).
    """

    probabilities: torch.Tensor
    network_weights: torch.Tensor
    misfit: torch.Tensor


def moduli_attention(
    predictions: torch.Tensor,
    connection: Connection,
    gauges: torch.Tensor,
    labels: np.ndarray,
    *,
    sharpness: float = 1.0,
    island: int | None = None,
) -> ModuliReadout:
    """Pool the ensemble's predictions with weights from each network's consistency with its island.

    Network ``i`` in island ``I`` gets weight
    :math:`\\pi_i = \\frac{|I|}{n}\\,\\mathrm{softmax}_{j \\in I}(-\\beta\\, m_j / (2d))_i`, where
    :math:`m_j` is its misfit from :func:`network_consistency` and :math:`\\beta` is
    ``sharpness``: islands count by size, and inside an island the networks that agree best
    with the flat connection count most.  With ``island`` given, only that island is pooled.

    Parameters
    ----------
    predictions : torch.Tensor
        ``(n, m, classes)`` class probabilities of every network on the same ``m`` inputs.
    connection, gauges, labels
        The measured connection, the synchronised gauges ``(n, d, d)`` and the island labels.
    sharpness : float
    island : int, optional
    """
    labels = np.asarray(labels)
    if predictions.ndim != 3 or predictions.shape[0] != connection.n:
        raise ValueError(
            f"predictions must have shape ({connection.n}, m, classes), got {tuple(predictions.shape)}"
        )
    if island is not None and not (labels == island).any():
        raise ValueError(f"island {island} has no networks; labels run from 0 to {labels.max()}")
    misfit = network_consistency(connection, gauges, labels)
    logits = -sharpness * misfit / (2 * connection.d)
    network_weights = torch.zeros(connection.n, dtype=connection.dtype)
    for label in np.unique(labels):
        if island is not None and label != island:
            continue
        members = torch.as_tensor(np.flatnonzero(labels == label))
        share = 1.0 if island is not None else len(members) / connection.n
        network_weights[members] = share * torch.softmax(logits[members], dim=0)
    pooled = torch.einsum("n,nmk->mk", network_weights.to(predictions.dtype), predictions)
    return ModuliReadout(probabilities=pooled, network_weights=network_weights, misfit=misfit)
