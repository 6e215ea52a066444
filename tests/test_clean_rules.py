"""Rule families on realistic snippets (what they remove and what they must leave), and
rules as data: TOML loading, disabling, validation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from clean import CleanOptions, Rule, RuleSet, builtin_rules, clean_text, load_rules
from clean.errors import RulesError
from clean.rules import CONTAINS, LINE, compile_rules

PARA_1 = (
    "The city council voted on Tuesday to expand the bus network, adding three routes that will"
    " connect the northern suburbs with the hospital district by the end of next year."
)
PARA_2 = (
    "Officials said the plan would cost about 40 million euros and that most of the money would"
    " come from a regional transport fund set up after the floods of 2021."
)


def removed_rule(line: str, options: CleanOptions = CleanOptions()) -> str | None:
    """The rule that removes ``line`` when it sits between two article paragraphs."""
    result = clean_text(f"{PARA_1}\n\n{line}\n\n{PARA_2}", options)
    assert PARA_1 in result.text and PARA_2 in result.text
    rules = {r.rule for r in result.removed if r.first_line == 3}
    trims = [r for r in result.removed if r.first_line == 3 and r.text != line]
    if trims:
        return None
    return rules.pop() if rules else None


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        # comment widgets, reply forms, captcha
        ("LEAVE A REPLY", "comment-form"),
        ("Please enter your comment!", "comment-form"),
        ("The reCAPTCHA verification period has expired. Please reload the page.", "comment-form"),
        ("Your email address will not be published. Required fields are marked *", "comment-form"),
        ("12 Comments", "comment-form"),
        # navigation, menus, breadcrumbs
        ("Skip to content", "nav"),
        ("Edit post", "nav"),
        ("Home > World > Europe", "nav"),
        ("Tags: Ukraine, Russia, War", "nav"),
        # share / follow / subscribe / membership, reading time, audio notices, counters
        ("Share this article", "share-prompt"),
        ("Facebook Twitter LinkedIn Email", "share-prompt"),
        ("For more news and in-depth stories from Ukraine please follow us on X.", "share-prompt"),
        ("Sign up for our daily newsletter", "share-prompt"),
        ("› Subscribe", "share-prompt"),
        ("Become a member", "share-prompt"),
        ("2 min read", "read-time"),
        ("This audio is created with AI assistance", "audio-notice"),
        ("1.2K shares", "counter"),
        ("3 comments", "comment-form"),
        # cookie banners
        (
            "We use cookies to improve your experience. By continuing to use this site you accept our cookie policy.",
            "cookie-banner",
        ),
        ("Accept all cookies", "cookie-banner"),
        # image credits
        ("Images source: © Getty Images | 2024 Anadolu", "image-credit"),
        ("Picture: Alamy", "image-credit"),
        ("© Getty Images", "image-credit"),
        ("Photo: Damian Dovarganes, AP", "image-credit"),
        # copyright and legal
        ("© 2024 Example Media Ltd", "copyright"),
        ("All rights reserved.", "copyright"),
        (
            "Downloading, reproduction, storage, or any other use of content available on this website requires"
            " prior and explicit consent from the owner of this website.",
            "legal",
        ),
        ("If you buy something through our links, we may earn a commission.", "legal"),
        # related-stories headers, ads, datelines, bylines
        ("Most popular", "related-list"),
        ("Editors' Picks", "related-list"),
        ("More Articles", "related-list"),
        ("Related: Ten ways the new bus routes will change your commute", "related-list"),
        ("Advertisement", "advert"),
        ("November 4, 2024 8:36 AM", "dateline"),
        ("6 November 2024, 17:35", "dateline"),
        ("By Christian Oliver", "byline"),
    ],
)
def test_boilerplate_lines_are_removed_by_their_rule(line: str, rule: str) -> None:
    assert removed_rule(line) == rule


@pytest.mark.parametrize(
    "line",
    [
        # article sentences that mention boilerplate words
        "The company said it would share the data with regulators before the end of the month.",
        "Residents who subscribe to the local paper learned about the plan from a front-page story.",
        "She baked cookies for the volunteers who had cleared the road after the storm.",
        "Copyright lawyers argued that the reproduction of the photographs required the owner's permission"
        " and that the museum had never asked for it, a claim the museum denied in court on Monday.",
        "Most popular among commuters was the night bus, which ran every twenty minutes.",
        "The mayor did not reply to a request for comment.",
        # short subheadings and quotes inside the story
        "Ukrainian president on North Korean soldiers",
        "“We will not stop,” she said.",
    ],
)
def test_article_lines_survive(line: str) -> None:
    result = clean_text(f"{PARA_1}\n\n{line}\n\n{PARA_2}")
    assert line in result.text.split("\n"), result.removed


def test_english_phrases_in_running_text_fire_only_on_english_text() -> None:
    # An untranslated widget line ("Reply") is chrome on a German page too; an English
    # phrase inside a longer line is left alone there (it is likely a quotation).
    text = (
        "Die Stadt hat am Dienstag beschlossen, das Busnetz zu erweitern und drei neue Linien einzurichten.\n"
        "Reply\n"
        "Der Sprecher zitierte den Slogan: please enter your comment and be nice.\n"
        "Die Kosten werden auf rund 40 Millionen Euro geschätzt, die zum größten Teil aus einem Fonds kommen."
    )
    result = clean_text(text, CleanOptions(segment=False))
    assert result.language == "de"
    assert [(r.rule, r.text) for r in result.removed] == [("comment-form", "Reply")]
    english = clean_text("Please enter your comment and be nice.\n" + PARA_1, CleanOptions(segment=False))
    assert [r.rule for r in english.removed] == ["comment-form"]


def test_trims_keep_the_content_of_the_line() -> None:
    result = clean_text(f" date 2024-11-06 {PARA_1}\n\n{PARA_2}")
    assert result.text.startswith(PARA_1)
    assert [(r.rule, r.text.strip()) for r in result.removed] == [("trim-residue", "date 2024-11-06")]


def test_fused_section_label_is_trimmed_from_the_title() -> None:
    title = "NewsNorth Korean troops face deadly skirmish in Kursk with Ukraine"
    result = clean_text(f"{title}\n\n{PARA_1}\n\n{PARA_2}")
    assert result.text.split("\n")[0] == title[len("News") :]
    assert ("trim-residue", "News") in [(r.rule, r.text) for r in result.removed]


# -- rules as data ----------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_rules_add_patterns_and_disable_builtins(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'disable = ["nav"]\n'
        "[[rule]]\n"
        'id = "sponsor"\n'
        'pattern = "sponsored by acme.*"\n'
        "[[rule]]\n"
        'id = "promo"\n'
        'pattern = "use code \\\\w+"\n'
        'match = "contains"\n'
        "max_words = 30\n",
    )
    rules = load_rules(path)
    assert [r.id for r in rules.extra] == ["sponsor", "promo"]
    options = CleanOptions(rules=rules)
    assert removed_rule("Sponsored by ACME Corp", options) == "sponsor"
    assert removed_rule("Save 20% today: use code SPRING at checkout", options) == "promo"
    assert removed_rule("Skip to content", options) is None
    assert removed_rule("Skip to content") == "nav"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("disable = [", "not a valid TOML file"),
        ('disable = ["no-such-rule"]', "cannot disable unknown rule id(s) no-such-rule"),
        ('disable = "nav"', "'disable' must be a list of rule ids"),
        ('[[rule]]\nid = "x"\n', "expected keys id, pattern"),
        ('[[rule]]\nid = "Bad Id"\npattern = "x"\n', "expected lower-case letters"),
        ('[[rule]]\nid = "x"\npattern = "("\n', "bad regular expression"),
        ('[[rule]]\nid = "x"\npattern = "y"\nmatch = "everywhere"\n', "match must be one of"),
        ('colour = "red"', "unknown key(s) colour"),
    ],
)
def test_bad_rules_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RulesError) as info:
        load_rules(write(tmp_path, text))
    assert message in str(info.value)
    assert str(tmp_path) in str(info.value)


def test_missing_rules_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read rules file"):
        load_rules(tmp_path / "absent.toml")


def test_builtin_rules_are_valid_and_compile_for_any_language() -> None:
    ids = {r.id for r in builtin_rules()}
    assert {"comment-form", "nav", "share-prompt", "image-credit", "legal", "related-list"} <= ids
    for rule in builtin_rules():
        # built-ins skip validation at import; they must pass it all the same
        assert Rule(**dataclasses.asdict(rule)) == rule
    for language in ("en", "", "xx"):
        compiled = compile_rules(RuleSet(), language)
        assert compiled.kind(LINE) and compiled.kind(CONTAINS)
    english = {(r.id, r.kind) for r in compile_rules(RuleSet(), "en").rules}
    other = {(r.id, r.kind) for r in compile_rules(RuleSet(), "").rules}
    # English phrases in running text fire on English only; whole-line ones everywhere
    assert ("comment-form", CONTAINS) in english - other and ("comment-form", LINE) in english & other


def test_rule_validation() -> None:
    with pytest.raises(RulesError):
        Rule("x", "y", max_words=0)
    assert Rule("x", "y", keywords=("Foo",)).keywords == ("foo",)


def test_doctests() -> None:
    import doctest

    import clean.rules

    assert doctest.testmod(clean.rules).failed == 0
