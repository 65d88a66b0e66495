"""The explainer: which words make two passages alike, read from SPLADE sparse vectors.

A SPLADE model maps a text to weights over its vocabulary (the words it contains and related words it
expands to). Of the words a pair of passages contains, those both passages weigh, each with the smaller of
its two weights, are what the two have in common: for a paraphrase that includes a word one side uses and
the other only implies (a synonym). Words neither passage contains are left out, so a reader can find every
word named in the text, and only those rows of SPLADE's 30,522-word output layer are computed (about 18x
faster on the CPU than whole vectors). PlagDetect fine-tunes its own model on STS-B
(``plagdetect train splade``) and ships it in ``models/splade``; it is loaded offline.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from plagdetect.encoders.loading import choose_device, model_version, process_wide, require_folder, torch_dtype
from plagdetect.errors import PlagDetectError

logger = logging.getLogger(__name__)

# Function words say nothing about why two passages are alike.
FUNCTION_WORDS = frozenset(
    """a about after all also an and any are as at be been before being but by can could did do does for from
    had has have he her his how if in into is it its may might more most must no not of on one only or other
    our out over she should so some such than that the their them then there these they this those through to
    too under up upon very was we were what when where which while who whom why will with would you your""".split()
)


def _is_word(token: str) -> bool:
    """Content words only: no word pieces (``##ing``), punctuation, digits alone, special or function words."""
    return (
        len(token) > 1
        and not token.startswith(("##", "["))
        and any(c.isalpha() for c in token)
        and token not in FUNCTION_WORDS
    )


class Explainer:
    """Names the words two texts share, with weights, from their SPLADE vectors."""

    def __init__(self, path: str | os.PathLike, device: str = "auto", batch_size: int = 32) -> None:
        from sentence_transformers.sparse_encoder import SparseEncoder

        require_folder(path, "SPLADE", "set PLAGDETECT_SPLADE, or PLAGDETECT_EXPLAIN=false")
        self.path = str(path)
        self.version = model_version(path)
        self.device = choose_device(device)
        self.batch_size = batch_size
        dtype = torch_dtype(self.device)
        self.model = SparseEncoder(self.path, device=self.device, local_files_only=True, model_kwargs={"dtype": dtype})
        self.model.eval()
        if not hasattr(self.model[0].auto_model, "cls"):
            raise PlagDetectError(f"{path}: the explainer needs a BERT-style SPLADE model (BertForMaskedLM).")
        vocabulary = self.model.tokenizer.convert_ids_to_tokens(list(range(self.model.tokenizer.vocab_size)))
        self._words = [_is_word(token) for token in vocabulary]
        logger.info("Loaded SPLADE explainer %s on %s", self.version, self.device)

    def shared_tokens(self, pairs: Sequence[tuple[str, str]], top_k: int = 10) -> list[list[tuple[str, float]]]:
        """For each pair, up to ``top_k`` words both texts weigh, strongest first, with their shared weight.

        Only the words the pair contains are scored: a word one text holds and the other expands to (a
        synonym) counts, a word neither text holds does not. The weights are exactly the SPLADE vector's at
        those words; leaving out the rest of the 30,522-word output layer is what makes this fast.
        """
        if len(pairs) == 0:
            return []
        import torch

        texts = list(dict.fromkeys(text for pair in pairs for text in pair))
        states = dict(zip(texts, self._token_states(texts), strict=True))
        decoder = self.model[0].auto_model.get_output_embeddings()
        result = []
        with torch.inference_mode():
            for text_a, text_b in pairs:
                (states_a, ids_a), (states_b, ids_b) = states[text_a], states[text_b]
                words = torch.tensor(sorted(i for i in set(ids_a) | set(ids_b) if self._words[i]), dtype=torch.long)
                if len(words) == 0:
                    result.append([])
                    continue
                weight, bias = decoder.weight[words], decoder.bias[words]
                shared = torch.minimum(_splade_weights(states_a, weight, bias), _splade_weights(states_b, weight, bias))
                strongest, order = shared.float().topk(min(top_k, len(words)))
                tokens = self.model.tokenizer.convert_ids_to_tokens(words[order].tolist())
                result.append(
                    [(token, round(float(w), 3)) for token, w in zip(tokens, strongest.tolist(), strict=True) if w > 0]
                )
        return result

    def _token_states(self, texts: list[str]) -> list[tuple[object, list[int]]]:
        """Each text's token states after the MLM head's transform (what the output layer reads) and token ids."""
        import torch

        model = self.model[0].auto_model
        body, transform = model.base_model, model.cls.predictions.transform
        found: list[tuple[object, list[int]]] = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                features = self.model.preprocess(texts[start : start + self.batch_size])
                inputs = {k: v.to(self.device) for k, v in features.items() if isinstance(v, torch.Tensor)}
                hidden = transform(body(**inputs).last_hidden_state)
                for row, mask, ids in zip(hidden, inputs["attention_mask"], inputs["input_ids"], strict=True):
                    keep = mask.bool()
                    found.append((row[keep], ids[keep].tolist()))
        return found


def _splade_weights(states, weight, bias):
    """SPLADE's max pooling of log(1 + relu(logit)) over a text's tokens, for the output rows given."""
    return (states @ weight.T + bias).relu().log1p().amax(dim=0)


@process_wide
def load_explainer(path: str, device: str = "auto") -> Explainer:
    """The process-wide explainer for a folder and device."""
    return Explainer(path, device=device)
