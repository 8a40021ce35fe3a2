"""Display names for generated kicks: "AI: " and a German first name, unique per member."""

from __future__ import annotations

import random
from collections.abc import Collection

PREFIX = "AI: "

GERMAN_FIRST_NAMES: tuple[str, ...] = (
    "Anja",
    "Annegret",
    "Bärbel",
    "Bernd",
    "Birgit",
    "Brigitte",
    "Burkhard",
    "Dagmar",
    "Detlef",
    "Dieter",
    "Elke",
    "Erika",
    "Friedhelm",
    "Gabi",
    "Gerhard",
    "Gisela",
    "Gudrun",
    "Günther",
    "Hannelore",
    "Hans",
    "Heike",
    "Heinz",
    "Helga",
    "Helmut",
    "Hildegard",
    "Horst",
    "Ilse",
    "Ingrid",
    "Jürgen",
    "Karin",
    "Klaus",
    "Liselotte",
    "Lothar",
    "Manfred",
    "Margot",
    "Monika",
    "Norbert",
    "Reinhard",
    "Renate",
    "Rüdiger",
    "Sabine",
    "Siegfried",
    "Sigrid",
    "Ulrike",
    "Ursula",
    "Uwe",
    "Waltraud",
    "Werner",
    "Wolfgang",
    "Ottokar",
)


def pick_kick_name(taken: Collection[str], rng: random.Random | None = None) -> str:
    """A random unused name; once every name is taken, the first free "Name N" (N ≥ 2)."""
    rng = rng or random.SystemRandom()
    free = [PREFIX + name for name in GERMAN_FIRST_NAMES if PREFIX + name not in taken]
    if free:
        return rng.choice(free)
    names = list(GERMAN_FIRST_NAMES)
    rng.shuffle(names)
    suffix = 2
    while True:
        for name in names:
            candidate = f"{PREFIX}{name} {suffix}"
            if candidate not in taken:
                return candidate
        suffix += 1
