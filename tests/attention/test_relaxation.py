"""Tests of Yang–Mills relaxation at finite coupling."""

import pytest
import torch

from geomwork.attention import (
    build_connection,
    complete_graph,
    planted_ensemble,
    random_orthogonal,
    relax_connection,
    synchronise,
)


def generator(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.fixture(scope="module")
def noisy_connection():
    planted = planted_ensemble(6, 3, 1, noise=0.4, generator=generator(1))
    return build_connection(planted.activity, complete_graph(6))


def test_energy_falls_as_coupling_grows(noisy_connection):
    energies = [float(noisy_connection.yang_mills_energy())]
    for coupling in (0.1, 1.0, 10.0):
        relaxed, history = relax_connection(noisy_connection, coupling)
        assert all(b <= a + 1e-12 for a, b in zip(history, history[1:]))
        energies.append(float(relaxed.yang_mills_energy()))
    assert all(b < a for a, b in zip(energies, energies[1:]))
    assert energies[-1] < 0.05 * energies[0]


def test_strong_coupling_approaches_synchronisation(noisy_connection):
    relaxed, _ = relax_connection(noisy_connection, 100.0, max_steps=400)
    flat = synchronise(noisy_connection).flat
    assert (relaxed.maps - flat.maps).abs().max() < 0.05


def test_zero_coupling_keeps_measured_maps(noisy_connection):
    relaxed, history = relax_connection(noisy_connection, 0.0)
    assert torch.equal(relaxed.maps, noisy_connection.maps)
    assert history == [0.0]


def test_relaxation_is_gauge_covariant(noisy_connection):
    gauge = random_orthogonal((6,), 3, generator=generator(2))
    relaxed, _ = relax_connection(noisy_connection, 1.0, relative_decrease=0.0, max_steps=30)
    moved, _ = relax_connection(noisy_connection.gauge_transform(gauge), 1.0, relative_decrease=0.0, max_steps=30)
    assert (moved.maps - relaxed.gauge_transform(gauge).maps).abs().max() < 1e-8


def test_negative_coupling_rejected(noisy_connection):
    with pytest.raises(ValueError, match="coupling = -1 must be non-negative"):
        relax_connection(noisy_connection, -1)
