"""Language identification and stop words (clean.language), and the language a document is cleaned as."""

import doctest

import pytest

import clean.language as language
from clean import CleanOptions, clean_text
from clean.language import detect, english_share


def test_doctests() -> None:
    assert doctest.testmod(language).failed == 0


@pytest.mark.parametrize(
    ("code", "sentence"),
    [
        ("en", "The minister said on Tuesday that the talks would resume next week in Geneva."),
        ("it", "Il ministro ha detto martedì che i colloqui riprenderanno la prossima settimana a Ginevra."),
        ("pl", "Minister powiedział we wtorek, że rozmowy zostaną wznowione w przyszłym tygodniu w Genewie."),
        ("de", "Der Minister sagte am Dienstag, dass die Gespräche in der nächsten Woche in Genf weitergehen."),
        ("uk", "Міністр заявив у вівторок, що переговори відновляться наступного тижня в Женеві."),
        ("zh", "部长周二表示，谈判将于下周在日内瓦恢复，双方都希望尽快达成协议。"),
    ],
)
def test_detect_names_the_language_of_a_sentence(code: str, sentence: str) -> None:
    assert detect(sentence) == code


def test_too_little_text_has_no_language() -> None:
    assert detect("") == "" and detect("Menu") == "" and detect("Home | News") == ""


def test_english_share_is_the_fast_path_for_english() -> None:
    assert english_share("the talks would resume next week".split()) > 0.2
    assert english_share("die gespräche werden nächste woche fortgesetzt".split()) == 0.0
    assert english_share([]) == 0.0


def test_a_document_is_cleaned_as_the_language_of_the_text_it_keeps() -> None:
    article = (
        "Die Stadt hat am Dienstag beschlossen, das Busnetz zu erweitern und drei neue Linien einzurichten.\n\n"
        "Die Kosten werden auf rund 40 Millionen Euro geschätzt, die zum größten Teil aus einem Fonds kommen.\n\n"
    )
    chrome = "Home\nNews\nSign in\nSubscribe to our newsletter\nShare this article\n\n"
    result = clean_text(chrome + article)
    assert result.language == "de"
    assert clean_text(result.text).language == "de"
    assert clean_text(article, CleanOptions(language="fr")).language == "fr"
