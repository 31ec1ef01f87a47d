# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Moduli attention on the digits ensemble
#
# Networks trained on the same task learn hidden representations that agree
# up to a change of basis.  Moduli attention treats an ensemble as an O(d)
# gauge field on a graph: each network is a vertex whose reduced activity
# lives in its own basis of $\mathbb{R}^d$, each edge carries the orthogonal
# Procrustes map $O_{ij}$ between two networks, and curvature (the holonomy
# around triangles) measures how far the ensemble is from agreeing.
# Synchronisation finds gauges $g_i \in O(d)$ that make the connection as flat
# as possible, and islands of agreement are the groups of networks whose
# edges are nearly flat.
#
# This tutorial runs the pipeline on small MLPs trained on scikit-learn's
# digits, then checks it against baselines on planted ensembles whose ground
# truth is known: principal axes against plain PCA and single networks, and islands
# against agglomerative clustering of CKA distances.  Sizes are small so that
# the notebook runs in well under a minute; each section names the numbers to
# raise.

# %%
import tempfile
from pathlib import Path

import numpy as np
import torch
from IPython.display import Image
from sklearn.cluster import AgglomerativeClustering
from sklearn.metrics import adjusted_rand_score

from geomwork.attention import (analyse_ensemble, build_connection, compare_axes, complete_graph,
                                consensus_activity, find_islands, linear_cka, moduli_attention,
                                planted_ensemble, principal_angles, principal_axes, procrustes_map,
                                synchronise, train_digit_ensemble)
from geomwork.viz import plot_island_ellipsoids, plot_merge_tree

pictures = Path(tempfile.mkdtemp())

# %% [markdown]
# ## An ensemble of digit classifiers
#
# `train_digit_ensemble` trains one-hidden-layer MLPs
# (`Linear(64, width) -> Tanh -> Linear(width, 10)`) of mixed widths, each on
# a random subset of the classes, and records their hidden activity on a
# shared probe set that no network trained on.  With 8 of 10 classes a network
# cannot exceed 80% accuracy over all ten.  For a real study use 12 or more
# networks.

# %%
ensemble = train_digit_ensemble(6, widths=(32, 48, 64), classes_per_network=8, epochs=150, seed=0)
print("probe images:", tuple(ensemble.probe_inputs.shape))
for name, classes, accuracy in zip(ensemble.names, ensemble.class_subsets, ensemble.accuracies):
    print(f"{name}: width {ensemble.hidden[name].shape[1]:2d}, classes {classes}, "
          f"accuracy {accuracy:.3f}")

# %% [markdown]
# ## The analysis in one call
#
# `analyse_ensemble` reduces each network's activity to its top `d` principal
# components, so each network lives in its own basis.  It then builds the
# Procrustes connection on the complete graph, finds islands and synchronises
# each island.  Last, it fits a covariance ellipsoid to each island's
# consensus activity $\frac{1}{|I|}\sum_{i\in I} A_i g_i$, keeping `n_axes`
# principal axes.

# %%
d, n_axes = 8, 3
analysis = analyse_ensemble(ensemble.hidden, d, n_axes=n_axes)
islands = analysis.islands
gauges = analysis.synchronisation.gauges
connection = analysis.connection
print("island sizes:", np.bincount(islands.labels).tolist())
print("mean triangle curvature before synchronisation:", float(connection.curvature().mean()))
assert islands.labels.shape == (6,)
assert torch.allclose(gauges.transpose(1, 2) @ gauges, torch.eye(d, dtype=gauges.dtype).expand(6, d, d))

# %% [markdown]
# ## Consensus axes against pooled PCA and single networks
#
# `compare_axes` measures principal angles between an island's consensus axes
# and two other estimates.  The first is PCA of the pooled activity of its
# members with no synchronisation, each network's rows stacked in its own
# basis.  The second is each member's own PCA axes, moved into the consensus
# frame by $g_i^T$.  Angles are
# in degrees.  Small angles to every member mean that the members agree after
# synchronisation.  Large angles to the pooled PCA show that PCA of the
# unsynchronised activity mixes unrelated bases.

