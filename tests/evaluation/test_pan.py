"""PAN corpus reading, PAN XML and the PAN measures, on hand-made data with answers worked out by hand."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pytest

from plagdetect.errors import PlagDetectError
from plagdetect.evaluation.pan import Case, DocumentSpan, load_pan_corpus, read_cases, read_detections, write_detections
from plagdetect.evaluation.plagdet import PanScores, evaluate, evaluate_by_obfuscation, submission_side

SUSP, SRC = "suspicious-document000001.txt", "source-document000001.txt"


def case(
    susp_offset: int,
    susp_length: int,
    src_offset: int,
    src_length: int,
    obfuscation: str = "none",
    susp: str = SUSP,
    src: str = SRC,
) -> Case:
    return Case(DocumentSpan(susp, susp_offset, susp_length), DocumentSpan(src, src_offset, src_length), obfuscation)


def close(a: float, b: float) -> bool:
    return abs(a - b) < 1e-9


# --------------------------------------------------------------------------------------------------------------------
# Measures


def test_an_exact_detection_scores_one() -> None:
    truth = case(10, 100, 200, 80)
    scores = evaluate([truth], [truth])
    assert (scores.precision, scores.recall, scores.granularity, scores.plagdet) == (1, 1, 1, 1)
    assert (scores.micro_precision, scores.micro_recall, scores.micro_plagdet) == (1, 1, 1)
    assert (scores.cases, scores.detections, scores.detected_cases) == (1, 1, 1)


def test_a_detection_of_half_a_case() -> None:
    scores = evaluate([case(0, 100, 0, 100)], [case(0, 50, 0, 50)])
    assert close(scores.recall, 0.5) and close(scores.precision, 1) and close(scores.granularity, 1)
    assert close(scores.plagdet, 2 / 3)
    assert close(scores.micro_recall, 0.5) and close(scores.micro_precision, 1)


def test_one_case_split_into_two_detections() -> None:
    scores = evaluate([case(0, 100, 0, 100)], [case(0, 50, 0, 50), case(50, 50, 50, 50)])
    assert close(scores.recall, 1) and close(scores.precision, 1) and close(scores.granularity, 2)
    assert close(scores.plagdet, 1 / math.log2(3))
    assert scores.detected_cases == 1


def test_overlapping_detections_count_a_character_once() -> None:
    # Detections [0, 60) and [40, 100) on both sides cover the case once: recall 1, each detection precision 1.
    scores = evaluate([case(0, 100, 0, 100)], [case(0, 60, 0, 60), case(40, 60, 40, 60)])
    assert close(scores.recall, 1) and close(scores.precision, 1) and close(scores.micro_recall, 1)


def test_a_detection_naming_the_wrong_source_detects_nothing() -> None:
    scores = evaluate([case(0, 100, 0, 100)], [case(0, 100, 0, 100, src="source-document000002.txt")])
    assert (scores.precision, scores.recall, scores.plagdet, scores.granularity) == (0, 0, 0, 1)
    assert scores.detected_cases == 0


def test_a_detection_overlapping_only_on_the_suspicious_side_detects_nothing() -> None:
    scores = evaluate([case(0, 100, 0, 100)], [case(0, 100, 500, 100)])
    assert (scores.precision, scores.recall, scores.plagdet) == (0, 0, 0)


def test_the_submission_side_ignores_where_in_the_source_a_detection_points() -> None:
    truth = case(0, 100, 0, 100)
    other_copy = case(0, 100, 500, 100)  # the source repeats the passage at 500
    assert evaluate([truth], [other_copy]).plagdet == 0
    side = submission_side([truth], [other_copy])
    assert (side.precision, side.recall, side.f1) == (1, 1, 1)
    wrong_source = case(0, 100, 0, 100, src="source-document000002.txt")
    assert submission_side([truth], [wrong_source]).f1 == 0
    half_twice = submission_side([truth], [case(0, 50, 0, 50), case(25, 25, 600, 25), case(150, 50, 0, 50)])
    assert close(half_twice.recall, 0.5) and close(half_twice.precision, 50 / 100)  # [0, 50) once, [150, 200) wrong
    assert submission_side([], []).f1 == 1 and submission_side([truth], []).f1 == 0


def test_a_detection_in_another_suspicious_document_detects_nothing() -> None:
    scores = evaluate([case(0, 100, 0, 100)], [case(0, 100, 0, 100, susp="suspicious-document000002.txt")])
    assert (scores.precision, scores.recall, scores.plagdet, scores.micro_recall) == (0, 0, 0, 0)


def test_documents_match_with_or_without_txt() -> None:
    scores = evaluate([case(0, 100, 0, 100)], [case(0, 100, 0, 100, susp=SUSP[:-4], src=SRC[:-4])])
    assert scores.plagdet == 1


def test_micro_and_macro_differ_when_cases_differ_in_length() -> None:
    # Case A: 100 + 100 characters, detected fully by an exact detection.
    # Case B: 900 + 900 characters, detected on its last 90 + 90 by a detection of 180 + 180 characters
    # (90 + 90 inside B, 90 + 90 past B's end, in text no case covers).
    #   macro recall    = (1 + 180/1800) / 2 = 0.55
    #   macro precision = (1 + 180/360) / 2  = 0.75
    #   micro recall    = (200 + 180) / (200 + 1800) = 0.19
    #   micro precision = (200 + 180) / (200 + 360)  = 380/560
    a, b = case(0, 100, 0, 100), case(1000, 900, 1000, 900)
    scores = evaluate([a, b], [a, case(1810, 180, 1810, 180)])
    assert close(scores.recall, 0.55) and close(scores.precision, 0.75)
    assert close(scores.micro_recall, 0.19) and close(scores.micro_precision, 380 / 560)
    assert close(scores.plagdet, 2 * 0.55 * 0.75 / 1.3)
    assert close(scores.micro_plagdet, 2 * 0.19 * (380 / 560) / (0.19 + 380 / 560))


def test_a_detection_spanning_two_cases() -> None:
    # Cases [0, 100) and [100, 200) on both sides, one detection [0, 200): each case fully recalled, the detection
    # fully precise, granularity 1 (one detection per detected case).
    scores = evaluate([case(0, 100, 0, 100), case(100, 100, 100, 100)], [case(0, 200, 0, 200)])
    assert (scores.precision, scores.recall, scores.granularity, scores.detected_cases) == (1, 1, 1, 2)


def test_no_detections() -> None:
    scores = evaluate([case(0, 100, 0, 100)], [])
    assert (scores.precision, scores.recall, scores.plagdet, scores.granularity) == (0, 0, 0, 1)
    assert (scores.micro_precision, scores.micro_recall, scores.micro_plagdet) == (0, 0, 0)


def test_no_cases() -> None:
    # As in the official perfmeasures.py: nothing to find and nothing found is perfect, a false alarm scores 0.
    assert evaluate([], []).plagdet == 1
    scores = evaluate([], [case(0, 100, 0, 100)])
    assert (scores.precision, scores.recall, scores.plagdet, scores.granularity) == (0, 0, 0, 1)


def test_line_format() -> None:
    scores = PanScores(
        precision=0.9,
        recall=0.123456,
        granularity=1.05,
        plagdet=2 / 3,
        micro_precision=0,
        micro_recall=0,
        micro_plagdet=0,
        cases=1,
        detections=1,
        detected_cases=1,
    )
    assert scores.line() == "plagdet=0.667 precision=0.900 recall=0.123 granularity=1.050"
    assert evaluate([case(0, 10, 0, 10)], []).line() == "plagdet=0.000 precision=0.000 recall=0.000 granularity=1.000"


def test_evaluate_by_obfuscation() -> None:
    simple = case(0, 100, 0, 100, "simple")
    hard = case(200, 100, 200, 100, "hard")
    hard_missed = case(400, 100, 400, 100, "hard")
    false_alarm = case(600, 100, 600, 100)
    scores = evaluate_by_obfuscation([simple, hard, hard_missed], [simple, case(200, 50, 200, 50), false_alarm])
    assert list(scores) == ["hard", "simple"]
    # simple: its one case found exactly; the false alarm belongs to no type and does not count here.
    assert scores["simple"].plagdet == 1 and scores["simple"].detections == 1
    # hard: two cases (one half found, one missed), one detection, fully precise.
    assert (scores["hard"].cases, scores["hard"].detections) == (2, 1)
    assert close(scores["hard"].recall, 0.25) and close(scores["hard"].precision, 1)
    # Overall the false alarm counts: precision (1 + 1 + 0) / 3.
    assert close(evaluate([simple, hard, hard_missed], [simple, case(200, 50, 200, 50), false_alarm]).precision, 2 / 3)


# --------------------------------------------------------------------------------------------------------------------
# XML


def test_detection_xml_round_trip(tmp_path: Path) -> None:
    detections = [case(5, 10, 20, 30), case(100, 7, 0, 1, src="source-dokument-é.txt")]
    path = tmp_path / "out" / "det.xml"
    write_detections(path, SUSP, detections)
    assert read_detections(path) == detections
    assert read_cases(path) == []  # a detection is not a truth case
    assert 'name="detected-plagiarism"' in path.read_text(encoding="utf-8")


def test_write_detections_refuses_another_document(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_detections(tmp_path / "det.xml", SUSP, [case(0, 1, 0, 1, susp="other.txt")])


TRUTH_XML = """<document reference="{susp}">
  <feature name="about" authors="A. Author" title="T" lang="en"/>
  <feature name="md5Hash" value="0"/>
  <feature name="plagiarism" type="llm_prompted" this_offset="{o1}" this_length="{l1}" source_reference="{src}"
     obfuscation="simple" source_offset="{s1}" source_length="{m1}"/>
  <feature name="altered" type="llm_prompted" this_offset="40" this_length="5"/>
  <feature name="plagiarism" this_offset="{o2}" this_length="{l2}" source_reference="{src}"
     source_offset="{s2}" source_length="{m2}"/>
