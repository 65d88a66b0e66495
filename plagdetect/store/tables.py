"""SQLAlchemy 2.0 typed models: what PlagDetect keeps in its database.

Chunk ids double as the vector index's labels, so they must never be reused: every table uses
``sqlite_autoincrement`` (SQLite would otherwise hand a deleted row's id to the next insert).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON}


AUTOINCREMENT = {"sqlite_autoincrement": True}


class User(Base):
    """A person who signs in: a student, an instructor or an admin."""

    __tablename__ = "users"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))  # student | instructor | admin
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SignInFailure(Base):
    """A failed sign-in: the name tried (case-folded, known or not), the client it came from, when (epoch seconds)."""

    __tablename__ = "sign_in_failures"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(200), index=True)
    client: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[float] = mapped_column(Float, index=True)


class AccountLock(Base):
    """An account locked after repeated failed sign-ins; an admin lifts it (the row goes)."""

    __tablename__ = "account_locks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    locked_at: Mapped[float] = mapped_column(Float)


class Collection(Base):
    """A named set of documents that checks search (a course, a term, an archive of past submissions)."""

    __tablename__ = "collections"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    documents: Mapped[list[Document]] = relationship(
        back_populates="collection", cascade="all, delete-orphan", passive_deletes=True
    )


class Document(Base):
    """One uploaded file: its extracted text, the normalised text the engine reads, and integrity flags."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("collection_id", "sha256", name="uq_document_collection_sha256"),
        AUTOINCREMENT,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(500))
    filename: Mapped[str] = mapped_column(String(500))
    format: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    author: Mapped[str | None] = mapped_column(String(300))
    original_text: Mapped[str] = mapped_column(Text)  # as extracted, before normalisation
    text: Mapped[str] = mapped_column(Text)  # normalised: what chunk offsets refer to
    offset_map: Mapped[bytes] = mapped_column(LargeBinary)  # normalize.OffsetMap.to_bytes()
    page_starts: Mapped[list[int]] = mapped_column(JSON)  # offsets in original_text where pages begin
    integrity_flags: Mapped[dict[str, Any]] = mapped_column(JSON)  # normalize.IntegrityFlags.to_dict()
    stored_path: Mapped[str | None] = mapped_column(String(500))  # the original file, relative to the data dir
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    collection: Mapped[Collection] = relationship(back_populates="documents")
    chunks: Mapped[list[Chunk]] = relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True, order_by="Chunk.ordinal"
    )
    sentence_vectors: Mapped[list[SentenceVectors]] = relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True
    )


class Chunk(Base):
    """A window of sentences of a document, with its bi-encoder vector (float16 bytes).

    A document has one set of chunks per bi-encoder version that embedded it (``encoder_version``): the serving
    version's, and while the corpus moves to another version (``services.reembedding``) that version's too.
    """

    __tablename__ = "chunks"
    __table_args__ = (Index("ix_chunks_encoder_version", "encoder_version"), AUTOINCREMENT)

    id: Mapped[int] = mapped_column(primary_key=True)  # also the label in the vector index
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)  # offsets in Document.text
    end: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    encoder_version: Mapped[str] = mapped_column(String(120))

    document: Mapped[Document] = relationship(back_populates="chunks")


class SentenceVectors(Base):
    """A document's sentence units and their vectors by one bi-encoder version: what sentence alignment reads of a
    source.

    One row per document and version: ``spans`` holds int32 (start, end) pairs in ``Document.text``, ``vectors`` one
    float16 vector per span. Written together with the document's chunks of that version, pooled from these.
    """

    __tablename__ = "sentence_vectors"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    encoder_version: Mapped[str] = mapped_column(String(120), primary_key=True)
    spans: Mapped[bytes] = mapped_column(LargeBinary)
    vectors: Mapped[bytes] = mapped_column(LargeBinary)

    document: Mapped[Document] = relationship(back_populates="sentence_vectors")


