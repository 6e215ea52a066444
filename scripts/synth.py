"""A seeded synthetic news corpus with near-copies, and pair scores against its ground truth.

Prose-like text: a Zipf-distributed vocabulary (the words of the sample files in
``corpus/``, most frequent first, extended with generated pseudo-words), sentences of
varied length with capitals, commas, quotes and names, 3 to 12 paragraphs separated by
blank lines under a headline. A share of the documents are near-copies of a random
earlier original: a few percent of words substituted, inserted or deleted, and sometimes
a new headline, an abridged ending, or curly quotes.

The same options and seed give the same corpus, byte for byte (as long as the sample
files in ``corpus/`` are unchanged: they seed the vocabulary).

    from synth import SynthOptions, generate, write_corpus
    truth = write_corpus(generate(SynthOptions(docs=1000, seed=7)), "/tmp/synth")
    truth.score(clusters)  # clusters: iterables of file names

Shared by ``scripts/bench_scan.py``; ``scripts/eval_neardup.py`` can reuse it.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GroundTruth", "PairScore", "SynthDoc", "SynthOptions", "generate", "write_corpus"]

SAMPLE_CORPUS = Path(__file__).resolve().parents[1] / "corpus"

# Vocabulary: distinct words, and Zipf's law with exponent 1 (close to what English
# shows) over their ranks, the sample corpus's words ranked first by their frequency there.
VOCABULARY_SIZE = 6_000
ZIPF_EXPONENT = 1.0
# Generated proper names, and the chance that a word of a sentence is one.
NAMES = 400
NAME_SHARE = 0.03
# Chance that a word is a number, carries a possessive 's, or is followed by a comma.
NUMBER_SHARE = 0.01
POSSESSIVE_SHARE = 0.01
COMMA_SHARE = 0.07
# Chance that a sentence is a quotation ("...," Name said.)
QUOTE_SHARE = 0.1
# Sentence length in words: normal around this mean, clipped to the range.
SENTENCE_MEAN, SENTENCE_SD, SENTENCE_RANGE = 17.0, 8.0, (4, 40)
PARAGRAPHS = (3, 12)
HEADLINE_WORDS = (4, 11)

# Near-copies: share of words edited (each edit a substitution, insertion or deletion
# with equal chance), and how often each other change happens and by how much.
EDIT_RATE = (0.005, 0.04)
NEW_HEADLINE_SHARE = 0.6
ABRIDGE_SHARE = 0.3
ABRIDGE_CUT = (0.1, 0.4)
CURLY_SHARE = 0.3

_ONSETS = (
    "",
    "b",
    "br",
    "c",
    "ch",
    "d",
    "f",
    "g",
    "gr",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "pl",
    "r",
    "s",
    "sh",
    "st",
    "t",
    "th",
    "tr",
    "v",
    "w",
    "z",
)
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "ou", "y")
_CODAS = ("", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck")
_ENDS = (".", ".", ".", ".", ".", ".", ".", ".", "?", "!")
_WORD = re.compile(r"[a-z]+")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]{2,}\b")
_SENTENCE_END = re.compile(r"[.?!][\"']?$")
_OPEN_QUOTE = re.compile(r'(^|[\s(])"')


@dataclass(frozen=True)
class SynthOptions:
    """How many documents, how long (body words), what share are near-copies, and the seed."""

    docs: int = 10_000
    min_words: int = 300
    max_words: int = 1_000
    copy_share: float = 0.3
    seed: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.docs, bool) or not isinstance(self.docs, int) or self.docs < 1:
            raise ValueError(f"docs must be a whole number of at least 1; got {self.docs!r}")
        if not 20 <= self.min_words <= self.max_words:
            raise ValueError(
                f"need 20 <= min_words <= max_words; got min_words={self.min_words}, max_words={self.max_words}"
            )
        if not 0.0 <= self.copy_share < 1.0:
            raise ValueError(f"copy_share must be in [0, 1); got {self.copy_share!r}")


@dataclass(frozen=True)
class SynthDoc:
    """One generated document. ``family`` is the index of its original (its own index for
    an original); ``changes`` says how a copy differs from it (empty for an original)."""

    index: int
    name: str
    text: str
    family: int
    changes: str = ""


@dataclass(frozen=True)
class PairScore:
    """Document pairs put together by a tool, scored against the generator's families.

    ``precision`` is ``None`` when the tool paired nothing; ``duplicates`` counts the
    documents beyond the first of each reported cluster.
    """

    predicted: int
    true: int
    correct: int
    duplicates: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.true if self.true else None


@dataclass(frozen=True)
class GroundTruth:
    """Which file came from which original, and the corpus size in words and bytes."""

    names: tuple[str, ...]
    family: tuple[int, ...]
    words: int
    bytes: int

    @property
    def copies(self) -> int:
        return sum(f != i for i, f in enumerate(self.family))

    def true_pairs(self) -> Iterator[tuple[str, str]]:
        """Every pair of files that share an original (the original with each copy, and
        copies of the same original with each other)."""
        families: dict[int, list[str]] = {}
        for name, f in zip(self.names, self.family):
            families.setdefault(f, []).append(name)
        for members in families.values():
            yield from itertools.combinations(members, 2)

    @staticmethod
    def recall_of(clusters: Iterable[Iterable[str]], pairs: Iterable[tuple[str, str]]) -> float | None:
        """Share of ``pairs`` whose two files ``clusters`` put together (``None`` if no pairs)."""
        where = {name: c for c, cluster in enumerate(clusters) for name in cluster}
        pairs = list(pairs)
        if not pairs:
            return None
        return sum(a in where and where[a] == where.get(b) for a, b in pairs) / len(pairs)

    def score(self, clusters: Iterable[Iterable[str]]) -> PairScore:
        """Pair precision and recall of ``clusters`` (file names; unlisted files are alone).

        Counted from the cluster x family contingency table, so a giant cluster costs no
        more than a small one. Raises ``ValueError`` for a name not in the corpus or one
        listed in two clusters.
        """
        index = {name: i for i, name in enumerate(self.names)}
        where: dict[str, int] = {}
        cells: Counter[tuple[int, int]] = Counter()
        predicted = duplicates = 0
        for c, cluster in enumerate(clusters):
            members = list(dict.fromkeys(cluster))
            for name in members:
                if name not in index:
                    raise ValueError(f"cluster {c} names {name!r}, which is not a file of the corpus")
                if name in where:
                    raise ValueError(f"{name!r} is in clusters {where[name]} and {c}; clusters must not overlap")
                where[name] = c
                cells[c, self.family[index[name]]] += 1
            predicted += _pairs(len(members))
            duplicates += max(0, len(members) - 1)
        true = sum(_pairs(n) for n in Counter(self.family).values())
        correct = sum(_pairs(n) for n in cells.values())
        return PairScore(predicted, true, correct, duplicates)


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


@dataclass(frozen=True)
class _Vocabulary:
    words: tuple[str, ...]
    cum_weights: tuple[float, ...]
    names: tuple[str, ...]

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum_weights, k=k)


def _pseudo_word(rng: random.Random) -> str:
    return "".join(
        rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(rng.choice((1, 1, 2, 2, 3)))
    )


def _vocabulary(rng: random.Random) -> _Vocabulary:
    """Sample-corpus words by frequency, then pseudo-words; names from both."""
    counts: Counter[str] = Counter()
    proper: set[str] = set()
    for path in sorted(SAMPLE_CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        counts.update(_WORD.findall(text.lower()))
        proper.update(_CAPITALISED.findall(text))
    seen = sorted(counts, key=lambda w: (-counts[w], w))[:VOCABULARY_SIZE]
    words = list(seen)
    taken = set(words)
    while len(words) < VOCABULARY_SIZE:
        word = _pseudo_word(rng)
        if len(word) > 1 and word not in taken:
            taken.add(word)
            words.append(word)
    # A capitalised word of the samples whose lower case never occurs is a name.
    names = sorted(w for w in proper if w.lower() not in counts)
    while len(names) < NAMES:
        names.append(_pseudo_word(rng).capitalize())
    cum = tuple(itertools.accumulate(1.0 / (rank + 1) ** ZIPF_EXPONENT for rank in range(len(words))))
    return _Vocabulary(tuple(words), cum, tuple(names))


# A document is a headline and paragraphs of tokens (words with their punctuation).
_Doc = tuple[str, list[list[str]]]


def _sentence(rng: random.Random, vocab: _Vocabulary, k: int) -> list[str]:
    words = vocab.draw(rng, k)
    # One roll per word decides what, if anything, happens to it (the cases exclude each other).
    number = NAME_SHARE + NUMBER_SHARE
    possessive = number + POSSESSIVE_SHARE
    comma = possessive + COMMA_SHARE
    for i, roll in enumerate([rng.random() for _ in range(k)]):
        if roll >= comma:
            continue
        if roll < NAME_SHARE:
            words[i] = rng.choice(vocab.names)
        elif roll < number:
            words[i] = str(rng.choice((rng.randint(2, 99), rng.randint(1950, 2030), rng.randint(100, 99_999))))
        elif roll < possessive:
            words[i] += "'s"
        elif 0 < i < k - 1:
            words[i] += ","
    words[0] = words[0][:1].upper() + words[0][1:]
    if k > 6 and rng.random() < QUOTE_SHARE:
        words[0] = '"' + words[0]
        words[-1] += ',"'
        words += [rng.choice(vocab.names), "said."]
    else:
        words[-1] += rng.choice(_ENDS)
    return words


def _sentence_length(rng: random.Random) -> int:
    low, high = SENTENCE_RANGE
    return min(high, max(low, round(rng.gauss(SENTENCE_MEAN, SENTENCE_SD))))


def _headline(rng: random.Random, vocab: _Vocabulary) -> str:
    words = vocab.draw(rng, rng.randint(*HEADLINE_WORDS))
    return " ".join(w[:1].upper() + w[1:] for w in words)


def _original(rng: random.Random, vocab: _Vocabulary, options: SynthOptions) -> _Doc:
    target = rng.randint(options.min_words, options.max_words)
    count = rng.randint(*PARAGRAPHS)
    shares = [rng.uniform(0.5, 1.5) for _ in range(count)]
    scale = target / sum(shares)
    paragraphs = []
    for share in shares:
        budget = max(SENTENCE_RANGE[0], round(share * scale))
        tokens: list[str] = []
        while budget > 0:
            k = _sentence_length(rng)
            if budget - k < SENTENCE_RANGE[0]:
                k = budget
            tokens += _sentence(rng, vocab, max(k, 2))
            budget -= k
        paragraphs.append(tokens)
    return _headline(rng, vocab), paragraphs


def _edit(rng: random.Random, vocab: _Vocabulary, paragraphs: list[list[str]], edits: int) -> None:
    """Substitute, insert or delete ``edits`` words at random places, keeping punctuation."""
    for _ in range(edits):
        sizes = [len(p) for p in paragraphs]
        at = rng.randrange(sum(sizes))
        cum = list(itertools.accumulate(sizes))
        p = bisect.bisect_right(cum, at)
        t = at - (cum[p - 1] if p else 0)
        tokens = paragraphs[p]
        kind = rng.choice(("substitute", "insert", "delete"))
        if kind == "insert":
            tokens.insert(t, vocab.draw(rng, 1)[0])
        elif kind == "delete" and len(tokens) > 1 and not _SENTENCE_END.search(tokens[t]) and '"' not in tokens[t]:
            del tokens[t]
        else:  # substitute (also for a token whose deletion would break a sentence)
            old = tokens[t]
            start = len(old) - len(old.lstrip('"'))
            core = re.match(r"[\w']*", old[start:]).group()
            new = vocab.draw(rng, 1)[0]
            if core[:1].isupper():
                new = new.capitalize()
            tokens[t] = old[:start] + new + old[start + len(core) :]


def _abridge(paragraphs: list[list[str]], cut: float) -> list[list[str]]:
    """Drop about ``cut`` of the words from the end, stopping at a sentence end."""
    keep = round(sum(len(p) for p in paragraphs) * (1.0 - cut))
    out: list[list[str]] = []
    for tokens in paragraphs:
        if keep >= len(tokens):
            out.append(tokens)
            keep -= len(tokens)
            continue
        ends = [i for i in range(keep) if _SENTENCE_END.search(tokens[i])]
        if ends:
            out.append(tokens[: ends[-1] + 1])
        break
    return out or paragraphs[:1]


def _curly(text: str) -> str:
    text = _OPEN_QUOTE.sub("\\1\u201c", text)
    return text.replace('"', "\u201d").replace("'", "\u2019")


def _render(doc: _Doc) -> str:
    headline, paragraphs = doc
    return headline + "\n\n" + "\n\n".join(" ".join(p) for p in paragraphs) + "\n"


def _copy(rng: random.Random, vocab: _Vocabulary, source: _Doc) -> tuple[str, str]:
    """A near-copy of ``source``: its text, and a note of what changed."""
    headline, paragraphs = source[0], [list(p) for p in source[1]]
    rate = rng.uniform(*EDIT_RATE)
    edits = max(1, round(rate * sum(len(p) for p in paragraphs)))
    _edit(rng, vocab, paragraphs, edits)
    changes = [f"{edits} word edits ({rate:.1%})"]
    if rng.random() < NEW_HEADLINE_SHARE:
        headline = _headline(rng, vocab)
        changes.append("new headline")
    if rng.random() < ABRIDGE_SHARE:
        cut = rng.uniform(*ABRIDGE_CUT)
        paragraphs = _abridge(paragraphs, cut)
        changes.append(f"abridged {cut:.0%}")
    text = _render((headline, paragraphs))
    if rng.random() < CURLY_SHARE:
        text = _curly(text)
        changes.append("curly quotes")
    return text, ", ".join(changes)


def generate(options: SynthOptions = SynthOptions()) -> Iterator[SynthDoc]:
    """The documents of the corpus, in file order; each copy comes after its original.

    Exactly ``round(docs * copy_share)`` documents are copies (the first is always an
    original). Holds the originals in memory (copies are made from them).
    """
    rng = random.Random(options.seed)
    vocab = _vocabulary(rng)
    n = options.docs
    copies = min(n - 1, round(n * options.copy_share))
    is_copy = [False] * (n - copies) + [True] * copies
    rng.shuffle(is_copy)
    if is_copy[0]:
        first = is_copy.index(False)
        is_copy[0], is_copy[first] = False, True
    width = max(5, len(str(n - 1)))
    originals: list[tuple[int, _Doc]] = []
    for i, copy in enumerate(is_copy):
        name = f"doc_{i:0{width}d}.txt"
        if copy:
            family, source = rng.choice(originals)
            text, changes = _copy(rng, vocab, source)
            yield SynthDoc(i, name, text, family, changes)
        else:
            doc = _original(rng, vocab, options)
            originals.append((i, doc))
            yield SynthDoc(i, name, _render(doc), i)


def write_corpus(docs: Iterable[SynthDoc], folder: str | Path) -> GroundTruth:
    """Write each document to ``folder/<name>`` (UTF-8) and return the ground truth.

    Creates ``folder`` if needed; files already there with the same names are replaced.
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    names: list[str] = []
    family: list[int] = []
    words = size = 0
    for doc in docs:
        data = doc.text.encode("utf-8")
        (root / doc.name).write_bytes(data)
        names.append(doc.name)
        family.append(doc.family)
        words += len(doc.text.split())
        size += len(data)
    return GroundTruth(tuple(names), tuple(family), words, size)


if __name__ == "__main__":  # a quick look: python scripts/synth.py [docs] [seed]
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    for d in generate(SynthOptions(docs=n, seed=seed)):
        print(f"=== {d.name} family {d.family} {d.changes}\n{d.text[:600]}…\n")
