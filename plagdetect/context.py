"""What a running PlagDetect holds once per process: settings, the database, the vector index and the models.

Services and the check pipeline take a ``Context`` instead of reaching through one another. Models load when
first needed (a page that lists documents never loads torch); the index is checked against the database the
first time it is opened (``index.sync.repair``), and documents without fingerprints get them then.

The models in use are the registry's active versions (``store.model_versions``), read at each use: a check takes
them once at its start (``embeddings``, ``reranker``) and keeps them, so a promotion meanwhile changes the next
check, not the running one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from plagdetect.encoders.bi_encoder import BiEncoder, load_bi_encoder, vectors_version
from plagdetect.encoders.cross_encoder import Reranker, load_reranker
from plagdetect.encoders.loading import model_dimension, model_version
from plagdetect.encoders.splade import Explainer, load_explainer
from plagdetect.index import VectorIndex, make_index
from plagdetect.index.sync import IndexReport, repair
from plagdetect.settings import Settings
from plagdetect.store import model_versions
from plagdetect.store.documents import DocumentStore
from plagdetect.store.engine import make_engine, make_session_factory
from plagdetect.store.files import OriginalFiles
from plagdetect.store.fingerprints import FingerprintStore
from plagdetect.store.vectors import VectorStore

BI_ENCODER, CROSS_ENCODER = "bi-encoder", "cross-encoder"  # the model kinds of the registry (store.model_versions)


class Embeddings:
    """One bi-encoder version and what it made: the model, its vectors in the database and its index.

    A check or an ingest takes the serving one (``Context.embeddings``) once and keeps it to the end, so it never
    mixes two versions; the model and the index are read when first needed (a page that lists documents never loads
    torch), and the index is checked against the database then (``index.sync.repair``).
    """

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        path: str,
        encoder: BiEncoder | None = None,
        before_open: Callable[[], None] = lambda: None,
    ) -> None:
        self.settings = settings
        self.path = path
        self.model_version = encoder.version if encoder else model_version(path)
        self.version = vectors_version(self.model_version)  # of the vectors: the weights and the way windows pool
        self.dim = model_dimension(path)
        self.vectors = VectorStore(sessions, self.version, self.dim)
        self._encoder = encoder
        self._index: VectorIndex | None = None
        self._lock = threading.RLock()
        self._before_open = before_open
        self.last_index_report = IndexReport()

    @property
    def encoder(self) -> BiEncoder:
        """The bi-encoder: what the corpus is embedded with."""
        if self._encoder is None:
            self._encoder = load_bi_encoder(
                self.path, device=self.settings.device, batch_size=self.settings.embed_batch_size
            )
        return self._encoder

    @property
    def submission_encoder(self) -> BiEncoder:
        """The encoder of a check's submission: ``encoder``, through its int8 copy on a CPU (``int8_submissions``)."""
        if not self.settings.int8_submissions:
            return self.encoder
        return self.encoder.for_submissions(self.settings.models_dir)

    @property
    def index(self) -> VectorIndex:
        """The index of this version, checked against the database when first opened, else refreshed."""
        if self._index is None:
            return self.open_index()
        self._index.refresh()
        return self._index

    def open_index(self) -> VectorIndex:
        """The index, opened (and repaired) if it is not yet: no reload when it is."""
        with self._lock:
            if self._index is None:
                self._before_open()
                index = make_index(self.settings, self.version, self.dim)
                self.last_index_report = repair(index, self.vectors)
                self._index = index
            return self._index


