"""What the trainers of PlagDetect's own models share: the recipe, the trainer's arguments, saving.

Both models are trained with a sentence-transformers trainer: warm-up, evaluation a few times an epoch on a
validation set that also picks the best checkpoint and stops training early, fixed seeds, fp16/bf16 on a GPU.
The chosen model is saved in fp16 safetensors with ``evaluation.json`` (its scores and the recipe) beside it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from plagdetect.training.data import Pair

EVALUATION_FILE = "evaluation.json"


@dataclass(frozen=True)
class TrainingConfig:
    epochs: float = 4.0
    batch_size: int = 16
    learning_rate: float = 2e-5
    warmup_ratio: float = 0.1
    max_length: int = 256  # tokens of an input; longer inputs are cut
    seed: int = 12
    evaluations_per_epoch: int = 4
    patience: int = 4  # evaluations without a better validation score before training stops
    max_steps: int = -1  # > 0: stop after this many steps (a quick run)


def pairs_dataset(pairs: list[Pair]):
    """A ``datasets.Dataset`` of (text_a, text_b, label) columns, the input the trainers take."""
    from datasets import Dataset

    return Dataset.from_dict(
        {"text_a": [p.text_a for p in pairs], "text_b": [p.text_b for p in pairs], "label": [p.label for p in pairs]}
    )


def trainer_arguments(
    config: TrainingConfig, output_dir: str, steps_per_epoch: int, metric: str, show_progress: bool = True
) -> dict[str, Any]:
    """Keyword arguments for a sentence-transformers ``*TrainingArguments``: the recipe above, on any device.

    ``metric`` is the evaluator's key (without ``eval_``) that picks the best checkpoint; higher is better.
    """
    import torch

    eval_steps = max(1, steps_per_epoch // config.evaluations_per_epoch)
    on_gpu = torch.cuda.is_available()
    bf16 = on_gpu and torch.cuda.is_bf16_supported()
    return {
        "output_dir": output_dir,
        "num_train_epochs": config.epochs,
        "max_steps": config.max_steps,
        "per_device_train_batch_size": config.batch_size,
        "per_device_eval_batch_size": config.batch_size,
        "learning_rate": config.learning_rate,
        "warmup_ratio": config.warmup_ratio,
        "fp16": on_gpu and not bf16,
        "bf16": bf16,
        "eval_strategy": "steps",
        "eval_steps": eval_steps,
        "save_strategy": "steps",
        "save_steps": eval_steps,
        "save_total_limit": 2,
        "load_best_model_at_end": True,
        "metric_for_best_model": f"eval_{metric}",
        "greater_is_better": True,
        "logging_steps": eval_steps,
        "seed": config.seed,
        "data_seed": config.seed,
        "disable_tqdm": not show_progress,
        "dataloader_pin_memory": on_gpu,
        "report_to": "none",
    }


Progress = Callable[[int, int], None]  # (steps done, steps in all); may raise to stop the training


def fine_tune_arguments(config: TrainingConfig, output_dir: str) -> dict[str, Any]:
    """Keyword arguments for a fine-tuning run on people's labels: the recipe, no evaluation, no checkpoint chosen
    (the caller judges the result on data it never learned from), nothing logged (progress goes to a callback)."""
    arguments = trainer_arguments(config, output_dir, 1, "", show_progress=False)
    arguments.update(
        eval_strategy="no",
        save_strategy="no",
        logging_strategy="no",
        load_best_model_at_end=False,
        metric_for_best_model=None,
    )
    return arguments


def progress_callback(progress: Progress | None):
    """A trainer callback that tells ``progress`` after each step."""
    from transformers import TrainerCallback

    class Report(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if progress is not None:
                progress(state.global_step, state.max_steps)

    return Report()


def fit_and_save(
    trainer_class,
    arguments_class,
    model,
    dataset,
    loss,
    evaluator,
    config: TrainingConfig,
    metric: str,
    out_dir: str | Path,
    show_progress: bool = True,
    **facts: float,
) -> dict[str, float]:
    """Train with a sentence-transformers trainer on the recipe; save the best model in fp16; its metrics.

    ``dataset``: a ``Dataset``, or a ``DatasetDict`` whose parts each batch is drawn from. ``facts`` go into
    ``evaluation.json`` beside the metrics and the recipe.
    """
    from datasets import DatasetDict
    from transformers import EarlyStoppingCallback

    parts = dataset.values() if isinstance(dataset, DatasetDict) else [dataset]
    steps_per_epoch = max(1, sum(len(part) // config.batch_size for part in parts))
    with tempfile.TemporaryDirectory(prefix="plagdetect-train-") as checkpoints:
        arguments = trainer_arguments(config, checkpoints, steps_per_epoch, metric, show_progress)
        trainer = trainer_class(
            model=model,
            args=arguments_class(**arguments),
            train_dataset=dataset,
            loss=loss,
            evaluator=evaluator,
            callbacks=[EarlyStoppingCallback(early_stopping_patience=config.patience)],
        )
        trainer.train()
    metrics = {key: float(value) for key, value in evaluator(model).items()}
    out = Path(out_dir)
    save_fp16(model, out)
    (out / EVALUATION_FILE).write_text(
        json.dumps({"metrics": metrics, "config": asdict(config), **facts}, indent=2) + "\n"
    )
    return metrics


def save_fp16(model, out_dir: Path) -> None:
    """A sentence-transformers model's weights in fp16 safetensors (half the size; loaders cast as needed)."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    model.half()
    model.save_pretrained(str(out_dir), safe_serialization=True)
    model.float()
