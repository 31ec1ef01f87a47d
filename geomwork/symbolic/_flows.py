"""Right-hand sides of geometric flows, derived exactly from a metric."""

from __future__ import annotations

from ._metric import Metric
from ._tensor import Tensor

__all__ = ["ricci_flow_rhs"]


def ricci_flow_rhs(metric: Metric) -> Tensor:
    """Return the Ricci-flow velocity :math:`\\partial g_{ab}/\\partial t = -2R_{ab}`.

    Returned as a symmetric covariant tensor on the metric's chart.  For the round
    n-sphere of radius a it is :math:`-2(n-1)/a^2\\,g_{ab}`, so
    :math:`d(a^2)/dt = -2(n-1)` and the sphere shrinks to a point at
    :math:`t = a^2/(2(n-1))`.
    """
    velocity = metric.ricci * -2
    velocity.name = "\\partial_t g"
    velocity.symmetries = ((0, 1, 1),)
    return velocity
