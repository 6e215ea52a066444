"""Options from dedup.toml / pyproject.toml: the same type checks as the flags."""

import json

from click.testing import CliRunner

from dedup.cli import main
from dedup.config import find_config, load_config


def _corpus(tmp_path, config: str):
    folder = tmp_path / "in"
    folder.mkdir()
    words = " ".join(f"word{k}" for k in range(60))
    (folder / "a.txt").write_text(words + "\n", encoding="utf-8")
    (folder / "b.txt").write_text(words + " extra\n", encoding="utf-8")
    (folder / "dedup.toml").write_text(config, encoding="utf-8")
    return folder


def _scan(folder):
    return CliRunner().invoke(main, ["scan", str(folder), "--format", "json", "-j", "1", "-q"])


def test_a_number_written_as_a_string_is_read_as_the_flag_would_read_it(tmp_path):
    result = _scan(_corpus(tmp_path, 'threshold = "0.9"\n'))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["options"]["threshold"] == 0.9


def test_a_bad_value_is_a_usage_error_naming_the_file_and_option(tmp_path):
    folder = _corpus(tmp_path, 'threshold = "high"\n')
    result = _scan(folder)
    assert result.exit_code == 2
    assert str(folder / "dedup.toml") in result.output and "threshold" in result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


def test_a_choice_from_the_file_is_checked_like_the_flag(tmp_path):
    result = _scan(_corpus(tmp_path, 'keep = "random"\n'))
    assert result.exit_code == 2 and "keep" in result.output


def test_paragraph_dedup_false_as_a_string_is_false(tmp_path):
    folder = _corpus(tmp_path, 'paragraph_dedup = "false"\n')
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(folder), "-o", str(out), "-j", "1", "-q"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "summary.json").read_text())["options"]["paragraph_dedup"] is False


def test_flags_win_over_the_file(tmp_path):
    folder = _corpus(tmp_path, "threshold = 0.9\n")
    result = CliRunner().invoke(main, ["scan", str(folder), "--threshold", "0.7", "--format", "json", "-j", "1"])
    assert json.loads(result.stdout)["options"]["threshold"] == 0.7


def test_load_config_says_where_each_value_came_from(tmp_path):
    folder = _corpus(tmp_path, "ngram = 4\n")
    (setting,) = load_config(find_config([str(folder)], cwd=tmp_path), {"ngram"}).values()
    assert setting.value == 4 and setting.path == folder / "dedup.toml"
