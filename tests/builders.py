"""Documents the tests build themselves: hand-written PDFs, DOCX files, short essays on unrelated topics."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

from plagdetect.evaluation.fuzz import pdf_file


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def make_pdf(pages: list[list[str] | bytes | None], title: str | None = None, author: str | None = None) -> bytes:
    """A minimal valid PDF written by hand: one page per item, each a list of text lines drawn with
    Helvetica, None for a page with only a drawing (no text layer), or bytes: a content stream to
    store compressed (FlateDecode)."""
    objects: list[bytes] = []  # object i + 1

    def add(body: str | bytes) -> int:
        objects.append(body.encode("latin-1") if isinstance(body, str) else body)
        return len(objects)

    catalog = add("")  # filled in below, once the page tree's number is known
    font = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    page_tree = len(objects) + 1 + 2 * len(pages)
    kids = []
    for lines in pages:
        extra = b""
        if lines is None:
            stream = b"0.5 g 72 600 200 100 re f"
        elif isinstance(lines, bytes):
            stream, extra = zlib.compress(lines, 9), b" /Filter /FlateDecode"
        else:
            shown = " 0 -16 Td ".join(f"{_pdf_string(line)} Tj" for line in lines)
            stream = f"BT /F1 12 Tf 72 720 Td {shown} ET".encode("latin-1")
        content = add(b"<< /Length %d%s >>\nstream\n" % (len(stream), extra) + stream + b"\nendstream")
        kids.append(
            add(
                f"<< /Type /Page /Parent {page_tree} 0 R /MediaBox [0 0 612 792] "
                f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>"
            )
        )
    assert add(f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>") == page_tree
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {page_tree} 0 R >>".encode()
    info = None
    if title or author:
        entries = (f"/Title {_pdf_string(title)} " if title else "") + (
            f"/Author {_pdf_string(author)}" if author else ""
        )
        info = add(f"<< {entries} >>")

    return pdf_file(objects, root=catalog, info=info, header=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")


def write_docx(path: Path, paragraphs: list[str], title: str | None = None, author: str | None = None) -> Path:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if title:
        document.core_properties.title = title
    if author:
        document.core_properties.author = author
    document.save(path)
    return path


ESSAY_PHOTOSYNTHESIS = (
    "Photosynthesis is the process by which green plants turn light into chemical energy. "
    "Chlorophyll in the chloroplasts absorbs mostly red and blue light. "
    "The energy splits water molecules and releases oxygen as a by-product. "
    "Carbon dioxide from the air is fixed into sugars in the Calvin cycle. "
    "These sugars feed the plant and, through food chains, almost every animal on Earth."
)
ESSAY_RAILWAYS = (
    "The first public railways opened in England in the early nineteenth century. "
    "Steam locomotives cut travel times between industrial towns from days to hours. "
    "Investors poured money into new lines during the railway mania of the 1840s. "
    "Many of those companies failed, but the network they built outlived them. "
    "Standard time itself was adopted so that timetables could agree across the country."
)
ESSAY_VOLCANOES = (
    "Volcanoes form where molten rock from the mantle reaches the surface of the crust. "
    "Most of them sit along the boundaries of tectonic plates, as around the Pacific. "
    "Explosive eruptions throw ash high into the atmosphere and can cool the climate for years. "
    "Effusive eruptions instead pour out rivers of lava that build broad shield volcanoes. "
    "Scientists watch gas emissions and small earthquakes to forecast what a volcano will do."
)


# A source article, a submission that copies its second paragraph and paraphrases its third, and an essay on the
# same topic that borrows nothing. Written for the tests.
PRINTING_SOURCE = """The Printing Press and the Spread of Ideas

Before the fifteenth century, books in Europe were copied by hand, mostly by monks working in monastery \
scriptoria. A single Bible could take a scribe more than a year to finish. Books were therefore rare, expensive \
and owned almost exclusively by churches, universities and the very rich.

Around 1440, Johannes Gutenberg, a goldsmith from Mainz, developed a press that used movable metal type. Each \
letter was cast separately in an alloy of lead, tin and antimony, so that the pieces could be arranged into \
pages, inked, printed and then reused for the next job. His workshop printed about 180 copies of the Bible in a \
few years, a task that would have occupied hundreds of scribes for decades.

The new technology spread with remarkable speed. By 1500, printing presses were operating in more than two \
hundred and fifty European cities, and they had produced an estimated twenty million volumes. Cheaper books \
allowed literacy to grow among merchants and craftsmen, and scholars in distant cities could now read exactly \
the same text and argue about it in letters.

Historians still debate how much the press changed society. Some argue that it made the Protestant Reformation \
possible, since pamphlets by Martin Luther circulated in hundreds of thousands of copies. Others point out that \
manuscript culture survived for generations and that many early printed books were simply copies of medieval \
favourites.
"""

PRINTING_TITLE = "The Printing Press and the Spread of Ideas"  # PRINTING_SOURCE's first line: its title (no metadata)

PRINTING_SUBMISSION = """Essay: Technology and Knowledge

Every age has technologies that change how people learn. In this essay I look at one of the most important \
of them and at the consequences it had for European culture.

Around 1440, Johannes Gutenberg, a goldsmith from Mainz, developed a press that used movable metal type. Each \
letter was cast separately in an alloy of lead, tin and antimony, so that the pieces could be arranged into \
pages, inked, printed and then reused for the next job. His workshop printed about 180 copies of the Bible in a \
few years, a task that would have occupied hundreds of scribes for decades.

This invention travelled across the continent very quickly. Within sixty years more than 250 towns in Europe \
had their own printers, who together turned out roughly twenty million books. Because books became cheaper, \
more traders and artisans learned to read, and researchers living far apart were able to study identical \
copies of a work and discuss them by correspondence.