class Fingerprint(Base):
    """A winnowed fingerprint of a document's text (``text.fingerprints``): found by its hash, the lexical path's index.

    Clustered by hash (no rowid on SQLite), so a check's lookup reads neighbouring rows; the document's rows go with
    it (``ON DELETE CASCADE``, through the index on ``document_id``).
    """

    __tablename__ = "fingerprints"
    __table_args__ = (Index("ix_fingerprints_document_id", "document_id"), {"sqlite_with_rowid": False})

    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    start: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # the k-gram's offset in text


class FingerprintSet(Base):
    """That a document's fingerprints are stored, and by which scheme (``text.fingerprints.VERSION``)."""

    __tablename__ = "fingerprint_sets"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(Integer)


class Check(Base):
    """One run of a submission against a collection: its settings, the models it used and its result."""

    __tablename__ = "checks"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    collection_id: Mapped[int | None] = mapped_column(ForeignKey("collections.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The submission as checked, so its report never needs the file again. Its text is kept once: ``text``, the
    # normalised text, with ``offset_map`` back to the offsets of the text as extracted (store/checks.py).
    filename: Mapped[str] = mapped_column(String(500), default="")
    title: Mapped[str] = mapped_column(String(500), default="")  # from the file's metadata, else its name
    author: Mapped[str] = mapped_column(String(300), default="")  # from the file's metadata; "" when it names none
    sha256: Mapped[str] = mapped_column(String(64), default="")
    text: Mapped[str] = mapped_column(Text, default="")  # normalised: match offsets refer to it; "" once removed
    original_text: Mapped[str] = mapped_column(Text, default="")  # only in rows written before issue 13; not read
    offset_map: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    integrity_flags: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What the check ran with; once retention removed the text, also "text_removed" (store/checks.py).
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    model_versions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    timings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    similarity: Mapped[float] = mapped_column(Float, default=0.0)
    # Indexed: retention finds old checks without reading their texts (new databases; create_all adds no index
    # to an existing table).
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    matches: Mapped[list[Match]] = relationship(
        back_populates="check", cascade="all, delete-orphan", passive_deletes=True
    )


class Match(Base):
    """A passage of the submission found in a source document, with offsets on both sides."""

    __tablename__ = "matches"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"), index=True)
    source_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    submission_start: Mapped[int] = mapped_column(Integer)  # offsets in Check.text
    submission_end: Mapped[int] = mapped_column(Integer)
    source_start: Mapped[int] = mapped_column(Integer)  # offsets in the source's Document.text
    source_end: Mapped[int] = mapped_column(Integer)
    bi_score: Mapped[float] = mapped_column(Float)
    rerank_score: Mapped[float | None] = mapped_column(Float)
    type: Mapped[str] = mapped_column(String(20))  # verbatim | paraphrase
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    check: Mapped[Check] = relationship(back_populates="matches")


class CheckExclusion(Base):
    """A source or a match an instructor excluded from a stored check after it ran (``store.check_exclusions``)."""

    __tablename__ = "check_exclusions"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # source | match
    match_id: Mapped[int | None] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"))  # kind "match"
    source_document_id: Mapped[int | None] = mapped_column(Integer)  # the source (not a key: it may be deleted)
    what: Mapped[str] = mapped_column(String(500))  # the source or the match as the report named it then
    reason: Mapped[str] = mapped_column(Text)
    by_user: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    restored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    restored_by: Mapped[str | None] = mapped_column(String(100))

    matches: Mapped[list[ExcludedMatch]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class ExcludedMatch(Base):
    """A match an exclusion took out: a source's matches are named when it is excluded, so deleting the source from
    the corpus later (its matches then name no source) changes nothing."""

    __tablename__ = "excluded_matches"

    exclusion_id: Mapped[int] = mapped_column(ForeignKey("check_exclusions.id", ondelete="CASCADE"), primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), primary_key=True, index=True)


class CheckDefault(Base):
    """A check option's default as an admin set it (key: the CheckOptions field; value: JSON)."""

    __tablename__ = "check_defaults"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Course(Base):
    """A class an instructor teaches: its students (``Enrolment``) hand in work to its assignments."""

    __tablename__ = "courses"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Enrolment(Base):
    """A student enrolled in a course."""

    __tablename__ = "enrolments"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Assignment(Base):
    """A piece of work of a course: what its submissions are checked against, and with which defaults."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("course_id", "title", name="uq_assignment_course_title"), AUTOINCREMENT)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The collections its submissions are checked against (ids: a renamed collection stays one), besides the
    # submission repository, which every submission is checked against.
    reference_collections: Mapped[list[int]] = mapped_column(JSON, default=list)
    keep_submissions: Mapped[bool] = mapped_column(default=True)  # kept in the repository for later checks
    # The check options its submissions start from (exclude_quotes, exclude_bibliography, min_match_words).
    check_defaults: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Submission(Base):
    """A file a student handed in to an assignment (version 1, 2, … of theirs), with its kept copy in the
    submission repository (a corpus document, while it is kept) and its checks (``SubmissionCheck``)."""

    __tablename__ = "submissions"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    student_name: Mapped[str] = mapped_column(String(120))  # the name at the time (the account may go)
    version: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(500))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"), index=True)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_state: Mapped[str] = mapped_column(String(20), default="not reviewed")  # | reviewed | referred
    job_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the job that handed it in (run again: the same)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SubmissionCheck(Base):
    """A check of a submission: when it was handed in, or re-run because a later submission matched it."""

    __tablename__ = "submission_checks"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"), index=True)
    because_of: Mapped[int | None] = mapped_column(ForeignKey("submissions.id", ondelete="SET NULL"))  # a re-run
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Job(Base):
    """A check or an ingest, queued for a worker process or run by one (``plagdetect/jobs``).

    The queue lives here, so a job is not lost when the app restarts: a queued job waits, a running job whose
    worker stopped beating is queued again (``jobs.queue.JobQueue.recover``).
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state", "state"), AUTOINCREMENT)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # check | ingest
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # None: command line
    label: Mapped[str] = mapped_column(String(500), default="")  # what a person sees: the file, the collection
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what the job is asked to do
    state: Mapped[str] = mapped_column(String(20), default="queued")  # queued|running|done|failed|cancelled
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # a running job's worker is alive
    cancel_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    worker: Mapped[str] = mapped_column(String(200), default="")  # the worker process running it
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    stages: Mapped[list[str]] = mapped_column(JSON, default=list)  # the latest stages the job reported
    reported: Mapped[int] = mapped_column(Integer, default=0)  # how many stages it reported in all
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message: Mapped[str] = mapped_column(Text, default="")  # why it failed or was cancelled
    cancelled_by: Mapped[int | None] = mapped_column(Integer)  # the account that asked (not a key: may be deleted)

    files: Mapped[list[JobFile]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class JobFile(Base):
    """A file a job was handed (an upload to check or to add), kept only until the job ends."""

    __tablename__ = "job_files"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(1000))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ReviewPair(Base):
    """A pair of passages a check scored, for people to label (``services.review``): one per segment of each of the
    check's matches, and the near misses, aligned passages the reranker read but that are in no match.

    The texts are not copied here: the submission's side is read from the check (its match's explanation once
    retention removed the text; a near miss goes with the text), the source's from the source document (the pair
    goes with it). ``pair_key`` names the two texts, so the same pair met again (the same file checked twice, an
    imported label) is one pair to label.
    """

    __tablename__ = "review_pairs"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"), index=True)
    match_id: Mapped[int | None] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"))  # None: a near miss
    source_document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    pair_key: Mapped[str] = mapped_column(String(64), index=True)
    submission_start: Mapped[int] = mapped_column(Integer)  # offsets in Check.text
    submission_end: Mapped[int] = mapped_column(Integer)
    source_start: Mapped[int] = mapped_column(Integer)  # offsets in the source's Document.text
    source_end: Mapped[int] = mapped_column(Integer)
    bi_score: Mapped[float] = mapped_column(Float)
    rerank_score: Mapped[float | None] = mapped_column(Float)  # None: copied word for word, not read
    threshold: Mapped[float | None] = mapped_column(Float)  # the check's rerank_threshold (None: no reranker)
    kind: Mapped[str] = mapped_column(String(20))  # verbatim | paraphrase | near miss


class Label(Base):
    """A person's verdict on a pair of passages: plagiarism, not plagiarism or unsure, with what training needs.

    The two texts are copied in, so a label outlives the check's retention and can be exported; it goes with the
    source document (and with the submission's, when that is a corpus document): deleting a document deletes the
    labels that hold its text. A person may label a pair again: their latest label counts (``services.review``).
    """

    __tablename__ = "labels"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("review_pairs.id", ondelete="SET NULL"), index=True)
    pair_key: Mapped[str] = mapped_column(String(64), index=True)
    check_id: Mapped[int | None] = mapped_column(ForeignKey("checks.id", ondelete="SET NULL"))
    source_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    submission_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    source_sha256: Mapped[str] = mapped_column(String(64), default="")  # labels are split by source document
    source_title: Mapped[str] = mapped_column(String(500), default="")
    submission_text: Mapped[str] = mapped_column(Text)
    source_text: Mapped[str] = mapped_column(Text)
    verdict: Mapped[str] = mapped_column(String(20))  # plagiarism | not plagiarism | unsure
    comment: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    labeller: Mapped[str] = mapped_column(String(120))  # the name at the time (also of imported labels)
    kind: Mapped[str] = mapped_column(String(20), default="")  # the pair's: verbatim | paraphrase | near miss
    bi_score: Mapped[float | None] = mapped_column(Float)
    rerank_score: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)  # the check's rerank_threshold
    model_versions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # those that scored the pair
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ModelVersion(Base):
    """A version of a model kind the product can run: the one configured (shipped in ``models/``, or named by a
    setting), or one fine-tuned here from it (``services.model_registry``), with what it learned from and how it
    scored."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("kind", "version", name="uq_model_version_kind_version"), AUTOINCREMENT)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # cross-encoder | bi-encoder
    version: Mapped[str] = mapped_column(String(200))  # encoders.loading.model_version: folder name + weights hash
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id", ondelete="SET NULL"))
    # A folder: absolute for a configured version, relative to the data directory for one trained here.
    path: Mapped[str] = mapped_column(String(1000))
    configured: Mapped[bool] = mapped_column(default=False)  # shipped or named by a setting: never deleted
    trained_by: Mapped[str] = mapped_column(String(120), default="")
    training: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what it learned from
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # its report beside its parent's
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ModelActivation(Base):
    """A model version made active for new checks (promoted, rolled back to, or configured): the latest per kind
    is the one in use."""

    __tablename__ = "model_activations"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(20))  # configured | promoted | rolled back
    by: Mapped[str] = mapped_column(String(120), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CheckFile(Base):
    """The file a check was run on, as it was handed in, so the check can be run again with other options (History's
    re-run). Written with the check; removed with its text once retention removes that (store/checks.py)."""

    __tablename__ = "check_files"

    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class BrowserSession(Base):
    """A person signed in on one browser (services.browser_sessions): the browser's cookie holds a random token, this
    row only its SHA-256, so a copy of the database signs nobody in. Signing out deletes every row of the account
    (signed out everywhere), and so do disabling the account and changing its password; a deleted account's go with
    it."""

    __tablename__ = "browser_sessions"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the cookie's token
    created_at: Mapped[float] = mapped_column(Float)  # epoch seconds
    expires_at: Mapped[float] = mapped_column(Float, index=True)
