"""The attention part of a study: moduli attention on an ensemble of digit classifiers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import torch

from ._progress import progress_bar

__all__ = ["run_attention"]

logger = logging.getLogger("geomwork.studies.attention")


def _accuracy(probabilities: torch.Tensor, labels: torch.Tensor) -> float:
    return float((probabilities.argmax(dim=-1) == labels).double().mean())


def _projected_ellipsoids(points: torch.Tensor, groups: list[np.ndarray], rows: int):
    """Project ``points`` on their top three principal axes and return the groups' centres and covariances.

    ``groups`` lists the networks of each group, and network ``i`` owns rows
    ``i * rows .. (i + 1) * rows - 1`` of ``points``.
    """
    from ..attention import principal_axes

    axes, _ = principal_axes(points, 3)
    coordinates = ((points - points.mean(dim=0)) @ axes).numpy()
    centres, covariances = [], []
    for members in groups:
        selected = np.concatenate([coordinates[i * rows:(i + 1) * rows] for i in members])
        centres.append(selected.mean(axis=0))
        covariances.append(np.cov(selected, rowvar=False))
    return np.array(centres), np.array(covariances), coordinates


def run_attention(settings: Mapping[str, Any], pictures: Mapping[str, Any], folder: Path, data, *,
                  seed: int, progress: bool, stage: Callable[[str], None]) -> dict[str, Any]:
    """Run the attention part into ``folder`` and the HDF5 group ``data`` and return its summary."""
    from ..attention import (analyse_ensemble, compare_axes, consensus_activity, moduli_attention,
                             relax_connection, synchronise, train_digit_ensemble)
    from ..viz import plot_energy_history, plot_island_ellipsoids, plot_merge_tree

    stage("train the digit ensemble")
    with progress_bar(settings["networks"], "training networks", progress) as bar:
        ensemble = train_digit_ensemble(
            settings["networks"], widths=tuple(settings["widths"]),
            classes_per_network=settings["classes_per_network"], epochs=settings["epochs"], seed=seed,
            callback=lambda done, total: bar.update(1))

    stage("moduli attention: connection, islands, synchronisation")
    island_count = None if settings["islands"] == "auto" else settings["islands"]
    analysis = analyse_ensemble(ensemble.hidden, settings["dimension"], n_islands=island_count,
                                n_axes=settings["axes"])
    connection, islands = analysis.connection, analysis.islands
    gauges = analysis.synchronisation.gauges
    readout = moduli_attention(ensemble.probabilities, connection, gauges, islands.labels,
                               sharpness=settings["sharpness"])
    labels = ensemble.probe_labels
    largest = analysis.ellipsoids[0]
    comparison = compare_axes(analysis.reduced, gauges, largest)

    stage("Yang-Mills relaxation of the ensemble connection")
    relaxed, history = relax_connection(connection, settings["coupling"])
    energy_before = float(connection.yang_mills_energy())
    energy_after = float(relaxed.yang_mills_energy())

    summary = {
        "networks": len(ensemble.names),
        "probe_images": int(labels.numel()),
        "accuracies": [float(a) for a in ensemble.accuracies],
        "best_network_accuracy": float(ensemble.accuracies.max()),
        "plain_mean_accuracy": _accuracy(ensemble.probabilities.mean(dim=0), labels),
        "moduli_attention_accuracy": _accuracy(readout.probabilities, labels),
        "network_weights": [float(w) for w in readout.network_weights],
        "island_count": islands.n_islands,
        "island_sizes": np.bincount(islands.labels).tolist(),
        "island_labels": islands.labels.tolist(),
        "mean_triangle_curvature": float(connection.curvature().mean()),
        "yang_mills_energy": energy_before,
        "relaxation": {"coupling": settings["coupling"], "steps": len(history) - 1,
                       "objective_start": history[0], "objective_end": history[-1],
                       "yang_mills_energy_after": energy_after},
        "largest_island": {
            "members": [analysis.names[i] for i in largest.members],
            "semi_axes": [float(s) for s in largest.semi_axes],
            "angles_to_pooled_pca_degrees": np.degrees(comparison.pooled_angles).tolist(),
            "largest_angle_to_member_pca_degrees": float(np.degrees(comparison.network_angles.max())),
            "binet_cauchy_volume_to_pooled_pca": comparison.pooled_volume,
        },
    }

    stage("draw the attention pictures")
    window, figure = tuple(pictures["window_size"]), tuple(pictures["figure_size"])
    names = {}
    # One frame for every network: synchronise the whole ensemble, then project on pooled PCA axes.
    frame = synchronise(connection, compute_energy=False).gauges
    rows = analysis.reduced.shape[1]
    pooled = torch.cat([analysis.reduced[i] @ frame[i] for i in range(connection.n)])
    groups = [islands.members(k) for k in range(islands.n_islands)]
    centres, covariances, coordinates = _projected_ellipsoids(pooled, groups, rows)
    names["islands"] = plot_island_ellipsoids(
        centres, covariances, coordinates, folder / "attention_islands.png", window_size=window,
        labels=[f"island {k} ({len(members)} networks)" for k, members in enumerate(groups)],
        title="islands against the PCA axes of the pooled activity")
    consensus = consensus_activity(analysis.reduced, gauges, largest.members)
    digits = [np.flatnonzero(labels.numpy() == digit) for digit in range(10)]
    class_points = ((consensus - largest.centre) @ largest.axes[:, :3]).numpy()
    names["digits"] = plot_island_ellipsoids(
        np.stack([class_points[d].mean(axis=0) for d in digits]),
        np.stack([np.cov(class_points[d], rowvar=False) for d in digits]), class_points,
        folder / "attention_digits.png", window_size=window,
        labels=[f"digit {digit}" for digit in range(10)], title="largest island's consensus activity by digit")
    names["energy"] = plot_energy_history(
        history, folder / "attention_energy.png", ylabel="fidelity + coupling x Yang-Mills energy",
        title=f"Yang-Mills relaxation at coupling {settings['coupling']:g}", size=figure)
    names["merge_tree"] = plot_merge_tree(islands.merge_tree, folder / "merge_tree.png",
                                          labels=list(analysis.names), title="islands' merge tree", size=figure)
    summary["pictures"] = {name: path.name for name, path in names.items()}

    group = data.create_group("attention")
    group.create_dataset("accuracies", data=np.asarray(ensemble.accuracies, dtype=float))
    group.create_dataset("island_labels", data=islands.labels)
    group.create_dataset("affinity", data=islands.affinity)
    group.create_dataset("merge_tree", data=islands.merge_tree)
    group.create_dataset("gauges", data=gauges.numpy())
    group.create_dataset("reduced_activity", data=analysis.reduced.numpy(), compression="gzip")
    group.create_dataset("probe_labels", data=labels.numpy())
    group.create_dataset("network_weights", data=readout.network_weights.numpy())
    group.create_dataset("relaxation_objective", data=np.asarray(history, dtype=float))
    group.attrs["networks"] = np.array(analysis.names, dtype=object).astype("S")
    return summary