# %%
largest = analysis.ellipsoids[0]
comparison = compare_axes(analysis.reduced, gauges, largest)
print("against pooled PCA:    ", np.degrees(comparison.pooled_angles).round(1))
print("against each network (largest angle):",
      np.degrees(comparison.network_angles.max(axis=1)).round(1))
print("Binet-Cauchy volume, pooled:", round(comparison.pooled_volume, 3),
      " networks:", comparison.network_volumes.round(3))
assert comparison.network_angles.shape == (len(largest.members), n_axes)

# %% [markdown]
# ## Pooling the predictions
#
# `moduli_attention` weights each network by its consistency with its
# island's flat connection, then pools the class probabilities.  Each network
# was trained on only 8 classes, but the pooled readout covers all ten.  With
# one island of similar networks the weights stay close to uniform, so the
# readout is close to the plain mean of the predictions (here slightly
# below it).

# %%
readout = moduli_attention(ensemble.probabilities, connection, gauges, islands.labels, sharpness=4.0)


def accuracy(probabilities):
    return float((probabilities.argmax(dim=-1) == ensemble.probe_labels).double().mean())


print("network weights:", readout.network_weights.numpy().round(3))
print(f"moduli attention {accuracy(readout.probabilities):.3f}, "
      f"plain mean {accuracy(ensemble.probabilities.mean(dim=0)):.3f}, "
      f"best network {ensemble.accuracies.max():.3f}")
assert torch.isclose(readout.network_weights.sum(), torch.tensor(1.0, dtype=torch.float64))
assert accuracy(readout.probabilities) > 0.9
assert accuracy(readout.probabilities) > ensemble.accuracies.max()
assert abs(accuracy(readout.probabilities) - accuracy(ensemble.probabilities.mean(dim=0))) < 0.03

# %% [markdown]
# ## The consensus representation in 3D
#
# `plot_island_ellipsoids` draws covariance ellipsoids (two standard
# deviations) beside the principal axes of the pooled points.  Here the
# points are the largest island's consensus activity on its top three
# consensus axes, and the ellipsoids are those of the ten digit classes, so
# the picture shows how the synchronised representation separates digits.

# %%
consensus = consensus_activity(analysis.reduced, gauges, largest.members)
coordinates = ((consensus - largest.centre) @ largest.axes).numpy()
labels = ensemble.probe_labels.numpy()
centres = np.stack([coordinates[labels == digit].mean(axis=0) for digit in range(10)])
covariances = np.stack([np.cov(coordinates[labels == digit], rowvar=False) for digit in range(10)])
path = plot_island_ellipsoids(centres, covariances, coordinates, pictures / "digits.png",
                              labels=[f"digit {digit}" for digit in range(10)],
                              window_size=(800, 600), title="consensus activity by digit")
Image(filename=str(path))

# %% [markdown]
# ## Axes against the truth on a planted ensemble
#
# On digits there is no ground truth to compare with.  `planted_ensemble`
# draws networks whose activity is $A_i = (Z + \sigma E_i)R_i^T$: a shared
# latent activity $Z$ with known principal axes, each network's own noise
# $\sigma E_i$, and a Haar-random rotation $R_i$.  We estimate the top three
# axes in three ways and report the largest principal angle to the true axes,
# after aligning each estimate to $Z$ by orthogonal Procrustes (the frame of
# an estimate is arbitrary):
#
# - the consensus $\frac1n\sum_i A_i g_i$ after synchronisation;
# - the plain average $\frac1n\sum_i A_i$, which ignores the bases;
# - each single network.
#
# For a sweep over noise and outlier edges, raise `n_networks` and loop over
# `noise`.

# %%
n_networks = 12
planted = planted_ensemble(n_networks, 6, 1, n_probes=300, noise=0.5, decay=0.7,
                           generator=torch.Generator().manual_seed(1))
