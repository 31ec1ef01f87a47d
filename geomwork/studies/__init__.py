"""End-to-end jobs composed from the layers."""

__all__: list[str] = []
