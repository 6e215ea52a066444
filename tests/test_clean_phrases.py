"""The phrase files in clean/phrases/: every rule is valid, and every file's examples hold.

Parametrized over :func:`clean.rules.phrase_languages`, so a new file is tested without
editing this module.
"""

from __future__ import annotations

import pytest

from clean import CleanOptions, clean_text
from clean.rules import RuleSet, compile_rules, phrase_file, phrase_languages, phrase_rules
from clean.tokens import tokenize

LANGUAGES = phrase_languages()
MIN_REMOVED = 10
MIN_KEPT = 8
# Languages written without spaces: a keyword is a whole word, and a word of their text is
# one character, so their rules go without keywords (anchored whole-line patterns instead).
SPACELESS = frozenset({"zh", "ja"})


def known_ids() -> set[str]:
    """The ids a phrase file may use: the English file's and the structure rules' (the
    rules in force on text of no known language), so that ``--explain`` and ``disable``
    read the same in every language."""
    return {r.id for r in phrase_rules("en")} | {r.id for r in compile_rules(RuleSet(), "").rules}


def examples(code: str) -> tuple[list[str], list[str]]:
    table = phrase_file(code).get("examples", {})
    return list(table.get("removed", [])), list(table.get("kept", []))


def document(removed: list[str], kept: list[str]) -> str:
    """Two kept sentences, then a removed line, two kept sentences, and so on, as
    paragraphs: each removed line sits between sentences of the language, and a section
    header is followed by two sentences in a row (where the story resumes)."""
    parts = [kept[0], kept[1]]
    k = 2
    for line in removed:
        parts += [line, kept[k % len(kept)], kept[(k + 1) % len(kept)]]
        k += 2
    parts += kept[k:]  # the kept sentences not used yet, if there are few removed lines
    return "\n\n".join(parts)


def test_english_has_a_phrase_file() -> None:
    assert "en" in LANGUAGES
    assert all(len(code) == 2 and code.islower() for code in LANGUAGES)


@pytest.mark.parametrize("code", LANGUAGES)
def test_phrase_file_parses_validates_and_compiles(code: str) -> None:
    data = phrase_file(code)
    assert data["language"] == code
    rules = phrase_rules(code)
    assert rules, f"clean/phrases/{code}.toml has no [[rule]] tables"
    assert all(r.language == code for r in rules)
    unknown = sorted({r.id for r in rules} - known_ids())
    assert not unknown, f"{code}.toml: rule ids {unknown} are not English or built-in ids ({sorted(known_ids())})"
    compiled = compile_rules(RuleSet(), code)
    assert {r.id for r in rules} <= {r.id for r in compiled.rules}
    assert set(data.get("examples", {})) <= {"removed", "kept"}


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "en"])
def test_phrase_rules_have_keywords_that_can_match(code: str) -> None:
    """Keywords keep a large rule set fast; a keyword that is a word must be one word as
    the tokenizer gives it (lower-cased, case-folded), or the rule never fires."""
    for rule in phrase_rules(code):
        assert rule.keywords or code in SPACELESS, f"{code}.toml: a {rule.id!r} rule has no keywords"
        words = [k for k in rule.keywords if k.isalnum() and not k.isdigit()]
        unreachable = [k for k in words if tokenize(k) != [k]]
        assert not unreachable, f"{code}.toml: {rule.id!r} keywords the tokenizer never gives: {unreachable}"


@pytest.mark.parametrize("code", LANGUAGES)
def test_phrase_file_has_enough_examples(code: str) -> None:
    removed, kept = examples(code)
    assert len(removed) >= MIN_REMOVED and len(kept) >= MIN_KEPT, (code, len(removed), len(kept))
    assert all(isinstance(x, str) and x and x.strip() == x and "\n" not in x for x in removed + kept)
    assert len(set(removed)) == len(removed) and len(set(kept)) == len(kept)
    assert not set(removed) & set(kept)


@pytest.mark.parametrize("code", LANGUAGES)
def test_examples_are_removed_and_kept(code: str) -> None:
    """Cleaned without the body search, so that only rules remove lines: every chrome
    example goes by a rule, every article sentence stays, and the language is told."""
    removed, kept = examples(code)
    result = clean_text(document(removed, kept), CleanOptions(segment=False))
    assert result.language == code
    out = set(result.text.split("\n"))
    lost = [line for line in kept if line not in out]
    assert not lost, f"{code}: article sentences removed: {[r for r in result.removed if r.text in lost]}"
    ids = {r.id for r in compile_rules(RuleSet(), code).rules}
    by_text = {r.text: r.rule for r in result.removed}
    left = [line for line in removed if line in out or by_text.get(line) not in ids]
    assert not left, f"{code}: chrome not removed by a rule: {[(x, by_text.get(x)) for x in left]}"
