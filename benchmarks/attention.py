"""Benchmark of moduli attention against clustering and averaging baselines.

Run from the repository root::

    python benchmarks/attention.py            # every part, a few minutes on 2 cores
    python benchmarks/attention.py --quick    # fewer seeds and sizes, a smoke run
    python benchmarks/attention.py --parts islands scale

Parts, printed as one JSON document:

1. ``islands``: adjusted Rand index of island recovery on planted ensembles across noise,
   island overlap (``shared``, the correlation of the islands' probe scores) and outlier-edge
   levels.  geomwork's curvature-reweighted clustering (spectral and
   agglomerative) against spectral and average-linkage clustering of linear CKA and of the
   Procrustes similarity ``1 - residual``.  An outlier edge is a corrupted pairwise
   measurement: its map is Haar random and its Procrustes weight and CKA are set to the median
   of the edges inside islands, so every method receives the same corrupted pairs.  All methods
   are given the true number of islands.
2. ``axes``: principal-axis error of one island's consensus.  The estimates of the island
   activity are the consensus, a single network, the plain average and generalised Procrustes
   analysis.  Each is aligned to the noiseless planted activity by one orthogonal Procrustes
   map.  The error is the largest principal angle, in degrees, between its top three PCA axes
   and those of the noiseless planted activity on the same probes.  Outlier edges only reach the consensus, since the baselines never read the
   connection.
3. ``digits``: small MLPs trained on scikit-learn's digits with different seeds, widths and
   class subsets.  The linear probe is a logistic regression fitted on half of the probes and
   scored on the other half.  It compares the largest island's consensus activity with the
   best single network and with the plain average of the reduced activity.  The accuracy of
   the ``moduli_attention`` readout is compared with the mean of the predictions and with the
   best network.
4. ``count``: how often the island count found without being given is right, for
   ``count_islands`` (the gap after the islands' eigenvalues against the spacing above it)
   and for the plain largest eigengap of the normalised graph Laplacian, on planted ensembles
   of 8 to 50 networks with 1 to 3 islands, swept over noise and island overlap.
5. ``scale``: wall time of ``analyse_ensemble`` (k-nearest-neighbour graph, k = 10) on planted
   ensembles with d = 32 as the number of networks grows, and the fitted exponent of
   time ~ n^p.

By default torch and BLAS run on one thread (``--threads``), because on a shared 2-core
machine contending threads slowed small eigendecompositions fiftyfold.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import sys
import time

import numpy as np
import scipy.cluster.hierarchy
import scipy.sparse.csgraph
import scipy.spatial.distance
import torch
from sklearn.cluster import SpectralClustering
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from geomwork.attention import (
    analyse_ensemble,
    build_connection,
    complete_graph,
    consensus_activity,
    corrupt_connection,
    count_islands,
    edge_inconsistency,
    find_islands,
    island_affinity,
    linear_cka,
    moduli_attention,
    planted_ensemble,
    principal_angles,
    principal_axes,
    procrustes_map,
    synchronise,
    train_digit_ensemble,
)


def generator(seed):
    return torch.Generator().manual_seed(seed)


# Baselines ----------------------------------------------------------------------------------


def spectral_labels(similarity, k, seed=0):
    similarity = np.clip(similarity, 0, None)
    np.fill_diagonal(similarity, 0)
    clustering = SpectralClustering(n_clusters=k, affinity="precomputed", random_state=seed)
    return clustering.fit_predict(similarity + 1e-12)


def agglomerative_labels(similarity, k):
    distance = similarity.max() - similarity
    np.fill_diagonal(distance, 0)
    tree = scipy.cluster.hierarchy.linkage(scipy.spatial.distance.squareform(distance, checks=False), "average")
    return scipy.cluster.hierarchy.fcluster(tree, k, criterion="maxclust")


def cka_matrix(activity):
    n = activity.shape[0]
    similarity = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            similarity[i, j] = similarity[j, i] = linear_cka(activity[i], activity[j])
    return similarity


def edge_matrix(connection, values):
    matrix = np.zeros((connection.n, connection.n))
    edges = connection.graph.edges.numpy()
    matrix[edges[:, 0], edges[:, 1]] = values
    matrix[edges[:, 1], edges[:, 0]] = values
    return matrix


def generalised_procrustes(activity, iterations=50):
    """Gower's generalised Procrustes analysis: align every network to the running mean."""
    mean = activity[0].clone()
    for _ in range(iterations):
        aligned = torch.stack([a @ procrustes_map(a, mean)[0].T for a in activity])
        new_mean = aligned.mean(dim=0)
        if (new_mean - mean).norm() < 1e-10 * mean.norm():
            break
        mean = new_mean
    return mean


def axis_error(estimate, reference, planted_axes, k=3):
    """Largest principal angle in degrees after aligning ``estimate`` to ``reference``."""
    rotation, _ = procrustes_map(estimate, reference)
    axes, _ = principal_axes(estimate @ rotation.T, k)
    return float(np.degrees(principal_angles(axes, planted_axes[:, :k]).max()))


# Parts --------------------------------------------------------------------------------------