In my view the lesson for today is that access matters more than the invention itself. When knowledge becomes \
cheap to copy, the number of people who take part in a debate grows, and the debate itself changes.
"""

PRINTING_UNRELATED = """Paper, Screens and Reading Habits

Reading on paper and reading on screens are not the same experience. Studies of students suggest that long \
texts are understood better on paper, while short messages are handled equally well on either medium.

Libraries have responded by lending e-books alongside printed volumes. Many readers now switch between formats \
during the day, using a phone on the bus and a printed novel in the evening.

Publishers, for their part, still sell more printed books than digital ones in most countries. The printed page \
seems to keep a special place in the habits of readers, even in a world full of screens.
"""


def weight_dtypes(model_dir: Path) -> set[str]:
    """The dtypes of the tensors in a model folder's ``model.safetensors``."""
    from safetensors import safe_open

    with safe_open(model_dir / "model.safetensors", "pt") as weights:
        return {str(weights.get_tensor(name).dtype) for name in weights.keys()}


def write_stsb(path: Path, rows: list[tuple[str, str, float]]) -> Path:
    """Rows (sentence, sentence, score 0-5) as an STS-B file."""
    path.write_text("".join(f"g\tf\t2012\t{i:04}\t{s}\t{a}\t{b}\n" for i, (a, b, s) in enumerate(rows)))
    return path


def make_people(sessions, students: tuple[str, ...] = ("sam",)) -> dict:
    """An admin ("admin": ada), an instructor ("teacher": tess) and students by name; passwords "<role> password"."""
    from plagdetect.services.accounts import Accounts, Role

    accounts = Accounts(sessions)
    admin = accounts.create_first_admin("ada", "admin password")
    people = {"admin": admin, "teacher": accounts.create_user(admin, "tess", "teacher password", Role.INSTRUCTOR)}
    for name in students:
        people[name] = accounts.create_user(admin, name, "student password", Role.STUDENT)
    return people


# Labelled pairs for fine-tuning: each topic's sentence and a rewording of it, over six sources.
LABEL_TOPICS = [
    ("The river flooded the valley after a week of rain.", "After seven days of downpour the valley was flooded."),
    ("Bees carry pollen from flower to flower.", "Pollen is moved between blossoms by bees."),
    ("The bridge was finished in 1890 after ten years of work.", "Work on the bridge took a decade and ended in 1890."),
    ("Copper conducts electricity very well.", "Electricity flows easily through copper."),
    ("Glaciers carved the deep fjords of Norway.", "Norway's deep fjords were cut by glaciers."),
    ("The treaty ended thirty years of war.", "Three decades of fighting came to an end with the treaty."),
]


def _label_record(submission: str, source: str, verdict: str, source_id: int, labeller: str = "tess") -> str:
    return json.dumps(
        {
            "verdict": verdict,
            "labeller": labeller,
            "submission_text": submission,
            "source_text": source,
            "source_sha256": f"{source_id:064x}",
            "source_title": f"source {source_id}",
        }
    )


def label_lines(count: int) -> list[str]:
    """``count`` pairs labelled plagiarism (rewordings) and ``count`` not (another topic), over six sources."""
    lines = []
    for k in range(count):
        first, second = LABEL_TOPICS[k % len(LABEL_TOPICS)], LABEL_TOPICS[(k + 1) % len(LABEL_TOPICS)]
        lines.append(_label_record(f"{first[0]} ({k})", first[1], "plagiarism", k % len(LABEL_TOPICS)))
        lines.append(_label_record(f"{first[0]} [{k}]", second[1], "not plagiarism", k % len(LABEL_TOPICS)))
    return lines


def write_stsb_dir(folder: Path) -> Path:
    """A tiny STS Benchmark folder (sts-train.csv, sts-dev.csv) of the label topics: rewordings high, others low."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [(a, b, 4.5) for a, b in LABEL_TOPICS]
    rows += [(LABEL_TOPICS[k][0], LABEL_TOPICS[k - 1][1], 0.2) for k in range(len(LABEL_TOPICS))]
    for name in ("sts-train.csv", "sts-dev.csv"):
        write_stsb(folder / name, rows)
    return folder


def write_paraphrase_corpus(root: Path) -> None:
    """A tiny PAN corpus: susp-1 copies one paragraph of source-a and paraphrases the next (the one case); susp-2
    copies nothing."""
    for folder in ("susp", "src", "truth"):
        (root / folder).mkdir(parents=True)
    for name, text in {"source-a.txt": PRINTING_SOURCE, "source-b.txt": PRINTING_UNRELATED}.items():
        (root / "src" / name).write_text(text, encoding="utf-8", newline="")
    submission = PRINTING_SUBMISSION + "\n" + ESSAY_VOLCANOES
    (root / "susp" / "susp-1.txt").write_text(submission, encoding="utf-8", newline="")
    (root / "susp" / "susp-2.txt").write_text(ESSAY_RAILWAYS, encoding="utf-8", newline="")
    start = submission.index("This invention travelled")
    end = submission.index("by correspondence.") + len("by correspondence.")
    source_start = PRINTING_SOURCE.index("The new technology")
    source_end = PRINTING_SOURCE.index("argue about it in letters.") + len("argue about it in letters.")
    (root / "truth" / "susp-1-source-a.xml").write_text(
        '<document reference="susp-1.txt">'
        f'<feature name="plagiarism" obfuscation="high" this_offset="{start}" this_length="{end - start}"'
        f' source_reference="source-a.txt" source_offset="{source_start}" source_length="{source_end - source_start}"/>'
        "</document>",
        encoding="utf-8",
    )
    (root / "pairs").write_text("susp-1.txt source-a.txt\nsusp-2.txt source-b.txt\n")
