"""What a running PlagDetect holds once per process: settings, the database, the vector index and the models.

Services and the check pipeline take a ``Context`` instead of reaching through one another. Models load when
first needed (a page that lists documents never loads torch); the index is checked against the database the
first time it is opened (``index.sync.repair``), and documents without fingerprints get them then.
"""

from __future__ import annotations

import functools
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

CROSS_ENCODER = "cross-encoder"  # the model kinds of the registry (store.model_versions)


class Context:
    def __init__(self, settings: Settings, encoder: BiEncoder | None = None) -> None:
        self.settings = settings
        self.engine: Engine = make_engine(settings.resolved_database_url)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        self._encoder = encoder
        self.encoder_path = encoder.path if encoder else settings.resolved_bi_encoder
        self.documents = DocumentStore(self.engine, self.sessions, OriginalFiles(settings.data_dir, settings.files_dir))
        self.fingerprints = FingerprintStore(self.sessions)
        self._index: VectorIndex | None = None
        self.last_index_report = IndexReport()

    # ----- the bi-encoder's vectors: read from its folder when first needed (accounts alone never touch it) -----

    @functools.cached_property
    def encoder_version(self) -> str:
        """The version of the vectors the bi-encoder makes (its weights and the way windows are pooled)."""
        return vectors_version(self._encoder.version if self._encoder else model_version(self.encoder_path))

    @functools.cached_property
    def dim(self) -> int:
        return model_dimension(self.encoder_path)

    @functools.cached_property
    def vectors(self) -> VectorStore:
        """The chunk and sentence vectors of the current version."""
        return VectorStore(self.sessions, self.encoder_version, self.dim)

    # ----- models, loaded when first needed --------------------------------------------------------------

    @property
    def encoder(self) -> BiEncoder:
        """The bi-encoder: what the corpus is embedded with."""
        if self._encoder is None:
            self._encoder = load_bi_encoder(
                self.encoder_path, device=self.settings.device, batch_size=self.settings.embed_batch_size
            )
        return self._encoder

    @property
    def submission_encoder(self) -> BiEncoder:
        """The encoder of a check's submission: ``encoder``, through its int8 copy on a CPU (``int8_submissions``)."""
        if not self.settings.int8_submissions:
            return self.encoder
        return self.encoder.for_submissions(self.settings.models_dir)

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
        configured = {CROSS_ENCODER: self.settings.resolved_cross_encoder}[kind]
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

    # ----- the index -------------------------------------------------------------------------------------

    @property
    def index(self) -> VectorIndex:
        """The index of the current bi-encoder version, checked against the database when first opened."""
        if self._index is None:
            self.open_index()
        else:
            self._index.refresh()
        return self._index

    def open_index(self) -> VectorIndex:
        """The index, opened (and repaired) if it is not yet: no reload when it is."""
        if self._index is None:
            self._index = make_index(self.settings, self.encoder_version, self.dim)
            self.documents.remove_orphan_files()
            self.last_index_report = repair(self._index, self.vectors)
            self.fingerprints.add_missing()  # documents stored before the lexical path (or its current scheme)
        return self._index

    def close(self) -> None:
        self.documents.close()  # stops its background wipe of the write-ahead log, if one runs
        self.engine.dispose()
