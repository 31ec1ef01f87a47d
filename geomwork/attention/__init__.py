"""Moduli attention: an ensemble of networks treated as a gauge field over a graph."""

__all__: list[str] = []