def run_islands(quick):
    overlaps = (0.0, 0.8) if quick else (0.0, 0.8, 0.95)
    noises = (0.3, 1.0)
    fractions = (0.0, 0.3) if quick else (0.0, 0.3, 0.5)
    seeds = range(2 if quick else 3)
    n, d, k = 30, 8, 3
    rows = []
    for noise, shared, fraction in itertools.product(noises, overlaps, fractions):
        scores = {}
        for seed in seeds:
            planted = planted_ensemble(n, d, k, noise=noise, shared=shared, generator=generator(seed))
            connection = build_connection(planted.activity, complete_graph(n))
            corrupted, outliers = corrupt_connection(
                connection, fraction, labels=planted.labels, generator=generator(100 + seed)
            )
            procrustes = edge_matrix(corrupted, corrupted.weights.numpy())
            cka = cka_matrix(planted.activity)
            edges = connection.graph.edges.numpy()
            same = planted.labels[edges[:, 0]] == planted.labels[edges[:, 1]]
            inside = np.median(cka[edges[same, 0], edges[same, 1]])
            bad = edges[outliers.numpy()]
            cka[bad[:, 0], bad[:, 1]] = cka[bad[:, 1], bad[:, 0]] = inside

            labels = {
                "gauge_spectral": find_islands(corrupted, k, method="spectral").labels,
                "gauge_agglomerative": find_islands(corrupted, k, method="agglomerative").labels,
                "cka_spectral": spectral_labels(cka.copy(), k),
                "cka_agglomerative": agglomerative_labels(cka.copy(), k),
                "procrustes_spectral": spectral_labels(procrustes.copy(), k),
                "procrustes_agglomerative": agglomerative_labels(procrustes.copy(), k),
            }
            for method, found in labels.items():
                scores.setdefault(method, []).append(adjusted_rand_score(planted.labels, found))
        rows.append({"noise": noise, "shared": shared, "outlier_fraction": fraction,
                     **{method: round(float(np.mean(values)), 3) for method, values in scores.items()}})
    return {"n_networks": n, "d": d, "islands": k, "seeds": len(seeds), "mean_ari": rows}


def run_axes(quick):
    noises = (0.1, 0.5) if quick else (0.1, 0.5, 1.0)
    fractions = (0.0, 0.3)
    seeds = range(2 if quick else 4)
    n, d = 20, 8
    rows = []
    for noise in noises:
        for fraction in fractions:
            errors = {}
            for seed in seeds:
                planted = planted_ensemble(n, d, 1, n_probes=400, noise=noise, decay=0.7, generator=generator(seed))
                reference = planted.latents[0]
                # Axes of the noiseless activity on these probes, so that sampling error is not counted.
                axes, _ = principal_axes(reference, 3)
                connection = build_connection(planted.activity, complete_graph(n))
                corrupted, _ = corrupt_connection(connection, fraction, generator=generator(200 + seed))

                affinity = island_affinity(corrupted, edge_inconsistency(corrupted))
                edges = corrupted.graph.edges.numpy()
                weights = torch.as_tensor(affinity[edges[:, 0], edges[:, 1]]).clamp_min(1e-12)
                gauges = synchronise(corrupted, weights=weights, compute_energy=False).gauges
                plain = synchronise(corrupted, compute_energy=False).gauges
                singles = [axis_error(planted.activity[i], reference, axes) for i in range(n)]
                estimates = {
                    "consensus": axis_error(consensus_activity(planted.activity, gauges), reference, axes),
                    "consensus_unweighted": axis_error(consensus_activity(planted.activity, plain), reference, axes),
                    "single_network_median": float(np.median(singles)),
                    "single_network_best": float(np.min(singles)),
                    "naive_average": axis_error(planted.activity.mean(dim=0), reference, axes),
                    "generalised_procrustes": axis_error(generalised_procrustes(planted.activity), reference, axes),
                }
                for method, value in estimates.items():
                    errors.setdefault(method, []).append(value)
            rows.append({"noise": noise, "outlier_fraction": fraction,
                         **{method: round(float(np.mean(values)), 3) for method, values in errors.items()}})
    return {"n_networks": n, "d": d, "axes": 3, "seeds": len(seeds), "mean_max_angle_degrees": rows}


def probe_accuracy(features, labels):
    train = np.arange(len(labels)) % 2 == 0
    classifier = LogisticRegression(max_iter=3000).fit(features[train], labels[train])
    return float(classifier.score(features[~train], labels[~train]))