</document>
"""


def truth_xml(susp: str = SUSP, src: str = SRC, first=(0, 10, 0, 10), second=(20, 5, 30, 5)) -> str:
    return TRUTH_XML.format(
        susp=susp,
        src=src,
        o1=first[0],
        l1=first[1],
        s1=first[2],
        m1=first[3],
        o2=second[0],
        l2=second[1],
        s2=second[2],
        m2=second[3],
    )


def test_read_cases_keeps_only_plagiarism_features(tmp_path: Path) -> None:
    path = tmp_path / "truth.xml"
    path.write_text(truth_xml(), encoding="utf-8")
    assert read_cases(path) == [case(0, 10, 0, 10, "simple"), case(20, 5, 30, 5, "none")]


@pytest.mark.parametrize(
    "text, message",
    [
        ("<document", "not well-formed"),
        ("<docs/>", "root"),
        ('<document><feature name="plagiarism"/></document>', "reference"),
        (f'<document reference="{SUSP}"><feature name="plagiarism" this_offset="1"/></document>', "source_reference"),
        (
            f'<document reference="{SUSP}"><feature name="plagiarism" this_offset="x" this_length="1" '
            f'source_reference="{SRC}" source_offset="0" source_length="1"/></document>',
            "this_offset",
        ),
    ],
)
def test_read_cases_rejects_bad_xml(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlagDetectError, match=message):
        read_cases(path)


# --------------------------------------------------------------------------------------------------------------------
# Corpus

SUSP_TEXT = "Ünïcode line one\r\nsecond line\r\nthird — and more text here"  # 57 characters
SRC_TEXT = "source\r\ntext: «quoted» words and more"


def write_corpus(root: Path, layout: str = "truth", xml: str | None = None) -> Path:
    (root / "susp").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "pairs").write_text(f"{SUSP} {SRC}\n\n", encoding="utf-8")
    for folder, name, text in (("susp", SUSP, SUSP_TEXT), ("src", SRC, SRC_TEXT)):
        (root / folder / name).write_bytes(text.encode("utf-8"))
    # Cases: "Ünïcode" <- "source", and "second line\r\nthird" <- "text:" (see the offsets test).
    xml = xml if xml is not None else truth_xml(first=(0, 7, 0, 6), second=(18, 18, 8, 5))
    xml_dir = {"truth": root / "truth", "root": root, "susp": root / "susp"}[layout]
    xml_dir.mkdir(exist_ok=True)
    (xml_dir / f"{Path(SUSP).stem}-{Path(SRC).stem}.xml").write_text(xml, encoding="utf-8")
    return root


@pytest.mark.parametrize("layout", ["truth", "root", "susp"])
def test_load_pan_corpus_finds_the_truth(tmp_path: Path, layout: str) -> None:
    corpus = load_pan_corpus(write_corpus(tmp_path / "corpus", layout))
    assert corpus.pairs == [(SUSP, SRC)]
    assert corpus.susp_documents == [SUSP] and corpus.src_documents == [SRC]
    assert corpus.cases == [case(0, 7, 0, 6, "simple"), case(18, 18, 8, 5)]
    assert corpus.skipped_cases == 0
    assert corpus.susp_text(SUSP) == SUSP_TEXT and corpus.src_text(SRC) == SRC_TEXT


def test_offsets_count_characters_of_the_raw_text(tmp_path: Path) -> None:
    corpus = load_pan_corpus(write_corpus(tmp_path / "corpus"))
    text, source = corpus.susp_text(SUSP), corpus.src_text(SRC)
    first, second = corpus.cases
    assert text[first.susp.offset : first.susp.end] == "Ünïcode"
    assert text[second.susp.offset : second.susp.end] == "second line\r\nthird"
    assert source[first.src.offset : first.src.end] == "source"
    assert source[second.src.offset : second.src.end] == "text:"


def test_one_truth_xml_per_suspicious_document(tmp_path: Path) -> None:
    # PAN-PC style: susp/<stem>.xml holds the cases of every source; only the listed pair's cases are taken.
    root = tmp_path / "corpus"
    write_corpus(root)
    (root / "truth" / f"{Path(SUSP).stem}-{Path(SRC).stem}.xml").unlink()
    xml = truth_xml(first=(0, 7, 0, 6), second=(18, 18, 8, 5)).replace(
        f'source_reference="{SRC}"\n     source_offset',
        'source_reference="source-document000009.txt"\n     source_offset',
    )
    (root / "susp" / f"{Path(SUSP).stem}.xml").write_text(xml, encoding="utf-8")
    corpus = load_pan_corpus(root)
    assert corpus.cases == [case(0, 7, 0, 6, "simple")] and corpus.skipped_cases == 0


def test_a_case_past_the_end_of_its_text_is_skipped_and_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    xml = truth_xml(first=(0, 7, 0, 6), second=(50, 8, 8, 5))  # ends at 58; the suspicious text has 57 characters
    with caplog.at_level(logging.WARNING, logger="plagdetect.evaluation.pan"):
        corpus = load_pan_corpus(write_corpus(tmp_path / "corpus", xml=xml))
    assert corpus.cases == [case(0, 7, 0, 6, "simple")]
    assert corpus.skipped_cases == 1
    assert "past the end" in caplog.text
    assert len(SUSP_TEXT) == 57


def test_a_pair_without_truth_has_no_cases(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "corpus")
    (root / "truth" / f"{Path(SUSP).stem}-{Path(SRC).stem}.xml").unlink()
    assert load_pan_corpus(root).cases == []


@pytest.mark.parametrize("missing, message", [("pairs", "'pairs'"), ("susp", "'susp/'"), ("src", "'src/'")])
def test_an_incomplete_corpus_is_a_clear_error(tmp_path: Path, missing: str, message: str) -> None:
    import shutil

    root = write_corpus(tmp_path / "corpus")
    target = root / missing
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    with pytest.raises(PlagDetectError, match=message):
        load_pan_corpus(root)


def test_a_text_missing_from_the_corpus_is_a_clear_error(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "corpus")
    (root / "src" / SRC).unlink()
    with pytest.raises(PlagDetectError, match="do not exist"):
        load_pan_corpus(root)


def test_a_malformed_pairs_line_is_a_clear_error(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "corpus")
    (root / "pairs").write_text(f"{SUSP}\n", encoding="utf-8")
    with pytest.raises(PlagDetectError, match="line 1"):
        load_pan_corpus(root)
    (root / "pairs").write_text(f"../{SUSP} {SRC}\n", encoding="utf-8")
    with pytest.raises(PlagDetectError, match="plain file name"):
        load_pan_corpus(root)


def test_a_missing_corpus_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PlagDetectError, match="does not exist"):
        load_pan_corpus(tmp_path / "nowhere")


def test_a_case_of_length_zero_on_one_side_cannot_be_detected() -> None:
    # As in the official code (the pan25 dev truth has two such cases): it lowers recall, whatever is detected.
    empty = case(50, 0, 0, 100)
    scores = evaluate([case(0, 10, 0, 10), empty], [case(0, 10, 0, 10), case(40, 20, 0, 100)])
    assert close(scores.recall, 0.5) and close(scores.precision, 0.5)
