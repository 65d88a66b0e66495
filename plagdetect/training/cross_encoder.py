"""Training a cross-encoder (the reranker) with the sentence-transformers trainer.

From a bi-encoder folder (the packaged MiniLM) a CrossEncoder with one output is built and trained with
BinaryCrossEntropyLoss on (text, text, label in [0, 1]) pairs. Validation: Spearman correlation on STS-B dev,
which also picks the best checkpoint and stops training early, plus held-out PAN pairs as a binary task.
The model is saved in fp16 safetensors with ``evaluation.json`` beside it. Nothing is downloaded.

``fine_tune_cross_encoder`` trains a new version from an existing one on people's labels (``training.labels``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from plagdetect.training.common import (
    Progress,
    TrainingConfig,
    fine_tune_arguments,
    fit_and_save,
    pairs_dataset,
    progress_callback,
    save_fp16,
)
from plagdetect.training.data import Pair

logger = logging.getLogger(__name__)

STS_METRIC = "sts-dev_spearman"
SHORT_PAIR_CHARS = 400  # pairs up to this many characters (both texts) go in the "short" length bucket


def length_buckets(pairs: list[Pair]) -> dict[str, list[Pair]]:
    """Pairs split into a short and a long bucket; each training batch is drawn from one bucket.

    A batch is padded to its longest pair, so one passage pair among sentence pairs makes the whole batch cost
    as much as sixteen passage pairs. Drawing each batch from one bucket keeps sentence batches short: one
    epoch of STS-B plus PAN passages took 23 minutes on 2 CPU cores before, and about 15 on one thread after.
    """
    buckets: dict[str, list[Pair]] = {"short": [], "long": []}
    for pair in pairs:
        buckets["short" if len(pair.text_a) + len(pair.text_b) <= SHORT_PAIR_CHARS else "long"].append(pair)
    return {name: bucket for name, bucket in buckets.items() if bucket}


def train_cross_encoder(
    base_model: str | Path,
    train: list[Pair],
    sts_dev: list[Pair],
    out_dir: str | Path,
    pan_validation: list[Pair] | None = None,
    config: TrainingConfig = TrainingConfig(),
    show_progress: bool = True,
) -> dict[str, float]:
    """Train, keep the best checkpoint by STS-B dev Spearman, save it in fp16 to ``out_dir``; its metrics."""
    from datasets import DatasetDict
    from sentence_transformers.cross_encoder import CrossEncoderTrainer, CrossEncoderTrainingArguments
    from sentence_transformers.cross_encoder.evaluation import (
        CrossEncoderClassificationEvaluator,
        CrossEncoderCorrelationEvaluator,
    )
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss
    from sentence_transformers.evaluation import SequentialEvaluator
    from transformers import set_seed

    set_seed(config.seed)
    model = _trainable(base_model, config)
    evaluators = [
        CrossEncoderCorrelationEvaluator(
            sentence_pairs=[[p.text_a, p.text_b] for p in sts_dev],
            scores=[p.label for p in sts_dev],
            name="sts-dev",
            write_csv=False,
        )
    ]
    if pan_validation:
        evaluators.append(
            CrossEncoderClassificationEvaluator(
                sentence_pairs=[[p.text_a, p.text_b] for p in pan_validation],
                labels=[round(p.label) for p in pan_validation],
                name="pan-dev",
                write_csv=False,
            )
        )
    evaluator = SequentialEvaluator(evaluators)
    dataset = DatasetDict({name: pairs_dataset(part) for name, part in length_buckets(train).items()})
    metrics = fit_and_save(
        CrossEncoderTrainer,
        CrossEncoderTrainingArguments,
        model,
        dataset,
        BinaryCrossEntropyLoss(model),
        evaluator,
        config,
        STS_METRIC,
        out_dir,
        show_progress,
        train_pairs=len(train),
        sts_dev_pairs=len(sts_dev),
    )
    logger.info("Cross-encoder saved to %s: %s", out_dir, metrics)
    return metrics


def fine_tune_cross_encoder(
    parent: str | Path,
    train: list[Pair],
    out_dir: str | Path,
    config: TrainingConfig,
    progress: Progress | None = None,
) -> None:
    """A new version of a cross-encoder, trained from ``parent`` on ``train`` (labels mixed with replayed original
    pairs) for the recipe's epochs, saved in fp16 to ``out_dir``.

    No checkpoint is chosen on a validation set: the caller judges the result on held-out labels and STS-B dev, which
    it never learned from. ``progress`` hears after each step; an exception it raises stops the training, and
    nothing is saved.
    """
    import tempfile

    from datasets import DatasetDict
    from sentence_transformers.cross_encoder import CrossEncoderTrainer, CrossEncoderTrainingArguments
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss
    from transformers import set_seed

    set_seed(config.seed)
    model = _trainable(parent, config)
    dataset = DatasetDict({name: pairs_dataset(part) for name, part in length_buckets(train).items()})
    with tempfile.TemporaryDirectory(prefix="plagdetect-finetune-") as scratch:
        trainer = CrossEncoderTrainer(
            model=model,
            args=CrossEncoderTrainingArguments(**fine_tune_arguments(config, scratch)),
            train_dataset=dataset,
            loss=BinaryCrossEntropyLoss(model),
            callbacks=[progress_callback(progress)],
        )
        trainer.train()
    save_fp16(model, Path(out_dir))


def _trainable(base: str | Path, config: TrainingConfig):
    """A CrossEncoder with one output to train from ``base``: float32 whatever the base was saved in (ours are
    fp16); a GPU trains in mixed precision (``training.common``)."""
    import torch
    from sentence_transformers.cross_encoder import CrossEncoder

    return CrossEncoder(
        str(base),
        num_labels=1,
        max_length=config.max_length,
        local_files_only=True,
        model_kwargs={"dtype": torch.float32},
    )
