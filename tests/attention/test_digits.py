"""End-to-end test on a small ensemble of MLPs trained on scikit-learn's digits."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from geomwork.attention import analyse_ensemble, consensus_activity, train_digit_ensemble


@pytest.fixture(scope="module")
def ensemble():
    return train_digit_ensemble(5, widths=(16, 24, 32), classes_per_network=8, epochs=80, seed=3)


def probe_accuracy(features, labels):
    train = np.arange(len(labels)) % 2 == 0
    classifier = LogisticRegression(max_iter=2000).fit(features[train], labels[train])
    return classifier.score(features[~train], labels[~train])


def test_ensemble_is_reproducible_and_trained(ensemble):
    again = train_digit_ensemble(1, widths=(16,), classes_per_network=8, epochs=80, seed=3)
    assert torch.equal(again.hidden[again.names[0]], ensemble.hidden[ensemble.names[0]])
    assert ensemble.probabilities.shape == (5, len(ensemble.probe_labels), 10)
    assert [len(subset) for subset in ensemble.class_subsets] == [8] * 5
    # Each network never saw two classes, so 0.8 is its ceiling.
    assert np.all(ensemble.accuracies > 0.6)
    assert np.all(ensemble.accuracies <= 0.8 + 1e-12)


def test_pipeline_on_digits(ensemble):
    stages = []
    analysis = analyse_ensemble(ensemble.hidden, 8, callback=stages.append)
    assert stages == ["reduce activity", "build connection", "find islands", "synchronise", "ellipsoids"]
    assert analysis.reduced.shape == (5, len(ensemble.probe_labels), 8)
    assert analysis.islands.labels.shape == (5,)
    assert np.isfinite(analysis.synchronisation.energy)

    labels = ensemble.probe_labels.numpy()
    consensus = consensus_activity(analysis.reduced, analysis.synchronisation.gauges).numpy()
    naive = analysis.reduced.mean(dim=0).numpy()
    assert probe_accuracy(consensus, labels) > probe_accuracy(naive, labels)


def test_bad_class_count_rejected():
    with pytest.raises(ValueError, match="classes_per_network = 1 must lie between 2 and 10"):
        train_digit_ensemble(2, classes_per_network=1)
