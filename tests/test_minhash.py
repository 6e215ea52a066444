import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from clean.tokens import normalized_code_points
from dedup.minhash import EMPTY_HASH, permutations, permuted_hashes, signature, span_signatures
from dedup.shingles import shingle_hash, shingle_hashes, shingles, token_hashes


def _shingle_hashes(text, n=3):
    words, _ = token_hashes(normalized_code_points(text))
    return shingle_hashes(words, n)


def test_permutations_are_datasketchs(corpus_dir):
    for num_perm, seed in [(128, 1), (64, 42), (256, 7)]:
        a, b = permutations(num_perm, seed)
        reference = MinHash(num_perm=num_perm, seed=seed).permutations
        assert np.array_equal(a, reference[0]) and np.array_equal(b, reference[1])


def test_signature_equals_datasketch_minhash(corpus_dir):
    for path in sorted(corpus_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for n, num_perm, seed in [(3, 128, 1), (5, 64, 99)]:
            ours = signature(_shingle_hashes(text, n), num_perm, seed)
            theirs = MinHash(num_perm=num_perm, seed=seed, hashfunc=shingle_hash)
            theirs.update_batch(shingles(text, n))
            assert np.array_equal(ours, theirs.hashvalues), path.name


def test_leanminhash_from_our_values_works_with_datasketch(corpus_dir):
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus_dir.glob("*.txt"))]
    lean = [LeanMinHash(seed=1, hashvalues=signature(_shingle_hashes(t)), scheme="affine32") for t in texts]
    full = MinHash(num_perm=128, seed=1, hashfunc=shingle_hash)
    full.update_batch(shingles(texts[3], 3))
    assert lean[3].jaccard(full) == 1.0
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    for i, m in enumerate(lean):
        lsh.insert(str(i), m)
    assert "3" in lsh.query(full)
    # A LeanMinHash survives datasketch's own serialisation.
    buf = bytearray(lean[0].bytesize())
    lean[0].serialize(buf)
    assert np.array_equal(LeanMinHash.deserialize(buf).hashvalues, lean[0].hashvalues)


def test_empty_set_gives_the_empty_sentinel():
    assert np.all(signature(np.zeros(0, dtype=np.uint32), 16) == EMPTY_HASH)


def test_span_signatures_are_signatures_of_the_rows():
    rng = np.random.default_rng(3)
    shingle_set = rng.integers(0, 2**32, 200, dtype=np.uint32)
    permuted = permuted_hashes(shingle_set, 32, 1)
    spans = np.array([[0, 7], [10, 11], [50, 200]])
    out = span_signatures(permuted, spans)
    for row, (start, stop) in zip(out, spans):
        assert np.array_equal(row, signature(shingle_set[start:stop], 32, 1))


def test_estimate_tracks_true_jaccard():
    rng = np.random.default_rng(5)
    common = rng.integers(0, 2**32, 600, dtype=np.uint32)
    a = np.concatenate([common, rng.integers(0, 2**32, 200, dtype=np.uint32)])
    b = np.concatenate([common, rng.integers(0, 2**32, 200, dtype=np.uint32)])
    estimate = np.mean(signature(a, 512) == signature(b, 512))
    assert abs(estimate - 0.6) < 0.08


def test_chunked_signatures_equal_the_whole(monkeypatch):
    import dedup.minhash as mh

    rng = np.random.default_rng(9)
    seq = rng.integers(0, 2**32, 1000, dtype=np.uint32)
    spans = np.array([[0, 90], [95, 400], [401, 1000]])
    whole, parts = mh.signatures(seq, spans, 32, 1)
    monkeypatch.setattr(mh, "CHUNK", 128)  # spans now cross chunk boundaries
    chunked_whole, chunked_parts = mh.signatures(seq, spans, 32, 1)
    assert np.array_equal(whole, chunked_whole) and np.array_equal(parts, chunked_parts)
    assert np.array_equal(whole, signature(seq, 32, 1))
    for row, (a, b) in zip(parts, spans):
        assert np.array_equal(row, signature(seq[a:b], 32, 1))
