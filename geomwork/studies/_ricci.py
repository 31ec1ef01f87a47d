"""The Ricci part of a study: a sphere of revolution flowed to extinction and drawn as a GIF."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

__all__ = ["run_ricci"]

logger = logging.getLogger("geomwork.studies.ricci")


def run_ricci(settings: Mapping[str, Any], pictures: Mapping[str, Any], folder: Path, data, *,
              seed: int, progress: bool, stage: Callable[[str], None]) -> dict[str, Any]:
    """Run the Ricci part into ``folder`` and the HDF5 group ``data`` and return its summary.

    By Gauss–Bonnet a sphere's area falls at the rate :math:`8\\pi` under Ricci flow, so the flow
    ends at :math:`T = A_0/8\\pi`, and the summary compares the measured time with it.
    ``seed`` and ``progress`` are unused because the part draws nothing at random and is fast.
    """
    from ..numeric import RotationalMetric, ricci_flow
    from ..viz import animate_ricci_flow

    stage("Ricci flow of a sphere of revolution")
    metric = (RotationalMetric.rubinstein_sinclair() if settings["surface"] == "rubinstein-sinclair"
              else RotationalMetric.round_sphere(1.0))
    solution = ricci_flow(metric, points=settings["points"], save_every=5)
    predicted = metric.volume / (8 * math.pi)
    measured = solution.singular_time
    summary = {
        "surface": settings["surface"], "points": settings["points"], "initial_area": float(metric.volume),
        "predicted_extinction_time": predicted,
        "extinction_time": None if measured is None else float(measured),
        "relative_difference": None if measured is None else float(measured / predicted - 1),
        "singularity": solution.singularity, "stop_reason": solution.stop_reason, "steps": solution.steps,
    }

    stage("draw the Ricci-flow animation")
    end = 0.9 * (measured if measured is not None else solution.stop_time)
    saved = solution.saved_times.numpy()
    last = int(np.flatnonzero(saved <= end).max())
    frames = np.unique(np.round(np.linspace(0, last, settings["frames"])).astype(int))
    curves = [solution.profile_curve(int(index)) for index in frames]
    path = animate_ricci_flow([r.numpy() for _, r in curves], [z.numpy() for z, _ in curves],
                              folder / "ricci_flow.gif", times=[float(saved[i]) for i in frames],
                              window_size=tuple(pictures["animation_size"]))
    summary["pictures"] = {"animation": path.name}

    group = data.create_group("ricci")
    for name in ("times", "volumes", "max_curvatures", "saved_times", "saved_profiles", "saved_lengths"):
        group.create_dataset(name, data=getattr(solution, name).numpy())
    group.attrs["predicted_extinction_time"] = predicted
    return summary
