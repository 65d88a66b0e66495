"""Fine-tuning the bi-encoder (the model that embeds the corpus and finds candidate passages) on people's labels.

A new version is trained from the serving one with CoSENTLoss on (text, text, label in [0, 1]) pairs: the labelled
pairs (plagiarism 1, not plagiarism 0) mixed with replayed STS-B pairs (their score / 5). CoSENT asks only that a
pair with a higher label get a higher cosine than a pair with a lower one, so it draws the passages people call
copied closer than those they call not copied, without pulling every "not plagiarism" pair apart to a cosine of 0
(they are often on the same topic, and the search should still reach them).

The new version is saved in float32 (a bi-encoder runs in float32 on a CPU) and serves no check until it is
promoted, which embeds the corpus with it first (``services.reembedding``).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from plagdetect.training.common import Progress, TrainingConfig, fine_tune_arguments, pairs_dataset, progress_callback
from plagdetect.training.data import Pair

logger = logging.getLogger(__name__)


def fine_tune_bi_encoder(
    parent: str | Path,
    train: list[Pair],
    out_dir: str | Path,
    config: TrainingConfig,
    progress: Progress | None = None,
) -> None:
    """A new version of a bi-encoder, trained from ``parent`` on ``train`` for the recipe's epochs, saved to
    ``out_dir``. No checkpoint is chosen on a validation set (the caller judges the result on data it never learned
    from); ``progress`` hears after each step, and an exception it raises stops the training with nothing saved."""
    import torch
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.sentence_transformer.losses import CoSENTLoss
    from transformers import set_seed

    set_seed(config.seed)
    model = SentenceTransformer(str(parent), local_files_only=True, model_kwargs={"dtype": torch.float32})
    model.max_seq_length = min(model.max_seq_length, config.max_length)
    with tempfile.TemporaryDirectory(prefix="plagdetect-finetune-") as scratch:
        trainer = SentenceTransformerTrainer(
            model=model,
            args=SentenceTransformerTrainingArguments(**fine_tune_arguments(config, scratch)),
            train_dataset=pairs_dataset(train),
            loss=CoSENTLoss(model),
            callbacks=[progress_callback(progress)],
        )
        trainer.train()
    model.save(str(out_dir))
    logger.info("Bi-encoder saved to %s", out_dir)