class Context:
    def __init__(self, settings: Settings, encoder: BiEncoder | None = None) -> None:
        self.settings = settings
        self.engine: Engine = make_engine(settings.resolved_database_url)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        self._encoder = encoder  # a model already loaded (tests share one): used while its version serves
        self.encoder_path = encoder.path if encoder else settings.resolved_bi_encoder  # the configured bi-encoder
        self.documents = DocumentStore(self.engine, self.sessions, OriginalFiles(settings.data_dir, settings.files_dir))
        self.fingerprints = FingerprintStore(self.sessions)
        self._embeddings: dict[str, Embeddings] = {}  # by folder: the serving version's, and one a re-embed fills
        self._serving: str | None = None  # the folder of the version that served at the last ``embeddings``
        self._lock = threading.RLock()
        self._opened = False

    # ----- the bi-encoder's vectors: the serving version's, read from the registry at each use ---------------

    @property
    def embeddings(self) -> Embeddings:
        """The serving bi-encoder version's model, vectors and index: the registry's active version (the configured
        one until an admin promotes another and the corpus is embedded with it, ``services.reembedding``)."""
        path = self.active_model_path(BI_ENCODER)
        with self._lock:
            if path != self._serving:  # another version serves now: the others' index files may be gone (or
                # rebuilt) by the time one of them serves again, so it is opened, and checked, afresh then
                self._embeddings = {p: e for p, e in self._embeddings.items() if p == path}
                self._serving = path
            return self.embeddings_of(path)

    def embeddings_of(self, path: str) -> Embeddings:
        """The ``Embeddings`` of the bi-encoder in ``path`` (one per folder and process)."""
        with self._lock:
            if path not in self._embeddings:
                encoder = self._encoder if self._encoder is not None and self._encoder.path == path else None
                self._embeddings[path] = Embeddings(self.settings, self.sessions, path, encoder, self._first_open)
            return self._embeddings[path]

    def _first_open(self) -> None:
        """Before the first index of the process opens: what a crash or an older version left behind is put right."""
        with self._lock:
            if not self._opened:
                self.documents.remove_orphan_files()
                self.fingerprints.add_missing()  # documents stored before the lexical path (or its current scheme)
                self._opened = True

    @property
    def encoder_version(self) -> str:
        """The serving version of the vectors (``embeddings.version``)."""
        return self.embeddings.version

    @property
    def vectors(self) -> VectorStore:
        """The chunk and sentence vectors of the serving version."""
        return self.embeddings.vectors

    @property
    def encoder(self) -> BiEncoder:
        """The serving bi-encoder."""
        return self.embeddings.encoder

    @property
    def index(self) -> VectorIndex:
        """The serving version's index, checked against the database when first opened."""
        return self.embeddings.index

    def open_index(self) -> VectorIndex:
        return self.embeddings.open_index()

    @property
    def last_index_report(self) -> IndexReport:
        """What opening the serving version's index did (``index.sync.repair``)."""
        return self.embeddings.last_index_report

    # ----- models, loaded when first needed --------------------------------------------------------------

    @property
    def reranker(self) -> Reranker | None:
        """The active cross-encoder (on a CPU through its int8 copy, ``int8_reranker``), or None when reranking is
        off."""
        if not self.settings.rerank:
            return None
        reranker = load_reranker(self.active_model_path(CROSS_ENCODER), self.settings.device)
        return reranker.for_checks(self.settings.models_dir) if self.settings.int8_reranker else reranker

    def active_model_path(self, kind: str) -> str:
        """The folder of the version of ``kind`` that new checks use (``store.model_versions``): the configured
        one (the setting, or the shipped model) until an admin promotes another."""
        configured = {BI_ENCODER: self.encoder_path, CROSS_ENCODER: self.settings.resolved_cross_encoder}[kind]
        if not Path(configured).is_dir():  # the loader says what is missing and which setting names it
            return configured
        active = model_versions.active_version(self.sessions, kind, (model_version(configured), configured))
        return str(self.settings.data_dir / active.path) if not active.configured else active.path

    @property
    def explainer(self) -> Explainer | None:
        """The SPLADE explainer, or None when explanations are off."""
        if not self.settings.explain:
            return None
        return load_explainer(self.settings.resolved_splade, self.settings.device)

    def close(self) -> None:
        self.documents.close()  # stops its background wipe of the write-ahead log, if one runs
        self.engine.dispose()
