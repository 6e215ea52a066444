import importlib
from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.options import ScanOptions
from dedup.shingles import _fmix64
from dedup.signing import exact_keys, sign_text

signing_module = importlib.import_module("dedup.signing")

OPTS = ScanOptions(jobs=1)


def test_paragraph_positions_and_texts(corpus_dir):
    text = (corpus_dir / "004_95bc31070ec5e5b3.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    signed = sign_text(text, OPTS)
    paras = signed.paragraphs
    assert len(paras) > 5
    for line, body in zip(paras.line.tolist(), paras.texts):
        assert lines[line - 1] == body.split("\n")[0]
    assert all(t >= OPTS.min_paragraph_words for t in paras.tokens.tolist())
    # Short lines ("2 min read", "Edit post") are not paragraphs to compare.
    assert not any(t.startswith(("2 min read", "Edit post")) for t in paras.texts)


def test_paragraph_signature_is_the_signature_of_the_paragraph_alone(corpus_dir):
    text = (corpus_dir / "003_8bc150cff370669c.txt").read_text(encoding="utf-8")
    signed = sign_text(text, OPTS)
    for k, body in enumerate(signed.paragraphs.texts):
        alone = sign_text(body, OPTS, paragraphs=False)
        assert np.array_equal(signed.paragraphs.signatures[k], alone.signature)
        rows = signed.shingles[signed.paragraphs.start[k] : signed.paragraphs.stop[k]]
        assert np.array_equal(np.unique(rows), np.unique(alone.shingles))


def test_paragraph_shorter_than_the_ngram_gets_one_shingle():
    options = ScanOptions(ngram=6, min_paragraph_words=3, jobs=1)
    text = "Five words in this paragraph.\n\nA longer paragraph with more than six words in it."
    signed = sign_text(text, options)
    paras = signed.paragraphs
    assert paras.tokens.tolist() == [5, 10]
    assert paras.stop[0] - paras.start[0] == 1
    alone = sign_text("Five words in this paragraph.", options, paragraphs=False)
    assert np.array_equal(paras.signatures[0], alone.signature)
    assert signed.doc_shingles == 10


def test_exact_keys_ignore_case_quotes_and_spacing():
    a = sign_text("He said “it’s over” — twice.\n\nSecond paragraph here, with enough words to count.", OPTS)
    b = sign_text('HE SAID "IT\'S OVER" - TWICE.\n\nSecond  paragraph here, with enough words to count.', OPTS)
    c = sign_text("He said it is over twice.\n\nSecond paragraph here, with enough words to count.", OPTS)
    assert a.exact == b.exact != c.exact
    assert np.array_equal(a.paragraphs.exact, b.paragraphs.exact)


def test_doc_level_only_skips_paragraphs(corpus_dir):
    text = (corpus_dir / "000_216558cf6ca0eb2a.txt").read_text(encoding="utf-8")
    signed = sign_text(text, OPTS, paragraphs=False)
    assert len(signed.paragraphs) == 0 and signed.tokens > 300


def test_empty_text():
    signed = sign_text("  \n — \n", OPTS)
    assert signed.tokens == 0 and signed.shingles.size == 0 and len(signed.paragraphs) == 0


def test_a_paragraph_has_the_same_exact_key_in_a_long_text_as_in_a_short_one():
    # Texts of more than 2**18 tokens take another path (bounded memory); an exact copy
    # of a paragraph must still get the key it has in a short text, or exact copies
    # between a long and a short document are not grouped as such.
    para = "The council approved the harbour budget on Monday after a long debate about ferry fares."
    filler = " ".join(f"w{k % 997} x{k % 13}" for k in range(140_000))
    short = sign_text(f"Headline of a short page\n\n{para}\n", OPTS)
    long = sign_text(f"{filler}\n\n{para}\n", OPTS)
    assert long.tokens > 1 << 18
    assert short.paragraphs.texts[-1] == long.paragraphs.texts[-1] == para
    assert np.array_equal(short.paragraphs.exact[-1], long.paragraphs.exact[-1])


def _reference_key(words, base):
    total = sum(int(w) * pow(base, i, 1 << 64) for i, w in enumerate(words.tolist())) + len(words)
    return _fmix64(np.array([total & (2**64 - 1)], dtype=np.uint64))[0]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), max_size=40), st.data(), st.integers(1, 6))
def test_exact_keys_in_blocks_match_the_polynomial(values, data, block):
    words = np.array(values, dtype=np.uint64)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(values)), max_size=8)))
    lo, hi = np.array(cuts[0::2][: len(cuts) // 2], dtype=np.int64), np.array(cuts[1::2], dtype=np.int64)
    with mock.patch.object(signing_module, "_BLOCK", block):
        keys = exact_keys(words, lo, hi)
    for k, (a, b) in enumerate(zip(lo.tolist(), hi.tolist())):
        assert [int(v) for v in keys[k]] == [_reference_key(words[a:b], base) for base in signing_module._KEY_BASES]
