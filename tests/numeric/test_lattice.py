"""Tests of lattice gauge fields in geomwork.numeric."""

import math

import pytest
import torch

from geomwork.numeric import mean_link_trace, mean_plaquette


def test_unit_configuration_plaquette_and_trace():
    links = torch.eye(3, dtype=torch.complex128).expand(2, 2, 2, 2, 4, 3, 3)
    assert float(mean_plaquette(links)) == 1.0
    assert float(mean_link_trace(links)) == 1.0


def test_constant_u1_field_plaquette():
    """A constant U(1) field has trivial plaquettes but link trace cos(phase)."""
    phase = 0.3
    links = torch.full((4, 4, 2, 1, 1), complex(math.cos(phase), math.sin(phase)), dtype=torch.complex128)
    assert float(mean_plaquette(links)) == pytest.approx(1.0, abs=1e-14)
    assert float(mean_link_trace(links)) == pytest.approx(math.cos(phase), abs=1e-14)


def test_layout_rejects_wrong_direction_axis():
    links = torch.eye(2, dtype=torch.complex128).expand(4, 4, 3, 2, 2)
    with pytest.raises(ValueError, match=r"direction axis equal to the number of lattice axes d = 2"):
        mean_plaquette(links)