latent = planted.latents[0]
true_axes, _ = principal_axes(latent, 3)


def axis_error(estimate):
    """Return the largest principal angle in degrees between the top 3 axes of `estimate` and the truth."""
    rotation, _ = procrustes_map(estimate, latent)
    axes, _ = principal_axes(estimate @ rotation.T, 3)
    return float(np.degrees(principal_angles(axes, true_axes).max()))


planted_gauges = synchronise(build_connection(planted.activity, complete_graph(n_networks))).gauges
consensus_error = axis_error(consensus_activity(planted.activity, planted_gauges))
average_error = axis_error(planted.activity.mean(dim=0))
single_errors = np.array([axis_error(planted.activity[i]) for i in range(n_networks)])
print(f"consensus {consensus_error:.2f} deg, plain average {average_error:.2f} deg, "
      f"single networks median {np.median(single_errors):.2f} deg (best {single_errors.min():.2f})")
assert consensus_error < single_errors.min()
assert consensus_error < 0.5 * np.median(single_errors)
assert average_error > 3 * consensus_error

# %% [markdown]
# ## Islands against a clustering baseline
#
# Now three planted islands of six networks.  The islands' latent activities
# are correlated (`shared=0.8`), so the islands look alike.  Moduli attention
# clusters the curvature-reweighted edge affinities (`find_islands`, spectral
# clustering).  The baseline is average-linkage agglomerative clustering of
# the distances $1 - \mathrm{CKA}(A_i, A_j)$, where linear CKA is a
# gauge-invariant similarity of two activity matrices.  The adjusted Rand
# index (ARI) scores each against the planted labels: 1 is perfect and 0 is
# chance.  On this clean ensemble both methods recover the islands.  They
# differ on harder ensembles, with outlier edges or strongly overlapping
# islands (`docs/benchmarks.md` sweeps these).
#
# We do not pass the number of islands.  `count_islands` reads it from the
# spectrum of the affinity's normalised graph Laplacian.  The islands give
# eigenvalues that stand apart below the rest.  The count is accepted only
# when that gap is at least ten times the spacing of the eigenvalues above it.
# The CKA baseline is given the planted count.

# %%
n_networks, n_islands = 18, 3
planted = planted_ensemble(n_networks, 6, n_islands, noise=1.0, shared=0.8,
                           generator=torch.Generator().manual_seed(0))
planted_connection = build_connection(planted.activity, complete_graph(n_networks))
found = find_islands(planted_connection)
assert found.n_islands == n_islands

cka = np.array([[linear_cka(planted.activity[i], planted.activity[j]) for j in range(n_networks)]
                for i in range(n_networks)])
baseline = AgglomerativeClustering(n_clusters=n_islands, metric="precomputed",
                                   linkage="average").fit_predict(1 - cka)

gauge_ari = adjusted_rand_score(planted.labels, found.labels)
cka_ari = adjusted_rand_score(planted.labels, baseline)
print("planted:", planted.labels)
print("found:  ", found.labels)
print(f"ARI: moduli attention {gauge_ari:.3f}, CKA agglomerative {cka_ari:.3f}")
assert gauge_ari == 1.0
assert gauge_ari >= cka_ari

# %% [markdown]
# ## The merge tree
#
# `Islands.merge_tree` is the average-linkage hierarchy of the affinity
# turned into a dissimilarity, as a SciPy linkage matrix.  Cutting it between
# the last merges gives the islands, and `plot_merge_tree` marks that cut
# with a dashed line.  Each leaf is labelled `planted island:network`.

# %%
tree = found.merge_tree
threshold = 0.5 * (tree[-n_islands, 2] + tree[-n_islands + 1, 2])
assert adjusted_rand_score(planted.labels, found.cut(n_islands)) == 1.0
path = plot_merge_tree(tree, pictures / "merge_tree.png", threshold=threshold,
                       labels=[f"{label}:{i}" for i, label in enumerate(planted.labels)],
                       title="merge tree of the planted ensemble")
Image(filename=str(path))
