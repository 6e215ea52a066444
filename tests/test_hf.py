"""dedup.hf: a Hugging Face Dataset in, the same dataset filtered or marked out."""

import pytest

from dedup import ScanOptions
from dedup.errors import OptionsError
from dedup.run import RunOptions

datasets = pytest.importorskip("datasets", reason="datasets is not installed (pip install -e '.[test]')")
from test_keep import _article  # noqa: E402

from dedup.hf import deduplicate  # noqa: E402

OPTIONS = RunOptions(scan=ScanOptions(clean=False, jobs=1))


def _dataset():
    text = _article(21)
    return datasets.Dataset.from_dict(
        {
            "url": ["https://a.org/1", "https://a.org/2", "https://a.org/3", "https://a.org/4", "https://a.org/5"],
            "text": [text, _article(22), text + " A line added.", None, _article(23)],
            "score": [1, 2, 3, 4, 5],
        }
    )


def test_deduplicate_filters_in_the_dataset_order_and_reports_every_row() -> None:
    data = _dataset()
    out, report = deduplicate(data, text_column="text", options=OPTIONS)
    assert out.column_names == ["url", "text", "score"]
    assert out["url"] == ["https://a.org/1", "https://a.org/2", "https://a.org/5"]
    assert out["score"] == [1, 2, 5]
    statuses = [r["status"] for r in report.rows]
    assert statuses == ["kept", "kept", "duplicate", "failed", "kept"]
    assert report.rows[2]["duplicate_of"] == "0"
    assert "null" in report.failed[0]["error"] and report.failed[0]["line"] == 4
    assert report.summary.kept == 3 and report.summary.failed == 1


def test_deduplicate_marks_every_row_with_mark_only() -> None:
    data = _dataset()
    out, report = deduplicate(data, text_column="text", options=OPTIONS, id_column="url", mark_only=True)
    assert len(out) == len(data)
    assert out["dedup_status"] == ["kept", "kept", "duplicate", "failed", "kept"]
    assert out["dedup_duplicate_of"][2] == "https://a.org/1"
    assert out["dedup_cluster"][:3] == ["https://a.org/1", None, "https://a.org/1"]
    assert 0.5 < out["dedup_similarity"][2] < 1.0
    assert out["text"][3] is None  # a failed row keeps what it had


def test_deduplicate_names_a_missing_column() -> None:
    with pytest.raises(OptionsError, match="no column 'body'"):
        deduplicate(_dataset(), text_column="body")
