"""dedup: find near-duplicate documents and paragraphs, verified, and explain every match.

``scan(documents, options)`` runs the whole pipeline; the stages are public too:
``tokenize``/``shingles`` (what is compared), ``signature`` (datasketch-compatible
MinHash), ``lsh_params``/``band_keys``/``buckets`` (LSH), ``similarity`` (exact verification) and
``match`` (who is kept, and what each dropped item matches).
"""

import logging

from clean.tokens import normalize, tokenize

__version__ = "0.1.0"

from .documents import Document
from .errors import ConfigError, DedupError, IndexFileError, IndexOptionsError, InputError, OptionsError, PathError
from .index import AddResult, Index
from .lsh import Buckets, LSHParams, band_keys, buckets, lsh_params
from .matching import Matches, match
from .minhash import permutations, signature
from .options import ScanOptions
from .readers import iter_documents
from .report import as_dict, render_json, render_text
from .run import RunOptions, RunResult, run, run_paths
from .scan import (
    DocCluster,
    DocMember,
    Failure,
    ParagraphCluster,
    ParagraphMember,
    ScanResult,
    Summary,
    scan,
    scan_paths,
)
from .shingles import shingle_hash, shingle_hashes, shingles
from .signing import Signed, sign_text
from .verify import Similarity, similarity

__all__ = [
    "AddResult",
    "Buckets",
    "ConfigError",
    "DedupError",
    "DocCluster",
    "DocMember",
    "Document",
    "Failure",
    "Index",
    "IndexFileError",
    "IndexOptionsError",
    "InputError",
    "LSHParams",
    "Matches",
    "OptionsError",
    "ParagraphCluster",
    "ParagraphMember",
    "PathError",
    "RunOptions",
    "RunResult",
    "ScanOptions",
    "ScanResult",
    "Signed",
    "Similarity",
    "Summary",
    "as_dict",
    "band_keys",
    "buckets",
    "iter_documents",
    "lsh_params",
    "match",
    "normalize",
    "permutations",
    "render_json",
    "render_text",
    "run",
    "run_paths",
    "scan",
    "scan_paths",
    "shingle_hash",
    "shingle_hashes",
    "shingles",
    "sign_text",
    "signature",
    "similarity",
    "tokenize",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
