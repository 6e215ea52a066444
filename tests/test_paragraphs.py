from dedup.paragraphs import Span, split_paragraphs


def _texts(text):
    lines = text.split("\n")
    return [" ".join(lines[s.first : s.last + 1]) for s in split_paragraphs(lines)]


def test_blank_line_blocks_of_long_lines():
    text = "A first paragraph that is long enough.\n\nA second one, also long enough to count."
    assert _texts(text) == ["A first paragraph that is long enough.", "A second one, also long enough to count."]


def test_one_paragraph_per_line_without_blank_lines(corpus_dir):
    lines = (corpus_dir / "001_ff58ae107db7a909.txt").read_text(encoding="utf-8").split("\n")
    spans = split_paragraphs(lines)
    assert len(spans) == len([line for line in lines if line.strip()])
    assert all(s.first == s.last for s in spans)


def test_hard_wrapped_prose_is_one_paragraph():
    text = (
        "It was the best of times, it was the worst of times, it was the\n"
        "age of wisdom, it was the age of foolishness, it was the epoch of\n"
        "belief, it was the epoch of incredulity.\n"
        "\n"
        "There were a king with a large jaw and a queen with a plain face,\n"
        "on the throne of England."
    )
    assert split_paragraphs(text.split("\n")) == [Span(0, 2), Span(4, 5)]


def test_headline_and_caption_lines_stay_apart():
    caption = "Ukrainian soldiers clashed with soldiers from North Korea."
    text = f"{caption}\n{caption}\nImages source: Getty Images"
    assert len(split_paragraphs(text.split("\n"))) == 3


def test_list_items_start_paragraphs_inside_wrapped_text():
    text = (
        "The minister listed three reasons for the change of plans in\n"
        "his statement to the press on Monday morning, namely these:\n"
        "- the weather over the mountains had turned for the worse,\n"
        "- the supply lines were stretched far beyond their limits"
    )
    spans = split_paragraphs(text.split("\n"))
    assert spans[0] == Span(0, 1) and len(spans) == 3


def test_white_space_only_lines_separate_blocks():
    assert split_paragraphs(["one line here", "   ", "\t", "another line"]) == [Span(0, 0), Span(3, 3)]
