from __future__ import annotations

import pytest

from plagdetect.detection.exclusions import bibliography_span, quoted_spans


def quotes_of(text: str, min_words: int = 3) -> list[str]:
    return [text[start:end] for start, end in quoted_spans(text, min_words=min_words)]


def filler(sentences: int) -> str:
    """Essay prose without quotes, years or other reference cues."""
    return " ".join(f"This is sentence number {n} of the essay about learning and teaching." for n in range(sentences))


APA_REFERENCES = """Smith, J., & Doe, A. (2019). A study of learning in classes. Journal of Education, 12(3), 45–67.
https://doi.org/10.1000/xyz123
Miller, K. et al. (2021). Feedback and revision. Learning Press.
Brown, T. (2018). Writing well. In: Proceedings of the Conference on Writing, pp. 12–19.
Garcia, M. (2020). Plagiarism in the digital age. Ethics Review, vol. 4, 101–120."""


# --- quotes ----------------------------------------------------------------------------------


def test_straight_double_quote_is_excluded_with_its_marks() -> None:
    text = 'The author wrote "learning is a lifelong process" in her book.'
    assert quotes_of(text) == ['"learning is a lifelong process"']


def test_curly_double_quote_is_excluded_with_its_marks() -> None:
    text = "The author wrote “learning is a lifelong process” in her book."
    (span,) = quoted_spans(text)
    assert text[span[0]] == "“" and text[span[1] - 1] == "”"
    assert quotes_of(text) == ["“learning is a lifelong process”"]


def test_german_and_french_quotes() -> None:
    assert quotes_of("Sie schrieb „Lernen ist ein lebenslanger Prozess“ in ihrem Buch.") == [
        "„Lernen ist ein lebenslanger Prozess“"
    ]
    assert quotes_of("Elle a écrit « apprendre est un processus continu » dans son livre.") == [
        "« apprendre est un processus continu »"
    ]
    assert quotes_of("Sie schrieb »Lernen ist ein Prozess« im Buch.") == ["»Lernen ist ein Prozess«"]


def test_two_quotes_in_one_sentence() -> None:
    text = '"We must act now," she said, "or we will regret it forever."'
    assert quotes_of(text) == ['"We must act now,"', '"or we will regret it forever."']


@pytest.mark.parametrize(
    "text",
    [
        "I don't think the students' essays were copied, and they didn't copy the teachers' notes either.",
        "I don’t think the students’ essays were copied, and they didn’t copy the teachers’ notes either.",
        "Back in the ’90s the students’ work was on paper; it’s different now, isn’t it.",
        "Back in the ‘90s the students’ work was on paper; it’s different now.",
        "In the '90s the students' essays were handwritten and the class's results weren't shared.",
        "Marx’ theory and the Joneses’ house are mentioned in the students’ final essays.",
    ],
)
def test_apostrophes_are_never_quotes(text: str) -> None:
    assert quoted_spans(text, min_words=1) == []


def test_curly_single_quotes_that_pair_up_are_quotes() -> None:
    text = "She called it ‘a complete waste of time’, and left."
    assert quotes_of(text) == ["‘a complete waste of time’"]
    text = "She called it 'a complete waste of time', and left."
    assert quotes_of(text) == ["'a complete waste of time'"]


def test_apostrophes_inside_a_single_quote_do_not_end_it() -> None:
    text = "He wrote ‘the students’ essays don’t need grading today’ and left."
    assert quotes_of(text) == ["‘the students’ essays don’t need grading today’"]


def test_short_quotes_are_not_excluded() -> None:
    text = 'This "so-called" method and the "Great Gatsby" are "terms of art" here.'
    assert quoted_spans(text, min_words=3) == [(text.index('"terms'), text.index(" here"))]
    assert len(quoted_spans(text, min_words=2)) == 3
    assert quoted_spans('A "so called" method.', min_words=3) == []


def test_unclosed_quote_is_not_excluded_and_does_not_swallow_the_rest() -> None:
    text = (
        'She began "this is an unclosed quotation that goes on and on.\n\n'
        "A new paragraph with plenty of words in it.\n\n"
        'Later we read "a properly closed quotation here" and more.'
    )
    assert quotes_of(text) == ['"a properly closed quotation here"']


def test_unclosed_quote_before_a_closed_one_in_the_same_paragraph() -> None:
    text = 'He said "hello and then left the room. Later she wrote "the very end of it" on the board.'
    assert quotes_of(text) == ['"the very end of it"']


def test_quote_across_a_line_break_but_not_a_blank_line() -> None:
    text = "The report says “students learn best\nwhen they teach others” as a rule."
    assert quotes_of(text) == ["“students learn best\nwhen they teach others”"]
    text = "The report says “students learn best\n\nwhen they teach others” as a rule."
    assert quoted_spans(text) == []
    text = 'The report says "students learn best\n  \nwhen they teach others" as a rule.'
    assert quoted_spans(text) == []


def test_markdown_block_quote() -> None:
    text = (
        "As the author puts it:\n\n"
        "> Learning is not the filling of a pail\n"
        "> but the lighting of a fire.\n\n"
        "I agree with this."
    )
    assert quotes_of(text) == ["> Learning is not the filling of a pail\n> but the lighting of a fire."]


def test_numbers_after_a_line_start_greater_than_sign_are_no_block_quote() -> None:
    text = "Participants aged\n> 65 years were excluded from the analysis\n>= 18 were included in the study."
    assert quoted_spans(text) == []


