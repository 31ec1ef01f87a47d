"""Tests of the gauge-equivariant attention layer and the moduli-attention readout."""

import numpy as np
import pytest
import torch

from geomwork.attention import (
    Connection,
    GaugeConsensusAttention,
    assert_gauge_equivariant,
    build_connection,
    complete_graph,
    corrupt_connection,
    moduli_attention,
    planted_ensemble,
    random_orthogonal,
    synchronise,
)

DTYPES = [torch.float64, torch.float32]
ROUND_OFF = {torch.float64: 1e-11, torch.float32: 1e-4}


def generator(seed=0):
    return torch.Generator().manual_seed(seed)


def random_inputs(n=5, channels=3, d=4, dtype=torch.float64, seed=0):
    x = torch.randn(2, n, channels, d, generator=generator(seed), dtype=torch.float64).to(dtype)
    graph = complete_graph(n)
    maps = random_orthogonal((graph.n_edges,), d, generator=generator(seed + 1), dtype=dtype)
    weights = torch.rand(graph.n_edges, generator=generator(seed + 2), dtype=torch.float64).to(dtype)
    return x, Connection(graph, maps, weights)


@pytest.mark.parametrize("dtype", DTYPES)
def test_attention_equivariant_under_local_gauge(dtype):
    x, connection = random_inputs(dtype=dtype)
    maps, weights = connection.dense_maps()
    layer = GaugeConsensusAttention(3, dtype=dtype, generator=generator(3))
    assert_gauge_equivariant(lambda a, b: layer(a, b, weights), x, maps, generator=generator(4))


def test_attention_equivariant_under_global_gauge():
    x, connection = random_inputs(seed=5)
    maps, _ = connection.dense_maps()
    layer = GaugeConsensusAttention(3, generator=generator(6))
    global_gauge = random_orthogonal((), 4, generator=generator(7)).expand(5, 4, 4).clone()
    assert_gauge_equivariant(layer, x, maps, gauge=global_gauge)


def test_attention_weights_invariant_and_normalised():
    x, connection = random_inputs(seed=8)
    maps, weights = connection.dense_maps()
    layer = GaugeConsensusAttention(3, generator=generator(9))
    gauge = random_orthogonal((5,), 4, generator=generator(10))
    alpha = layer.attention_weights(x, maps, weights)
    moved = layer.attention_weights(
        torch.einsum("nde,bnce->bncd", gauge, x), gauge[:, None] @ maps @ gauge[None, :].transpose(-2, -1), weights
    )
    assert (alpha - moved).abs().max() < ROUND_OFF[torch.float64]
    assert torch.allclose(alpha.sum(-1), torch.ones(2, 5, dtype=torch.float64))


def test_missing_edges_get_no_attention():
    x, connection = random_inputs(seed=11)
    maps, weights = connection.dense_maps()
    weights[0, 1] = weights[1, 0] = 0.0
    with torch.no_grad():
        alpha = GaugeConsensusAttention(3, generator=generator(12)).attention_weights(x, maps, weights)
    assert float(alpha[:, 0, 1].abs().max()) == 0.0
    assert float(alpha[:, 0, 0].min()) > 0.0


def test_checker_detects_broken_equivariance():
    x, connection = random_inputs(seed=13)
    maps, _ = connection.dense_maps()
    fibre_mix = torch.randn(4, 4, generator=generator(14), dtype=torch.float64)
    with pytest.raises(AssertionError, match="not gauge equivariant"):
        assert_gauge_equivariant(lambda a, b: a @ fibre_mix, x, maps, generator=generator(15))


def test_attention_trains_with_autograd():
    x, connection = random_inputs(seed=16)
    maps, weights = connection.dense_maps()
    layer = GaugeConsensusAttention(3, generator=generator(17))
    layer(x, maps, weights).square().sum().backward()
    assert all(parameter.grad is not None for parameter in layer.parameters())


def test_attention_rejects_bad_shapes():
    x, connection = random_inputs(seed=18)
    maps, _ = connection.dense_maps()
    layer = GaugeConsensusAttention(3)
    with pytest.raises(ValueError, match="x must have shape \\(batch, n, 3, d\\)"):
        layer(x[:, :, :2], maps)
    with pytest.raises(ValueError, match="maps must have shape \\(5, 5, 4, 4\\)"):
        layer(x, maps[:4])


def test_readout_downweights_inconsistent_networks():
    planted = planted_ensemble(10, 3, 1, noise=0.02, generator=generator(19))
    connection = build_connection(planted.activity, complete_graph(10))
    # Network 0's edges all carry wrong maps, so it disagrees with its island.
    maps = connection.maps.clone()
    touching = (connection.graph.edges == 0).any(dim=1)
    maps[touching] = random_orthogonal((int(touching.sum()),), 3, generator=generator(20))
    corrupted = Connection(connection.graph, maps, connection.weights)
    gauges = synchronise(corrupted).gauges
    labels = np.zeros(10, dtype=int)
    predictions = torch.softmax(torch.randn(10, 7, 4, generator=generator(21), dtype=torch.float64), dim=-1)
    readout = moduli_attention(predictions, corrupted, gauges, labels, sharpness=20.0)
    assert float(readout.network_weights.sum()) == pytest.approx(1.0, abs=1e-12)
    assert int(readout.misfit.argmax()) == 0
    assert float(readout.network_weights[0]) < 0.5 * float(readout.network_weights[1:].min())
    assert torch.allclose(readout.probabilities.sum(-1), torch.ones(7, dtype=torch.float64))


def test_readout_weights_islands_by_size():
    planted = planted_ensemble(9, 3, 2, noise=0.02, generator=generator(22))
    connection = build_connection(planted.activity, complete_graph(9))
    gauges = random_orthogonal((9,), 3, generator=generator(23))
    predictions = torch.full((9, 2, 3), 1 / 3, dtype=torch.float64)
    readout = moduli_attention(predictions, connection, gauges, planted.labels)
    shares = [float(readout.network_weights[torch.as_tensor(planted.labels == a)].sum()) for a in (0, 1)]
    assert shares == pytest.approx([5 / 9, 4 / 9], abs=1e-12)
    only = moduli_attention(predictions, connection, gauges, planted.labels, island=1)
    assert float(only.network_weights[torch.as_tensor(planted.labels == 0)].abs().max()) == 0.0


def test_readout_rejects_unknown_island():
    planted = planted_ensemble(6, 3, 2, noise=0.02, generator=generator(24))
    connection = build_connection(planted.activity, complete_graph(6))
    predictions = torch.full((6, 2, 3), 1 / 3, dtype=torch.float64)
    with pytest.raises(ValueError, match="island 5 has no networks"):
        moduli_attention(predictions, connection, torch.eye(3).repeat(6, 1, 1).double(), planted.labels, island=5)
