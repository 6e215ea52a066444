import numpy as np

from dedup.options import ScanOptions
from dedup.signing import sign_text

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
