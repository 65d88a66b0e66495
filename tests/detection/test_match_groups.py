"""Match groups on hand-made examples: quoted or not, cited or not, in the styles and languages people write."""

from __future__ import annotations

import pytest

from plagdetect.detection.match_groups import citations, match_groups
from plagdetect.detection.report import (
    CITED_AND_QUOTED,
    MISSING_CITATION,
    MISSING_QUOTATION_MARKS,
    NOT_CITED_OR_QUOTED,
)

PASSAGE = "the press used movable metal type cast in an alloy of lead and tin"


def group_of(text: str, kind: str = "verbatim") -> str:
    start = text.index(PASSAGE)
    return match_groups(text, [((start, start + len(PASSAGE)), kind)])[0]


@pytest.mark.parametrize(
    ("text", "group"),
    [
        (f"In the fifteenth century {PASSAGE}, which changed Europe.", NOT_CITED_OR_QUOTED),
        (f"In the fifteenth century {PASSAGE} (Eisenstein, 1979).", MISSING_QUOTATION_MARKS),
        (f'Eisenstein wrote that "{PASSAGE}", which changed Europe.', MISSING_CITATION),
        (f'Eisenstein (1979) wrote that "{PASSAGE}".', CITED_AND_QUOTED),
        (f"«{PASSAGE}» (Eisenstein 45).", CITED_AND_QUOTED),  # French marks, MLA
        (f"Man schrieb: „{PASSAGE}“ [12].", CITED_AND_QUOTED),  # German marks, numeric
        (f"“{PASSAGE}.”3 The next sentence.", CITED_AND_QUOTED),  # a footnote marker, folded from a superscript
        (f"Some said “{PASSAGE}” and left it there.", MISSING_CITATION),
    ],
)
def test_each_group_on_a_hand_made_example(text: str, group: str) -> None:
    assert group_of(text) == group


def test_a_paraphrase_that_cites_its_source_needs_no_quotation_marks() -> None:
    text = f"In the fifteenth century {PASSAGE} (Eisenstein, 1979, pp. 12-14)."
    assert group_of(text, "paraphrase") == CITED_AND_QUOTED
    assert group_of(text, "verbatim") == MISSING_QUOTATION_MARKS


def test_a_citation_counts_only_near_the_match_in_its_own_paragraph() -> None:
    far = f"In the fifteenth century {PASSAGE}. " + "Other words follow here. " * 12 + "(Eisenstein, 1979)"
    assert group_of(far) == NOT_CITED_OR_QUOTED
    other_paragraph = f"In the fifteenth century {PASSAGE}.\n\n(Eisenstein, 1979) is a book."
    assert group_of(other_paragraph) == NOT_CITED_OR_QUOTED


@pytest.mark.parametrize(
    "cited",
    ["(Smith, 2020)", "(Smith & Lee, 2020, p. 4)", "Smith et al. (2020)", "(see Smith, 2020; Lee, 2019)",
     "(Brown, n.d.)", "(Smith 45)", "(Smith and Lee 12-14)", "[12]", "[3, 5-7]", "decades.12 ", "^4",
     "(Ünal, 2020)", "(van der Berg, 2020)", "(de Souza 2019)", "(Lee, 2019a, 2019b)", "(Smith, 2020, para. 4)"],
)  # fmt: skip
def test_the_common_citation_styles_are_found(cited: str) -> None:
    assert citations(f"Text before {cited} and after.")


@pytest.mark.parametrize(
    "plain",
    ["In 1440, the press", "version 2.0 of it", "an mp3 file", "COVID-19 spread", "page 12 of 30", "(Figure 3)",
     "(Table 2)", "as shown (Chapter 12)", "in May (1945)", "Python3 code", "covid19 spread", "see p.45 here"],
)  # fmt: skip
def test_numbers_in_running_text_are_not_citations(plain: str) -> None:
    assert citations(plain) == []
