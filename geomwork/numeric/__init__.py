"""Numerics in torch: Lie groups, lattice gauge fields, Monte Carlo, flows and configuration I/O."""

__all__: list[str] = []
