"""Numerics in torch: Lie groups, lattice gauge fields, Monte Carlo, flows and configuration I/O."""

from ._checks import assert_gauge_covariant, assert_gauge_invariant
from ._flows import (
    INTEGRATORS,
    FlowHistory,
    LowStorageRungeKutta,
    cool,
    find_t0,
    find_w0,
    wilson_flow,
    wilson_flow_force,
)
from ._groups import GROUPS, SU2, SU3, SUN, U1, LieGroup, get_group, unitarity_tolerance
from ._lattice import LatticeGaugeField, mean_link_trace, mean_plaquette, plaquette_field, staple_sums
from ._montecarlo import MarkovChain, binned_mean_error, heatbath_sweep, overrelaxation_sweep
from .io import read_configuration, write_configuration

__all__: list[str] = [
    "FlowHistory",
    "GROUPS",
    "INTEGRATORS",
    "LatticeGaugeField",
    "LieGroup",
    "LowStorageRungeKutta",
    "MarkovChain",
    "SU2",
    "SU3",
    "SUN",
    "U1",
    "assert_gauge_covariant",
    "assert_gauge_invariant",
    "binned_mean_error",
    "cool",
    "find_t0",
    "find_w0",
    "get_group",
    "heatbath_sweep",
    "mean_link_trace",
    "mean_plaquette",
    "overrelaxation_sweep",
    "plaquette_field",
    "read_configuration",
    "staple_sums",
    "unitarity_tolerance",
    "wilson_flow",
    "wilson_flow_force",
    "write_configuration",
]
