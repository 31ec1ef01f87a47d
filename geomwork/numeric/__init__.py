"""Numerics in torch: Lie groups, lattice gauge fields, Monte Carlo, flows and configuration I/O."""

from ._lattice import mean_link_trace, mean_plaquette

__all__: list[str] = ["mean_link_trace", "mean_plaquette"]