def test_nested_quotes_give_one_outer_span() -> None:
    text = "The witness said “He said ‘no way’ loudly and then walked out” to the court."
    assert quotes_of(text) == ["“He said ‘no way’ loudly and then walked out”"]
    text = "The witness said \"He said 'no way' loudly and then walked out\" to the court."
    assert quotes_of(text) == ["\"He said 'no way' loudly and then walked out\""]


def test_inner_quote_long_enough_on_its_own_still_gives_one_span() -> None:
    text = "She wrote “the book calls it ‘a triumph of modern design’ in the preface” once."
    assert quotes_of(text) == ["“the book calls it ‘a triumph of modern design’ in the preface”"]


def test_unclosed_inner_quote_is_closed_with_the_outer_one() -> None:
    text = "She wrote “the book calls it ‘a triumph of modern design in the preface” once."
    assert quotes_of(text) == ["“the book calls it ‘a triumph of modern design in the preface”"]


def test_no_quotes() -> None:
    assert quoted_spans("") == []
    assert quoted_spans(filler(5)) == []


# --- bibliography ----------------------------------------------------------------------------


def test_references_heading_near_the_end() -> None:
    text = "Introduction\n\n" + filler(20) + "\n\nReferences\n\n" + APA_REFERENCES + "\n"
    span = bibliography_span(text)
    assert span == (text.index("References"), len(text))


@pytest.mark.parametrize(
    "heading", ["7. REFERENCES", "## Bibliography", "References:", "Works Cited", "**Literaturverzeichnis**"]
)
def test_heading_variants(heading: str) -> None:
    text = filler(20) + "\n\n" + heading + "\n" + APA_REFERENCES
    assert bibliography_span(text) == (text.index(heading), len(text))


def test_heading_must_be_alone_on_its_line() -> None:
    text = filler(20) + "\nReferences are listed below in APA style.\n" + APA_REFERENCES
    assert bibliography_span(text) is None


def test_appendix_after_the_references_ends_the_span() -> None:
    text = filler(20) + "\n\nReferences\n" + APA_REFERENCES + "\n\nAppendix A: Survey questions\n\n" + filler(3)
    start, end = bibliography_span(text)
    assert start == text.index("References")
    assert end == text.index("Appendix A")
    assert text[start:end].rstrip().endswith("101–120.")


@pytest.mark.parametrize("appendix", ["Appendix", "APPENDIX B", "## Appendix 2", "Anhang", "Annexe 1 – Questionnaire"])
def test_appendix_heading_variants(appendix: str) -> None:
    text = filler(20) + "\n\nReferences\n" + APA_REFERENCES + "\n\n" + appendix + "\n" + filler(3)
    assert bibliography_span(text) == (text.index("References"), text.index(appendix))


def test_a_sentence_starting_with_appendix_does_not_end_the_span() -> None:
    text = filler(20) + "\n\nReferences\n" + APA_REFERENCES + "\nAppendix shows the survey questions we used.\n"
    assert bibliography_span(text) == (text.index("References"), len(text))


def test_table_of_contents_entry_is_not_taken() -> None:
    contents = "Contents\n1. Introduction\n2. Method\n3. Results\n4. References\n\n"
    text = contents + "1. Introduction\n" + filler(15) + "\n\n4. References\n" + APA_REFERENCES
    assert bibliography_span(text) == (text.rindex("4. References"), len(text))


def test_mid_essay_sources_heading_followed_by_prose_is_no_bibliography() -> None:
    text = filler(10) + "\n\nSources\n\n" + filler(10)
    assert bibliography_span(text) is None


def test_late_heading_followed_by_prose_is_no_bibliography() -> None:
    text = filler(12) + "\n\nSources\n\n" + filler(4)
    assert bibliography_span(text) is None


def test_late_heading_followed_by_prose_with_years_is_no_bibliography() -> None:
    """Paragraphs extracted as one long line each, some mentioning a year."""
    history = "In 1998 the school changed its rules, and by 2004 most teachers had adopted them. " * 8
    text = filler(12) + "\n\nSources\n" + history + "\n" + filler(8) + "\n" + history + "\n"
    assert bibliography_span(text) is None
    lines = [
        "In 1998 the school changed its rules and most",
        "teachers agreed with the new policy on essays",
        "because it made grading fairer for everyone",
        "and the students themselves were asked what",
        "they thought of the changes before they began.",
    ]
    wrapped = "\n".join(lines * 4)  # a year in one line of five
    assert bibliography_span(filler(12) + "\n\nSources\n" + wrapped) is None


def test_early_heading_followed_by_references_is_taken() -> None:
    """A short paper with a long reference list: the heading lies in the first half."""
    text = filler(2) + "\n\nReferences\n" + "\n".join([APA_REFERENCES] * 4)
    assert bibliography_span(text) == (text.index("References"), len(text))


def test_wrapped_reference_entries_count_as_references() -> None:
    entries = (
        "Smith, J., & Doe, A. (2019). A study of learning in large\n"
        "classes and what teachers can do about the\n"
        "problem. Journal of Education, 12(3), 45–67.\n"
    ) * 3
    text = filler(20) + "\n\nBibliography\n" + entries
    assert bibliography_span(text) == (text.index("Bibliography"), len(text))


def test_no_heading() -> None:
    assert bibliography_span("") is None
    assert bibliography_span(filler(20) + "\n" + APA_REFERENCES) is None
