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
    "ΟΔΟΣ'Α ΟΔΟΣ. İİ İstanbul: lower() makes each İ two characters",
    "e\u0301te cafe\u0301s (combining marks) 😀emoji😀 🇷🇺flag x\x01y\x1fz\x7f",
    "non-BMP 𐐀𐐁𐐂 𝐀𝐁𝐂𝐃 𝟘𝟙 𠀀𠀁 and a lone \ud800surrogate",
    "__ _a_ ___init___ 1_000_000 ёЁёж ЁЖИК",
    "!?-- ..., 😀 😀",
]

# Characters the word finder must treat as the regex does, for the random texts.
TRICKY = "aZx_9ёЁжİΣσς'\u0301 \t\x00-😀𐐀𝐀ǅß٣\ud800."


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


def reference_word_ids(texts, k):
    """What ``_word_ids`` returns, by the regex over each lower-cased text."""
    pattern = re.compile(rf"(\w{{2,{k}}})\w*" if k >= 2 else r"\w\w+")
    numbers, ids, lengths = {}, [], []
    for text in texts:
        words = pattern.findall(text.lower())
        lengths.append(len(words))
        ids.extend(numbers.setdefault(w, len(numbers)) for w in words)
    return np.array(ids, dtype=np.int64), np.array(lengths, dtype=np.int64), numbers


def assert_word_ids_equal(texts, k):
    ids, lengths, numbers = features._word_ids(texts, k)
    expected_ids, expected_lengths, expected_numbers = reference_word_ids(texts, k)
    assert list(numbers.items()) == list(expected_numbers.items())
    assert ids.dtype == np.int64 and lengths.dtype == np.int64
    np.testing.assert_array_equal(ids, expected_ids)
    np.testing.assert_array_equal(lengths, expected_lengths)


@pytest.mark.parametrize("k", [1, 2, 6, 40])
@pytest.mark.parametrize("batch", [1, 2, 3, 1000])
@pytest.mark.parametrize("longest", [3, 64])  # 3: most batches read by the regex
def test_word_ids_equal_the_regex(k, batch, longest, monkeypatch):
    monkeypatch.setattr(features, "_TEXT_BATCH", batch)
    monkeypatch.setattr(features, "_LONGEST_VECTORISED", longest)
    texts = TEXTS + ["x" * 100 + " " + "ж" * 41, "", "ab", "a b", "\x00ab\x00", "😀"]
    assert_word_ids_equal(texts, k)
    assert_word_ids_equal(texts[::-1], k)


@pytest.mark.parametrize("k", [1, 2, 3, 6, 40])
def test_word_ids_of_random_texts_equal_the_regex(k, monkeypatch):
    rng = np.random.default_rng(k)
    for _ in range(20):
        monkeypatch.setattr(features, "_TEXT_BATCH", int(rng.integers(1, 50)))
        texts = ["".join(rng.choice(list(TRICKY), size=rng.integers(0, 40))) for _ in range(rng.integers(0, 80))]
        assert_word_ids_equal(texts, k)


def test_word_ids_of_many_distinct_words():
    """Enough distinct words for the numbering of word prefixes to sort rather than tabulate."""
    rng = np.random.default_rng(7)
    letters = list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяabcdef")
    words = ["".join(rng.choice(letters, size=rng.integers(1, 9))) for _ in range(6000)]
    texts = [" ".join(words[i : i + 7]) for i in range(0, len(words), 7)]
    for k in (1, 6):
        assert_word_ids_equal(texts, k)


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
