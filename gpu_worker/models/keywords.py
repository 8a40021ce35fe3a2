"""Prompt tokenizer, keyword vocabulary and the keyword encoder (averaged learned embeddings)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from gpu_worker.config import KeywordEncoderConfig
from gpu_worker.words import split_words

__all__ = ["KeywordEncoder", "TokenizedPrompt", "Vocabulary", "split_words"]


@dataclass(frozen=True)
class TokenizedPrompt:
    ids: tuple[int, ...]
    keywords: list[str]
    """Words of the prompt the model understood, in prompt order, without repeats."""
    ignored_words: list[str]
    """Words the vocabulary does not hold, in prompt order, without repeats."""


class Vocabulary:
    """Ordered keyword list (index = embedding row), stored as vocab.json."""

    def __init__(self, words: Sequence[str]) -> None:
        words = list(words)
        if not words:
            raise ValueError("the vocabulary needs at least one word")
        for word in words:
            if not isinstance(word, str) or split_words(word) != [word]:
                raise ValueError(f"invalid vocabulary word {word!r}: lower-case, no separators")
        if len(set(words)) != len(words):
            raise ValueError("the vocabulary holds duplicate words")
        self.words: tuple[str, ...] = tuple(words)
        self._ids = {word: index for index, word in enumerate(words)}

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._ids

    def tokenize(self, prompt: str) -> TokenizedPrompt:
        keywords: list[str] = []
        ignored: list[str] = []
        for word in split_words(prompt):
            target = keywords if word in self._ids else ignored
            if word not in target:
                target.append(word)
        return TokenizedPrompt(tuple(self._ids[w] for w in keywords), keywords, ignored)

    def ids(self, words: Iterable[str]) -> tuple[int, ...]:
        """Ids of known words (training data keywords); unknown words raise KeyError."""
        return tuple(self._ids[word] for word in words)

    def multi_hot(self, batch_ids: Sequence[Sequence[int]]) -> torch.Tensor:
        """(batch, vocab) float tensor with 1 at each keyword id: the KeywordEncoder's input.

        An all-zero row selects the learned null (unconditional) embedding.
        """
        weights = torch.zeros(len(batch_ids), len(self.words))
        for row, ids in enumerate(batch_ids):
            weights[row, list(ids)] = 1.0
        return weights

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(list(self.words), indent=0) + "\n")

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        try:
            words = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON: {error}") from error
        if not isinstance(words, list):
            raise ValueError(f"{path} must hold a JSON list of words")
        try:
            return cls(words)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from error


class KeywordEncoder(nn.Module):
    """Mean of the learned embeddings of the given keywords; the learned null embedding when a
    row holds no keyword (the unconditional branch of classifier-free guidance)."""

    def __init__(self, config: KeywordEncoderConfig, vocab_size: int) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(vocab_size, config.embedding_dim)
        self.null_embedding = nn.Parameter(torch.zeros(config.embedding_dim))
        nn.init.normal_(self.embedding.weight, std=0.02)
        nn.init.normal_(self.null_embedding, std=0.02)

    def forward(self, keyword_weights: torch.Tensor) -> torch.Tensor:
        """keyword_weights (batch, vocab) from Vocabulary.multi_hot -> (batch, embedding_dim)."""
        counts = keyword_weights.sum(dim=1, keepdim=True)
        mean = keyword_weights @ self.embedding.weight / counts.clamp_min(1.0)
        return torch.where(counts > 0, mean, self.null_embedding.expand_as(mean))
