"""The fitting shortcuts of matcher.features, against the straightforward computations they replace."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import MultiLabelBinarizer

from matcher import features
from matcher.features import _binarize, _count_words, _distinct

TEXTS = [
    "",
    "   ",
    "Опыт работы в таможне 12 лет, ОБУЧАЮ молодых сотрудников.",
    "Ёлка и елка, ЁЖ и еж: ё/е are different letters here.",
    "Police-English & cyber_crime: 2FA, IPv6, x86_64; a b c д е ж.",
    "Mixed СЛОВОword кириллица+latin, digits 007 and ١٢٣ (Arabic-Indic).",
    "Σίσυφος ΟΔΟΣ Straße İstanbul ǅemal ß.",
    "tabs\tand\nnew lines\r\n\x00NUL\x00between, no-break\xa0space",
    "Опыт работы в таможне 12 лет, ОБУЧАЮ молодых сотрудников.",  # a repeat
    "a",
    "Долгосрочное стратегическое планирование межведомственного взаимодействия",
]


def reference_counts(texts, k):
    """scikit-learn's CountVectorizer with the analyzer the scorer describes."""

    def analyzer(text):
        return [w[:k] for w in re.findall(r"\w\w+", text.lower())]

    vectorizer = CountVectorizer(analyzer=analyzer)
    counts = vectorizer.fit_transform(texts)
    counts.sort_indices()  # CountVectorizer leaves each row in order of first appearance
    return counts, vectorizer.vocabulary_


@pytest.mark.parametrize("k", [1, 2, 3, 6, 40])
@pytest.mark.parametrize("batch", [1, 3, 1000])
def test_count_words_equals_count_vectorizer(k, batch, monkeypatch):
    monkeypatch.setattr(features, "_TEXT_BATCH", batch)
    counts, vocabulary = _count_words(TEXTS, k)
    expected, expected_vocabulary = reference_counts(TEXTS, k)
    assert vocabulary == expected_vocabulary
    assert counts.dtype == np.float32 and counts.has_canonical_format
    assert counts.shape == expected.shape
    np.testing.assert_array_equal(counts.indptr, expected.indptr)
    np.testing.assert_array_equal(counts.indices, expected.indices)
    np.testing.assert_array_equal(counts.data, expected.data.astype(np.float32))


def test_count_words_without_words():
    assert _count_words([], 6) == (None, {})
    assert _count_words(["", " a ", "!?"], 6) == (None, {})


def test_binarize_equals_the_transform_of_every_row():
    classes = [f"s{i:02d}" for i in range(40)]
    rng = np.random.default_rng(3)
    pool = [tuple(rng.choice(classes, size=rng.integers(0, 7))) for _ in range(30)]
    pool += [("s09", "s01", "s09"), ("s01", "s09"), ()]
    rows = [pool[i] for i in rng.integers(0, len(pool), 500)]
    binarizer = MultiLabelBinarizer(classes=classes, sparse_output=True).fit([])
    got = _binarize(binarizer, *_distinct(rows))
    expected = binarizer.transform(rows)
    assert got.dtype == np.float64 and got.shape == expected.shape
    # The same columns in the same order within each row (not always sorted).
    np.testing.assert_array_equal(got.indptr, expected.indptr)
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_array_equal(got.data, expected.data)
