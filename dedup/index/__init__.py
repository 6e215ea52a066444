"""A persistent near-duplicate index: check each new batch against everything stored before.

An :class:`Index` is one SQLite file. ``add`` cleans and signs documents with the engine
of ``scan`` and stores what verification and the report need; ``query`` finds, for new
documents, the stored documents and paragraphs they near-duplicate, verified on exact
shingle sets as a scan does, and never re-reads an old text::

    with Index("news.idx") as index:          # created with ScanOptions() if absent
        index.add(iter_documents(["archive/"]))
        result = index.query(iter_documents(["today/"]))
    print(render_text(result))

A new document (paragraph) is dropped for the first stored one, in keep order, that it
matches directly, and reported with its similarity to it, as a scan decides.

Modules, by what they do:

- :mod:`~dedup.index.index`: the :class:`Index` (opening, transactions, add, query,
  remove, stats) and :class:`IndexMatches` (what ``dedup run --index`` uses);
- :mod:`~dedup.index.meta`: the file's identity, options, signing and Unicode checks;
- :mod:`~dedup.index.storage`: the tables, document rows and how batches are stored;
- :mod:`~dedup.index.runs`: band keys in sorted runs (a small LSM tree);
- :mod:`~dedup.index.matcher`: new batches against the stored items;
- :mod:`~dedup.index.result`: a query's report, in :mod:`dedup.scan`'s classes;
- :mod:`~dedup.index.chrome`: site chrome remembered across adds.
"""

from ..errors import IndexFileError, IndexOptionsError
from .index import AddResult, Index, IndexMatches
from .meta import STORED_OPTIONS

__all__ = ["STORED_OPTIONS", "AddResult", "Index", "IndexFileError", "IndexMatches", "IndexOptionsError"]
