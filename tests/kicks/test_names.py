import random

from kicks.names import GERMAN_FIRST_NAMES, PREFIX, pick_kick_name


def test_about_fifty_distinct_german_names():
    assert len(set(GERMAN_FIRST_NAMES)) == len(GERMAN_FIRST_NAMES) == 50


def test_a_name_is_prefixed_and_avoids_taken_names():
    taken = {PREFIX + name for name in GERMAN_FIRST_NAMES[1:]}

    assert pick_kick_name(taken) == PREFIX + GERMAN_FIRST_NAMES[0]


def test_names_stay_unique_once_every_name_is_taken():
    taken: set[str] = set()
    rng = random.Random(3)
    for _ in range(130):
        name = pick_kick_name(taken, rng)
        assert name.startswith(PREFIX) and name not in taken
        taken.add(name)
    assert f"{PREFIX}{GERMAN_FIRST_NAMES[0]} 3" in taken
