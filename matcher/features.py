"""Compatibility scoring: indicator features, IDF weights and bio TF-IDF.

The score of a pair is the weighted mean of six components in [0, 1]:

``goal_coverage``
    share of the mentee's goals found among the mentor's skills;
``skill_overlap``
    the same share with each goal weighted by its IDF over the mentors' skills,
    so covering a goal that few mentors offer counts more;
``language``
    share of the mentee's languages the mentor speaks;
``bio``
    cosine similarity of TF-IDF vectors of the bios' words, each cut to its
    first ``bio_word_prefix`` letters (a crude stem that works the same for
    Russian, English and the national languages); one sparse row per member
    (about 50 non-zeros for a 600-character bio), and similarities are only
    ever computed for the pairs asked for, so memory grows with the number of
    members, not with the number of distinct bios squared;
``seniority``
    ``min(gap, seniority_cap) / seniority_cap`` for a gap in years of service;
``agency``
    1 when both serve in the same kind of agency.

Only ``bio`` is not linear in indicator features, which :mod:`matcher.assign`
uses to rank candidates with one matrix product per block of mentees.

A run does not maximise the sum of these scores: it maximises goal coverage
first, exactly, and uses the score only to break ties (see :mod:`matcher.assign`).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Sequence
from itertools import chain

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.preprocessing import MultiLabelBinarizer

from ._dots import row_dots
from .model import MatchConfig, Member

__all__ = ["CompatibilityScorer", "COMPONENTS", "reasons_for"]

#: Score components, in the order of :meth:`MatchConfig.weight_names`.
COMPONENTS = ("goal_coverage", "skill_overlap", "language", "bio", "seniority", "agency")

_CHUNK = 500_000
_WORD = re.compile(r"\w\w+")
_WORD_CHAR = re.compile(r"\w")


# Texts whose words are numbered at once (bounds the memory of the words in flight).
_TEXT_BATCH = 1_000
# The vectorised path (below) gives way to the regex one for a batch whose
# longest kept word is longer than this (one pass over the words per letter).
_LONGEST_VECTORISED = 64


@functools.lru_cache(maxsize=8)
def _prefix_pattern(k: int) -> re.Pattern:
    """Words of 2+ word characters (as ``_WORD``), captured up to their first ``k``.

    With ``k`` < 2, whole words (the caller cuts them).
    """
    return re.compile(rf"(\w{{2,{k}}})\w*" if k >= 2 else _WORD.pattern)


def _word_ids(texts: list[str], k: int) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Every word of every lower-cased text, as numbers in order of first appearance.

    A word is cut to its first ``k`` characters when ``k`` >= 2, kept whole
    otherwise: the words ``_prefix_pattern(k).findall`` gives.  A batch of
    texts is joined by spaces and its words found and told apart in NumPy
    (:func:`_batch_words`); only the distinct words of a batch meet the dict
    that numbers words as they come.  A batch with a longer word than
    ``_LONGEST_VECTORISED`` is read by the regex instead, into the same dict.

    Returns
    -------
    ids : ndarray of int64
        The number of each word, text after text.
    lengths : ndarray of int64
        The number of words of each text.
    numbers : dict of str to int
        The number of each word.
    """
    findall = _prefix_pattern(k).findall
    numbers: defaultdict[str, int] = defaultdict()
    numbers.default_factory = numbers.__len__
    lookup = numbers.__getitem__
    # Code of each code point: -1 not seen yet, 0 not a word character, else 1, 2, ...
    codes = np.full(0x110000, -1, dtype=np.int32)
    ids, lengths = [], []
    for lo in range(0, len(texts), _TEXT_BATCH):
        lowered = [t.lower() for t in texts[lo : lo + _TEXT_BATCH]]
        found = _batch_words(lowered, k, codes)
        if found is None:
            words = [findall(t) for t in lowered]
            lengths.append(np.fromiter(map(len, words), dtype=np.int64, count=len(words)))
            count = int(lengths[-1].sum())
            ids.append(np.fromiter(map(lookup, chain.from_iterable(words)), dtype=np.int64, count=count))
            continue
        kinds, firsts, per_text = found
        number = np.fromiter(map(lookup, firsts), dtype=np.int64, count=len(firsts))
        ids.append(number[kinds])
        lengths.append(per_text)
    if not ids:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), {}
    return np.concatenate(ids), np.concatenate(lengths), dict(numbers)