def run_digits(quick):
    n_networks, d = (6, 12) if quick else (12, 16)
    start = time.perf_counter()
    ensemble = train_digit_ensemble(n_networks, widths=(32, 48, 64), classes_per_network=8, epochs=150, seed=0)
    trained = time.perf_counter() - start
    analysis = analyse_ensemble(ensemble.hidden, d)
    labels = ensemble.probe_labels.numpy()
    islands = analysis.islands
    largest = islands.members(0)
    gauges = analysis.synchronisation.gauges
    consensus = consensus_activity(analysis.reduced, gauges, largest).numpy()
    singles = [probe_accuracy(analysis.reduced[i].numpy(), labels) for i in range(n_networks)]
    readout = moduli_attention(ensemble.probabilities, analysis.connection, gauges, islands.labels, sharpness=4.0)

    def accuracy(probabilities):
        return float((probabilities.argmax(dim=-1) == ensemble.probe_labels).double().mean())

    return {
        "n_networks": n_networks,
        "d": d,
        "training_seconds": round(trained, 2),
        "island_sizes": np.bincount(islands.labels).tolist(),
        "network_accuracies": [round(float(a), 3) for a in ensemble.accuracies],
        "linear_probe": {
            "consensus_largest_island": round(probe_accuracy(consensus, labels), 4),
            "best_single_network": round(max(singles), 4),
            "median_single_network": round(float(np.median(singles)), 4),
            "plain_average": round(probe_accuracy(analysis.reduced.mean(dim=0).numpy(), labels), 4),
        },
        "prediction_accuracy": {
            "moduli_attention": round(accuracy(readout.probabilities), 4),
            "mean_of_predictions": round(accuracy(ensemble.probabilities.mean(dim=0)), 4),
            "best_single_network": round(float(ensemble.accuracies.max()), 4),
        },
    }


def run_scale(quick):
    sizes = (50, 100, 200) if quick else (50, 100, 200, 500)
    d, k = 32, 10
    rows = []
    for n in sizes:
        planted = planted_ensemble(n, d, 5, n_probes=200, noise=0.1, generator=generator(n))
        start = time.perf_counter()
        analysis = analyse_ensemble(list(planted.activity), d, graph="knn", k=k, n_islands=5)
        seconds = time.perf_counter() - start
        rows.append({
            "n_networks": n,
            "edges": analysis.connection.graph.n_edges,
            "seconds": round(seconds, 2),
            "ari": round(adjusted_rand_score(planted.labels, analysis.islands.labels), 3),
        })
    slope = np.polyfit(np.log([r["n_networks"] for r in rows]), np.log([r["seconds"] for r in rows]), 1)[0]
    return {"d": d, "k": k, "runs": rows, "time_exponent": round(float(slope), 2)}


def largest_eigengap(affinity, max_islands=10):
    """Return the usual eigengap count: the largest gap among the first ``max_islands + 1`` eigenvalues."""
    laplacian = scipy.sparse.csgraph.laplacian(affinity, normed=True)
    values = np.linalg.eigvalsh(laplacian)[: min(max_islands, affinity.shape[0] - 1) + 1]
    return int(np.argmax(np.diff(values))) + 1


def run_count(quick):
    sizes = (8, 24) if quick else (8, 12, 24, 50)
    noises = (0.3, 1.0) if quick else (0.3, 0.7, 1.0)
    overlaps = (0.0, 0.8) if quick else (0.0, 0.5, 0.8)
    seeds = range(2 if quick else 3)
    d = 6
    rows = []
    for n, k, noise, shared in itertools.product(sizes, (1, 2, 3), noises, overlaps):
        if k == 1 and shared > 0:
            continue  # the overlap between islands means nothing for one island
        right = {"count_islands": 0, "largest_eigengap": 0}
        for seed in seeds:
            planted = planted_ensemble(n, d, k, noise=noise, shared=shared, generator=generator(seed))
            connection = build_connection(planted.activity, complete_graph(n))
            affinity = island_affinity(connection, edge_inconsistency(connection), impute=True)
            right["count_islands"] += count_islands(affinity) == k
            right["largest_eigengap"] += largest_eigengap(affinity) == k
        rows.append({"n_networks": n, "islands": k, "noise": noise, "shared": shared,
                     **{method: value / len(seeds) for method, value in right.items()}})

    def share(method, selected):
        return round(float(np.mean([row[method] for row in selected])), 3)

    summary = {}
    for label, selected in [("all", rows),
                            *[(f"{k} island(s)", [r for r in rows if r["islands"] == k]) for k in (1, 2, 3)],
                            *[(f"noise {noise}", [r for r in rows if r["noise"] == noise]) for noise in noises]]:
        summary[label] = {method: share(method, selected) for method in ("count_islands", "largest_eigengap")}
    return {"d": d, "seeds": len(seeds), "fraction_right": summary, "settings": rows}


PARTS = {"islands": run_islands, "axes": run_axes, "digits": run_digits, "count": run_count, "scale": run_scale}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer seeds and sizes")
    parser.add_argument("--parts", nargs="+", choices=sorted(PARTS), default=list(PARTS), help="parts to run")
    parser.add_argument("--threads", type=int, default=1, help="torch and BLAS threads (default 1)")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    report = {
        "machine": {"platform": platform.platform(), "python": sys.version.split()[0], "torch": torch.__version__,
                    "threads": args.threads},
    }
    with threadpool_limits(limits=args.threads):
        for name in args.parts:
            start = time.perf_counter()
            report[name] = PARTS[name](args.quick)
            report[name]["part_seconds"] = round(time.perf_counter() - start, 1)
            print(f"{name} done in {report[name]['part_seconds']} s", file=sys.stderr)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
