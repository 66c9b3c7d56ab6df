from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.agents import doers, misattributed
from bot.counts import cached, counted, misbound

SENTENCE = ("Le CENTCOM a indiqué que deux soldats américains et un civil avaient trouvé la "
            "mort, tandis que trois autres militaires avaient été blessés.")


def test_counted_reads_each_number_with_what_it_counts() -> None:
    assert counted(SENTENCE) == [(2, "soldats américains"), (1, "civil"),
                                 (3, "autres militaires")]
    assert counted("2 soldiers and 1 civilian died, 3 wounded.") == [
        (2, "soldiers"), (1, "civilian"), (3, "wounded")]
    # A number counting nothing it names: "three were wounded", a year.
    assert counted("Three were wounded in 2024.") == []


# What is counted, as the embedder places it: each group of words one direction, the
# soldiers and the other servicemen near each other (as "soldiers" and "militaires").
_AXES = {"soldats américains": 0, "soldiers": 0, "american soldiers": 0, "civil": 1,
         "civilians": 1, "autres militaires": 2, "wounded": 3}


def _embed(texts: Sequence[str]) -> np.ndarray:
    out = np.zeros((len(texts), 32), np.float32)
    for row, text in enumerate(texts):
        # Anything else: a direction of its own.
        axis = _AXES.setdefault(text.lower(), len(set(_AXES.values())) + 8)
        out[row, axis] = 1.0
        if axis in (0, 2):
            out[row, 2 - axis] = 0.8
        out[row] /= np.linalg.norm(out[row])
    return out


def test_a_number_counting_what_the_sentence_counts_with_another_is_misbound() -> None:
    assert misbound("The victims were two soldiers and three civilians", SENTENCE, _embed)
    assert not misbound("Two soldiers and one civilian were killed", SENTENCE, _embed)
    # Closest to the soldiers killed, yet close enough to those counted three as well.
    assert not misbound("Three American soldiers were wounded", SENTENCE, _embed)
    # What the sentence counts nothing like: left to the other checks.
    assert not misbound("3 wounded", SENTENCE, _embed)
    # One number in the sentence: whether it is the claim's is checked elsewhere.
    assert not misbound("Three civilians died", "Un civil est mort.", _embed)



def test_doers_are_what_follows_by_or_par() -> None:
    assert doers(SENTENCE + " L’embuscade a été menée par un combattant de Daech dans "
                 "la zone.") == ["un combattant de Daech"]
    assert doers("It was carried out by two soldiers and a civilian, as reported.") == [
        "two soldiers and a civilian"]


AMBUSH = SENTENCE.replace("blessés.", "blessés lors d’une embuscade menée par un combattant.")
_AXES.update({"civilian": 1, "combattant": 4, "un combattant": 4, "fighter": 4,
              "team": 6, "équipe": 6})


def test_a_doer_the_sentence_counts_among_others_is_misattributed() -> None:
    assert misattributed("The ambush was carried out by two soldiers and a civilian",
                         AMBUSH, _embed)
    assert not misattributed("The ambush was carried out by a fighter", AMBUSH, _embed)
    # The sentence's own subject, written there apart from what it counts, even as
    # close to the soldiers as can be.
    _AXES["centcom"] = 0
    assert not misattributed("The toll was given by le CENTCOM", AMBUSH, _embed)
    assert misattributed("The toll was given by the Centcom", SENTENCE.replace(
        "Le CENTCOM", "Il") + " Selon un communiqué publié par le ministère.", _embed)
    # Counted once: mostly an article, and the doer may well be "une équipe".
    assert not misattributed("It was found by a team", "Une équipe a découvert le fossile, "
                             "selon un article publié par la revue.", _embed)
    # No doer in the sentence: an active sentence gives no evidence.
    assert not misattributed("The ambush was carried out by two soldiers", SENTENCE, _embed)


def test_cached_embeds_each_text_once() -> None:
    asked: list[list[str]] = []

    def embed(texts: Sequence[str]) -> np.ndarray:
        asked.append(list(texts))
        return _embed(texts)

    once = cached(embed)
    first = once(["soldiers", "civil", "soldiers"])
    again = once(["civil", "autres militaires"])
    assert asked == [["soldiers", "civil"], ["autres militaires"]]
    assert np.array_equal(first[0], first[2]) and np.array_equal(first[1], again[0])