def _batch_words(lowered: list[str], k: int, codes: np.ndarray):
    """The words of lower-cased texts, told apart without a loop over them in Python.

    Returns ``(kinds, firsts, per_text)``: the kind of each word (0, 1, ...
    in order of first appearance in the batch), each kind's word, and the
    number of words of each text; None when a kept word is longer than
    ``_LONGEST_VECTORISED``.  ``codes`` numbers the code points met so far
    (updated here); a word character is one that ``\\w`` matches.
    """
    # The spaces around each text: a word never runs from one text into the next.
    joined = " " + " ".join(lowered) + " "
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    code = codes[points]
    if (code < 0).any():
        new = np.unique(points[code < 0])
        codes[new] = [0 if _WORD_CHAR.match(chr(c)) is None else 1 for c in new.tolist()]
        seen = np.flatnonzero(codes > 0)
        codes[seen] = np.arange(1, len(seen) + 1, dtype=np.int32)
        code = codes[points]
    is_word = code > 0
    bounds = np.flatnonzero(is_word[1:] != is_word[:-1]) + 1
    starts, ends = bounds[0::2], bounds[1::2]
    keep = ends - starts >= 2
    starts, size = starts[keep], (ends - starts)[keep]
    if k >= 2:
        np.minimum(size, k, out=size)
    if len(size) and size.max() > _LONGEST_VECTORISED:
        return None
    kinds = _kinds(code, starts, size, int(codes.max()) + 1)
    first = np.full(int(kinds.max(initial=-1)) + 1, len(kinds), dtype=np.int64)
    np.minimum.at(first, kinds, np.arange(len(kinds), dtype=np.int64))
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    at = first[order]
    firsts = [joined[s : s + n] for s, n in zip(starts[at].tolist(), size[at].tolist(), strict=True)]
    text_starts = np.cumsum([1] + [len(t) + 1 for t in lowered])
    per_text = np.diff(np.searchsorted(starts, text_starts)).astype(np.int64)
    return rank[kinds], firsts, per_text


def _kinds(code: np.ndarray, starts: np.ndarray, size: np.ndarray, radix: int) -> np.ndarray:
    """A number for each word (its ``size`` codes from ``starts``), equal for equal words.

    Letter after letter, the pair (number of the word so far, next code, or 0
    past its end) is numbered densely by a table of the pairs present (or by
    :func:`numpy.unique` when that table would be large): words are equal
    exactly when all their pairs are.
    """
    state = np.zeros(len(starts), dtype=np.int64)
    n_states = 1
    for j in range(int(size.max(initial=0))):
        pair = state * radix + np.where(size > j, code[np.minimum(starts + j, len(code) - 1)], 0)
        if n_states * radix <= 4 * len(pair) + (1 << 16):
            present = np.zeros(n_states * radix, dtype=bool)
            present[pair] = True
            dense = np.cumsum(present, dtype=np.int64) - 1
            state, n_states = dense[pair], int(dense[-1]) + 1
        else:
            values, state = np.unique(pair, return_inverse=True)
            n_states = len(values)
    return state


def _rowsum(matrix) -> np.ndarray:
    return np.asarray(matrix.sum(axis=1), dtype=np.float64).ravel()


def _pack(indicator) -> np.ndarray:
    """Rows of a 0/1 sparse matrix as packed bits, (n_rows, ceil(n_cols / 8)) uint8."""
    dense = indicator.toarray() > 0
    if dense.shape[1] == 0:
        return np.zeros((dense.shape[0], 1), dtype=np.uint8)
    return np.packbits(dense, axis=1)


#: Number of set bits of each byte value.
_POPCOUNT = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).sum(axis=1).astype(np.float64)


def _byte_tables(values: np.ndarray) -> np.ndarray:
    """Per packed byte j and byte value v, the sum of ``values`` over the bits of v.

    The sums run in column order, like a sparse row sum.
    """
    n_bytes = max(1, -(-len(values) // 8))
    padded = np.zeros(n_bytes * 8)
    padded[: len(values)] = values
    bits = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).astype(bool)  # (256, 8)
    tables = np.zeros((n_bytes, 256))
    for j in range(n_bytes):
        for k in range(8):
            tables[j] = np.where(bits[:, k], tables[j] + padded[j * 8 + k], tables[j])
    return tables


def _common_bits(a: np.ndarray, b: np.ndarray, tables=None) -> np.ndarray:
    """Per row, the number of common set bits of two packed arrays (or their table sum)."""
    out = np.zeros(len(a))
    for j in range(a.shape[1]):
        both = a[:, j] & b[:, j]
        out += _POPCOUNT[both] if tables is None else tables[j][both]
    return out


class CompatibilityScorer(BaseEstimator):
    """Scores mentor-mentee pairs of one population.

    ``fit`` learns the label vocabularies (stable, sorted column order), the
    IDF of each skill among mentors and the bio TF-IDF; scoring then takes
    member positions in the fitted sequence.

    Parameters
    ----------
    w_goal_coverage, w_skill_overlap, w_language, w_bio, w_seniority, w_agency : float
        Component weights, see :class:`matcher.MatchConfig`.
    seniority_cap : int
        Gap in years at which the seniority component reaches 1.
    bio_word_prefix : int
        Letters kept of each bio word.

    Examples
    --------
    >>> mentor = Member("a", "KZ", "police", ("mentor",), ("ru",), ("leadership",), (),
    ...                 years_of_service=20, capacity=1)
    >>> mentee = Member("b", "KG", "police", ("mentee",), ("ru",), (), ("leadership",),
    ...                 years_of_service=5)
    >>> scorer = CompatibilityScorer().fit([mentor, mentee])
    >>> float(scorer.score_pairs([0], [1])[0])  # everything but the bios agrees
    0.88
    """

    def __init__(
        self,
        *,
        w_goal_coverage=0.40,
        w_skill_overlap=0.20,
        w_language=0.08,
        w_bio=0.12,
        w_seniority=0.12,
        w_agency=0.08,
        seniority_cap=15,
        bio_word_prefix=6,
    ):
        self.w_goal_coverage = w_goal_coverage
        self.w_skill_overlap = w_skill_overlap
        self.w_language = w_language
        self.w_bio = w_bio
        self.w_seniority = w_seniority
        self.w_agency = w_agency
        self.seniority_cap = seniority_cap
        self.bio_word_prefix = bio_word_prefix

    @classmethod
    def from_config(cls, config: MatchConfig) -> CompatibilityScorer:
        """An unfitted scorer with the weights of ``config``."""
        return cls(
            **{n: getattr(config, n) for n in MatchConfig.weight_names()},
            seniority_cap=config.seniority_cap,
            bio_word_prefix=config.bio_word_prefix,
        )

    def _weights(self) -> np.ndarray:
        w = np.array([getattr(self, n) for n in MatchConfig.weight_names()], dtype=np.float64)
        return w / w.sum()

    def fit(self, members: Sequence[Member], y=None) -> CompatibilityScorer:
        """Learn vocabularies, skill IDF and bio TF-IDF from ``members``."""
        members = list(members)
        _learn_labels(self, members)
        _learn_bios(self, members)
        return self

    # -- exact scores of given pairs ---------------------------------------
    def components(self, mentor_idx, mentee_idx) -> dict[str, np.ndarray]:
        """Score components of pairs given by member positions.

        Returns
        -------
        dict of str to ndarray
            One float array per name in :data:`COMPONENTS`, each in [0, 1].
        """
        m = np.asarray(mentor_idx, dtype=np.intp)
        e = np.asarray(mentee_idx, dtype=np.intp)
        out = {name: np.empty(len(m)) for name in COMPONENTS}
        for lo in range(0, len(m), _CHUNK):
            _fill_components(self, m[lo : lo + _CHUNK], e[lo : lo + _CHUNK], out, lo)
        return out

    def covered_goals(self, mentor_idx, mentee_idx) -> np.ndarray:
        """Number of the mentee's goals among the mentor's skills, per pair (int64)."""
        m = np.asarray(mentor_idx, dtype=np.intp)
        e = np.asarray(mentee_idx, dtype=np.intp)
        out = np.empty(len(m), dtype=np.int64)
        for lo in range(0, len(m), _CHUNK):
            sl = slice(lo, lo + _CHUNK)
            out[sl] = _common_bits(self.goal_bits_[e[sl]], self.skill_bits_[m[sl]]).astype(np.int64)
        return out

    def score_pairs(self, mentor_idx, mentee_idx) -> np.ndarray:
        """Compatibility scores in [0, 1] of pairs given by member positions, one per pair.

        (Not scikit-learn's ``score``, which returns one number for a data set.)
        """
        m = np.atleast_1d(np.asarray(mentor_idx, dtype=np.intp))
        e = np.atleast_1d(np.asarray(mentee_idx, dtype=np.intp))
        w = self._weights()
        total = np.zeros(len(m))
        # By chunks: the six components of millions of pairs at once would be the
        # peak of a run's memory (the tie-break scores every tight pair).
        for lo in range(0, len(m), _CHUNK):
            comps = self.components(m[lo : lo + _CHUNK], e[lo : lo + _CHUNK])
            part = total[lo : lo + _CHUNK]
            for wi, name in zip(w, COMPONENTS, strict=True):
                part += wi * comps[name]
        return np.clip(total, 0.0, 1.0)

    # -- linear features for ranking candidates -----------------------------
    def linear_features(self, idx, *, side: str, year_values, lead: float = 0.0) -> np.ndarray:
        """Dense features whose dot products give the score without ``bio``.

        ``mentee_features @ mentor_features.T`` equals the weighted sum of every
        component except ``bio`` (already divided by the total weight), plus
        ``lead`` times the goal coverage: with ``lead`` above twice the largest
        number of goals, a higher coverage always ranks first.

        Parameters
        ----------
        idx : array of int
            Member positions.
        side : {"mentor", "mentee"}
        year_values : array of int
            The years of service the mentor columns can take (the seniority term
            is a table lookup, written as a one-hot product).
        """
        return _linear_features(self, idx, side=side, year_values=year_values, lead=lead)

    def bio_similarity(self, a: int, b: int) -> float:
        """Bio cosine similarity of two members given by position."""
        return float(_bio_pairs(self.bio_unique_, self.bio_ids_[[a]], self.bio_ids_[[b]])[0])


def _fill_components(scorer, mc, ec, out, lo):
    """Write the components of the pairs ``(mc, ec)`` into ``out`` from position ``lo``."""
    sl = slice(lo, lo + len(mc))
    goals, skills = scorer.goal_bits_[ec], scorer.skill_bits_[mc]
    n_goals = scorer.goal_counts_[ec]
    with np.errstate(invalid="ignore", divide="ignore"):
        covered = _common_bits(goals, skills)
        out["goal_coverage"][sl] = np.where(n_goals > 0, covered / n_goals, 0.0)
        idf_cov = _common_bits(goals, skills, scorer.idf_tables_)
        tot = scorer.goal_idf_totals_[ec]
        out["skill_overlap"][sl] = np.where(tot > 0, idf_cov / tot, 0.0)
        shared = _common_bits(scorer.language_bits_[ec], scorer.language_bits_[mc])
        n_lang = scorer.language_counts_[ec]
        out["language"][sl] = np.where(n_lang > 0, shared / n_lang, 0.0)
    out["bio"][sl] = _bio_pairs(scorer.bio_unique_, scorer.bio_ids_[mc], scorer.bio_ids_[ec])
    gap = scorer.years_[mc] - scorer.years_[ec]
    out["seniority"][sl] = np.clip(gap, 0, scorer.seniority_cap) / scorer.seniority_cap
    out["agency"][sl] = (scorer.agency_codes_[ec] == scorer.agency_codes_[mc]).astype(np.float64)


def _bio_pairs(bio_unique: sp.csr_matrix, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of the bios ``a[k]`` and ``b[k]`` (rows of unit length: their dot product)."""
    if not bio_unique.shape[1] or len(a) == 0:
        return np.zeros(len(a))
    return np.clip(row_dots(bio_unique, a, b), 0.0, 1.0)


def _distinct(rows: list[tuple]) -> tuple[list[tuple], np.ndarray]:
    """The distinct rows in order of first appearance, and each row's position among them."""
    position: dict[tuple, int] = {}
    ids = [position.setdefault(r, len(position)) for r in rows]
    return list(position), np.array(ids, dtype=np.intp)


def _binarize(binarizer: MultiLabelBinarizer, distinct: list[tuple], ids: np.ndarray) -> sp.csr_matrix:
    """``binarizer.transform`` of the rows ``distinct[ids]``, as a float64 CSR matrix.

    Each distinct label tuple is transformed once (members share them: 100,000
    members have about 30,000 distinct skill tuples and 35 language tuples),
    then its row is copied to the members that have it.  The copy keeps the
    order of the columns within a row, which is the transform's own (the
    iteration order of a set, not always sorted) and which the sums over a
    row follow, so the matrix is the one of transforming every row.
    """
    return sp.csr_matrix(binarizer.transform(distinct)[ids], dtype=np.float64)


def _learn_labels(scorer: CompatibilityScorer, members: list[Member]) -> None:
    """Label vocabularies, skill IDF, goal and language counts, packed bit sets."""
    skill_sets, skill_ids = _distinct([m.skills for m in members])
    goal_sets, goal_ids = _distinct([m.goals for m in members])
    language_sets, language_ids = _distinct([m.languages for m in members])
    agency_sets, agency_ids = _distinct([(m.agency,) for m in members])
    slugs = sorted({*chain.from_iterable(skill_sets), *chain.from_iterable(goal_sets)})
    langs = sorted(set(chain.from_iterable(language_sets)))
    agencies = sorted(set(chain.from_iterable(agency_sets)))
    scorer.slug_binarizer_ = MultiLabelBinarizer(classes=slugs, sparse_output=True).fit([])
    scorer.language_binarizer_ = MultiLabelBinarizer(classes=langs, sparse_output=True).fit([])
    scorer.agency_binarizer_ = MultiLabelBinarizer(classes=agencies, sparse_output=True).fit([])

    scorer.skills_ = _binarize(scorer.slug_binarizer_, skill_sets, skill_ids)
    scorer.goals_ = _binarize(scorer.slug_binarizer_, goal_sets, goal_ids)
    scorer.languages_ = _binarize(scorer.language_binarizer_, language_sets, language_ids)
    scorer.agencies_ = _binarize(scorer.agency_binarizer_, agency_sets, agency_ids)
    scorer.years_ = np.array([m.years_of_service for m in members], dtype=np.int64)

    mentor_rows = np.array([i for i, m in enumerate(members) if m.is_mentor], dtype=np.intp)
    if len(mentor_rows) and slugs:
        tfidf = TfidfTransformer(smooth_idf=True).fit(scorer.skills_[mentor_rows])
        scorer.idf_ = np.asarray(tfidf.idf_, dtype=np.float64)
    else:
        scorer.idf_ = np.ones(len(slugs))
    goals_idf = scorer.goals_.multiply(scorer.idf_[None, :]).tocsr()
    scorer.goal_counts_ = _rowsum(scorer.goals_)
    scorer.goal_idf_totals_ = _rowsum(goals_idf)
    scorer.language_counts_ = _rowsum(scorer.languages_)

    # Packed bit sets for the vectorised pair scores (8 labels a byte).
    scorer.skill_bits_ = _pack(scorer.skills_)
    scorer.goal_bits_ = _pack(scorer.goals_)
    scorer.language_bits_ = _pack(scorer.languages_)
    scorer.agency_codes_ = scorer.agencies_.indices.astype(np.int64)
    scorer.idf_tables_ = _byte_tables(scorer.idf_)
    scorer.n_members_ = len(members)


def _count_words(texts: list[str], k: int):
    """Word counts per text (CSR, float32, columns in sorted word order) and the vocabulary.

    The counts of scikit-learn's ``CountVectorizer`` whose analyzer gives the
    lower-cased words of 2+ word characters of a text (``_WORD``), each cut
    to its first ``k`` characters, without a loop over the words in Python
    (see :func:`_word_ids`).  None without words.
    """
    ids, lengths, numbers = _word_ids(texts, k)
    if not numbers:
        return None, {}
    words = sorted({w[:k] for w in numbers})
    column_of_word = {w: i for i, w in enumerate(words)}
    # Columns in sorted word order, as CountVectorizer numbers them.
    column = np.empty(len(numbers), dtype=np.int64)
    column[list(numbers.values())] = [column_of_word[w[:k]] for w in numbers]
    cols = column[ids]
    indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    counts = sp.csr_matrix(
        (np.ones(len(cols), dtype=np.float32), cols, indptr),
        shape=(len(texts), len(words)),
    )
    # Duplicates summed and columns sorted by two linear transpositions
    # (counting sorts) rather than a sort of every row.
    by_word = counts.tocsc()
    by_word.sum_duplicates()
    return by_word.tocsr(), column_of_word


def _learn_bios(scorer: CompatibilityScorer, members: list[Member]) -> None:
    """Bio TF-IDF on the distinct texts, kept sparse (float32)."""
    # Identical bios (empty ones, templates) are analysed once: the counts of
    # the distinct texts are expanded back to one row per member before the
    # IDF is learnt, so the TF-IDF is exactly the one of the full list.  Only
    # the rows of the distinct texts are kept (sparse, float32).
    texts = [m.bio.strip() for m in members]
    bio_texts = sorted(set(texts))
    position = {t: i for i, t in enumerate(bio_texts)}
    scorer.bio_ids_ = np.array([position[t] for t in texts], dtype=np.intp)
    del texts, position
    counts, scorer.bio_vocabulary_ = _count_words(bio_texts, scorer.bio_word_prefix)
    if counts is not None:
        scorer.bio_tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts[scorer.bio_ids_])
        scorer.bio_unique_ = scorer.bio_tfidf_.transform(counts).astype(np.float32).tocsr()
    else:
        scorer.bio_unique_ = sp.csr_matrix((len(bio_texts), 0), dtype=np.float32)
    del counts, bio_texts


def _linear_features(scorer: CompatibilityScorer, idx, *, side: str, year_values, lead: float) -> np.ndarray:
    """The body of ``CompatibilityScorer.linear_features``."""
    idx = np.asarray(idx, dtype=np.intp)
    w = scorer._weights()
    wg, ws, wl, _, wsen, wa = w
    year_values = np.asarray(year_values, dtype=np.int64)
    if side == "mentor":
        yrs = np.searchsorted(year_values, scorer.years_[idx])
        onehot = sp.csr_matrix((np.ones(len(idx)), (np.arange(len(idx)), yrs)), shape=(len(idx), len(year_values)))
        blocks = [scorer.skills_[idx], scorer.languages_[idx], scorer.agencies_[idx], onehot]
        return sp.hstack(blocks, format="csr").toarray()
    if side != "mentee":
        raise ValueError("side must be 'mentor' or 'mentee'")
    with np.errstate(invalid="ignore", divide="ignore"):
        n_goals = scorer.goal_counts_[idx]
        inv_goals = np.where(n_goals > 0, 1.0 / n_goals, 0.0)
        tot = scorer.goal_idf_totals_[idx]
        inv_tot = np.where(tot > 0, 1.0 / tot, 0.0)
        n_lang = scorer.language_counts_[idx]
        inv_lang = np.where(n_lang > 0, 1.0 / n_lang, 0.0)
    goals = scorer.goals_[idx].toarray()
    goals *= (wg + lead) * inv_goals[:, None] + ws * inv_tot[:, None] * scorer.idf_[None, :]
    langs = scorer.languages_[idx].toarray() * (wl * inv_lang)[:, None]
    agencies = scorer.agencies_[idx].toarray() * wa
    gap = year_values[None, :] - scorer.years_[idx][:, None]
    seniority = wsen * np.clip(gap, 0, scorer.seniority_cap) / scorer.seniority_cap
    return np.hstack([goals, langs, agencies, seniority])


def reasons_for(mentor: Member, mentee: Member, *, bio_similarity: float, config: MatchConfig):
    """Machine-readable reasons of a pair, in a stable order.

    Order: ``goal_covered`` (mentee's goal order), ``shared_language`` (mentee's
    language order), ``seniority_gap``, ``cross_border``, ``same_agency_kind``,
    ``bio_overlap`` (only from ``config.bio_reason_threshold``).

    Examples
    --------
    >>> a = Member("a", "KZ", "customs", ("mentor",), ("ru", "en"), ("leadership",), (),
    ...            years_of_service=14, capacity=1)
    >>> b = Member("b", "TJ", "customs", ("mentee",), ("tg", "ru"), (), ("leadership", "cybercrime"),
    ...            years_of_service=2)
    >>> [r["kind"] for r in reasons_for(a, b, bio_similarity=0.0, config=MatchConfig())]
    ['goal_covered', 'shared_language', 'seniority_gap', 'cross_border', 'same_agency_kind']
    """
    skills = set(mentor.skills)
    langs = set(mentor.languages)
    out: list[dict] = [{"kind": "goal_covered", "slug": g} for g in mentee.goals if g in skills]
    out += [{"kind": "shared_language", "code": x} for x in mentee.languages if x in langs]
    out.append({"kind": "seniority_gap", "years": mentor.years_of_service - mentee.years_of_service})
    if mentor.country != mentee.country:
        out.append(
            {
                "kind": "cross_border",
                "mentor_country": mentor.country,
                "mentee_country": mentee.country,
            }
        )
    if mentor.agency == mentee.agency:
        out.append({"kind": "same_agency_kind", "agency": mentor.agency})
    if bio_similarity >= config.bio_reason_threshold and bio_similarity > 0:
        out.append({"kind": "bio_overlap", "similarity": round(float(bio_similarity), 4)})
    return tuple(out)
