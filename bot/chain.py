"""The cited-QA chain (LangChain LCEL):

    prepare → retrieve → decide → generate → verify → validate

Each step is a ``RunnableLambda`` over one state dict, timed on its own. ``decide``
refuses what the article clearly does not cover before any model runs; ``generate``
asks the chat model (or quotes, with no model); ``verify`` checks every claim against
the article and falls back to quoting when the model fails; ``validate`` makes the
``[n]`` markers and the citations agree.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from langchain_core.runnables import Runnable, RunnableLambda

from bot.answer_type import holds_kind
from bot.calibration import Thresholds
from bot.citations import MARKER, validate_citations
from bot.conversation import Conversation, Turn
from bot.exonyms import in_english
from bot.extractive import extractive_answer, supporting_hits
from bot.facts import content_words, name_known, names_cited, names_in, same_word, unwritten_names
from bot.followup import is_follow_up, repeats_previous, search_queries, standalone_query
from bot.generate import Generator, TokenSink, declined
from bot.identity import (
    doer_asked,
    holder_asked,
    introduced_first,
    people,
    person_asked,
    pronoun_subject,
    role_words,
    without_name,
)
from bot.inputs import clean_question
from bot.judge import Evidence, Judge
from bot.lang import Detector
from bot.messages import message
from bot.offices import ROLE_WORD_BAR, elided, office_words
from bot.overview import asks_overview, lede
from bot.polar import asks_yes_no
from bot.probe import Probe
from bot.roles import (
    COPY_DECIDES,
    choices,
    copies_held,
    counts_people,
    disagrees,
    says_none,
    slot_of,
)
from bot.types import Answer, Citation, Lang
from bot.verify import Verdict, claims_of, copies_whole, verify
from index.retriever import Retriever
from index.types import Hit, Sentence

log = logging.getLogger(__name__)
_MIXED = "verified, with words of the article's language"

State = dict[str, Any]


def _timed(name: str, step: Callable[[State], State]) -> Runnable[State, State]:
    def run(state: State) -> State:
        started = time.perf_counter()
        out = step(state)
        out["timings_ms"] = {**state.get("timings_ms", {}),
                             name: (time.perf_counter() - started) * 1000}
        return out

    return RunnableLambda(run, name=name)


@dataclass
class CitedQA:
    """The chain's steps and what they need; ``runnable`` wires them with LCEL."""

    retriever: Retriever
    detector: Detector
    thresholds: Thresholds
    generator: Generator | None = None
    top_k: int = 5
    max_citations: int = 2
    max_question_chars: int = 1000
    llm_sentences: int = 4
    # Asks the answer model whether the cited sentences state the verified answer; runs
    # when ``thresholds.judge`` is set. Built from the generator unless given.
    judge: Judge | None = None
    # Asks the answer model whether a sentence gives the number, date, place or name
    # asked for (for the kinds ``thresholds.probe`` has a bar for), and which of a
    # sentence's numbers or dates answers (``bot/roles.py``). Built from the generator
    # unless given.
    probe: Probe | None = None
    # Whether an answer giving another of its sentence's numbers (dates) than the one
    # the probe copies is treated as failing its check.
    check_roles: bool = True
    # Whether a claim's numbers must count what its sentence counts with them
    # (``bot/counts.py``: "two soldiers and three civilians" of "deux soldats et un civil
    # … trois autres militaires"), and its doer be no one the sentence counts
    # (``bot/agents.py``: "carried out by two soldiers and a civilian").
    check_counts: bool = True

    def __post_init__(self) -> None:
        if self.judge is None and self.generator is not None:
            self.judge = Judge(self.generator.model, self.generator.system_text,
                               self.generator.history_turns)
        if self.probe is None and self.generator is not None:
            self.probe = Probe(self.generator.model, self.generator.system_text,
                               self.thresholds.probe)
        langs = Counter(s.lang for s in self.retriever.index.manifest.sources)
        self.article_lang: Lang = "en" if langs.most_common(1)[0][0] == "en" else "fr"
        self._doc_lang = {s.id: s.lang for s in self.retriever.index.manifest.sources}
        self._texts: tuple[object, dict[str, str]] = (None, {})
        self._vocabulary_vectors: tuple[object, str, np.ndarray] = (None, "", np.zeros(0))

    # -- steps ---------------------------------------------------------------------------

    def prepare(self, state: State) -> State:
        conv: Conversation = state["conversation"]
        fallback = conv.forced_lang or conv.last_language or self.article_lang
        clean = clean_question(state["question"], self.max_question_chars, fallback)
        # The question's own language, when the detector tells it whatever the fallback:
        # not for a Spanish question, answered in the article's language.
        detected: dict[Lang, Lang] = {f: self.detector.detect(clean.text, f)
                                      for f in ("fr", "en")}
        own = detected["fr"] if detected["fr"] == detected["en"] else None
        lang = conv.forced_lang or detected[fallback]
        notices = [message("truncated", lang, limit=self.max_question_chars)] * clean.truncated
        query = standalone_query(clean.text, conv)
        return {**state, "question": clean.text, "query": query,
                "queries": search_queries(clean.text, conv), "language": lang,
                "question_language": own,
                "notices": notices, "follows_up": is_follow_up(clean.text)}

    def retrieve(self, state: State) -> State:
        hits = self.retriever.search(state["queries"], self.top_k)
        # "Qui est Marco Rubio ?" ranks first a sentence on what he did; the one where
        # the article first names him says who he is (bot/identity.py).
        hits, introduced = introduced_first(state["question"], hits,
                                            self.retriever.index.sentences, self.top_k)
        if hits and not introduced and asks_overview(state["question"]):
            # "What is this article about?": no sentence is about "the article", and
            # every one scores low; the lede says what the article is about
            # (bot/overview.py). The question's form, not its words, picks the hits.
            lead = lede(self.retriever.index.sentences, hits[0].sentence.doc_id)
            score = hits[0].score
            hits = [Hit(s, score, rank) for rank, s in enumerate(lead)]
            return {**state, "hits": hits, "introduced": False, "overview": True}
        return {**state, "hits": hits, "introduced": introduced}

    def decide(self, state: State) -> State:
        hits = state["hits"]
        doc_lang = self._doc_lang.get(hits[0].sentence.doc_id, self.article_lang) if hits else ""
        # What quoting alone needs; also the bar for quoting when the model cannot answer.
        quote_bar = self.thresholds.for_pair(state["language"], doc_lang)
        # With a model to judge the sentences, the gate only keeps out the off-topic;
        # quoting alone, it must also turn away what is merely close.
        threshold = self.thresholds.for_pair(state["language"], doc_lang,
                                             gate=self.generator is not None)
        support = supporting_hits(hits, threshold, self.max_citations)
        if state.get("overview"):
            # Quoted whatever their scores: the lede is what was asked for.
            return {**state, "support": hits, "quote_bar": hits[0].score,
                    "cross_language": state["language"] != doc_lang}
        own_lang = state.get("question_language")
        if support and (unwritten := self._unwritten(state, hits[0].sentence.doc_id,
                                                     own_lang == doc_lang)):
            return {**state, "support": [], "unwritten": unwritten, "quote_bar": quote_bar,
                    "cross_language": False}
        if not support and state.get("introduced") and self.generator is not None:
            # "Who is Donald Trump?" scores 0.27 against the sentence naming him: it is
            # about condolences. The name written there word for word is the evidence
            # the score misses; the model's answer is still verified against it.
            support = hits[:1]
        return {**state, "support": support, "quote_bar": quote_bar,
                "cross_language": state["language"] != doc_lang}

    def generate(self, state: State) -> State:
        if not state["support"] or self.generator is None:
            return {**state, "draft": None}
        # Asked who someone is, the model is pointed at where the article introduces
        # them: shown more, it answered "Quel est le rôle d'Asaad al-Shaibani ?" with
        # what he called the attack.
        top = state["hits"][: 1 if state.get("introduced") else self.llm_sentences]
        hint: list[int] = []
        if self.generator.article:
            # The whole article is in the cached prefix: the model reads it all, and
            # retrieval only points at the likeliest sentences.
            numbered = list(self.generator.article)
            hint = sorted(n for h in top if (n := self.generator.number_of(h.sentence.id)))
        else:
            numbered = sorted((h.sentence for h in top), key=lambda s: (s.doc_id, s.n))
        if asks_yes_no(state["question"]):
            # The 1.5B model cannot say yes or no (``bot/polar.py``): the sentence that
            # settles it is quoted, in the reader's language.
            return {**state, "draft": None, "numbered": numbered, "polar": True}
        on_token: TokenSink | None = state.get("on_token")
        history = self._history(state)
        try:
            draft = self.generator.generate(state["question"], state["language"], numbered,
                                            history, on_token, hint)
            if history and repeats_previous(state["question"], draft.text,
                                            state["conversation"]):
                # Shown the earlier exchange, a small model often answers it again ("What
                # did he pass on to him?" → "Marco Rubio was called by al-Shaibani").
                # Asked the two questions as one, as retrieval searched them, it answers
                # both; the follow-up alone, it cannot tell whom "he" means. Not
                # streamed: the draft on screen is replaced by the verified answer.
                draft = self.generator.generate(state["query"], state["language"],
                                                numbered, [], None, hint)
        except Exception as e:  # noqa: BLE001 - any model failure falls back to quoting
            log.warning("answer model failed: %s: %s", type(e).__name__, e)
            return {**state, "draft": None, "model_error": f"{type(e).__name__}: {e}"}
        return {**state, "draft": draft.text, "sentinel_prob": draft.sentinel_prob,
                "numbered": numbered, "eligible": [n - 1 for n in hint] if hint else None}

    def verify(self, state: State) -> State:
        lang: Lang = state["language"]
        if not state["support"]:
            return self._refuse(state, "name_unwritten" if state.get("unwritten")
                                else "not_retrieved")
        draft: str | None = state.get("draft")
        notices = list(state["notices"])
        # Calibrated on the whole-article layout only (bench/calibrate.py --decline).
        decline = self.thresholds.decline if self.generator and self.generator.article else None
        prob: float | None = state.get("sentinel_prob")
        if state.get("introduced") or state.get("overview"):
            # Weighed on the retrieval score, which for who someone is measures the
            # sentence's topic, not that it names them (see ``decide``), and for what
            # the article is about, nothing.
            decline = None
        if draft is not None and prob is not None and decline is not None and not decline.answers(
                state["support"][0].score, prob, state["cross_language"]):
            # Retrieval and the model's leaning towards the sentinel, weighed together as
            # calibrated: a near miss is close in topic, and the model half-declines it.
            return self._refuse(state, "calibrated_decline")
        if draft is not None and declined(draft):
            # The sentinel may turn away what quoting alone would also doubt, not an
            # answer the calibrated retrieval is sure of: a 1.5B model declines some
            # plain questions ("Qui est mort près de Palmyre ?"), so those are quoted.
            if state["support"][0].score < state["quote_bar"]:
                return self._refuse(state, "model_declined")
            draft = None
        # A verified answer that copies words of the article's language ("the minister
        # syrien of affairs foreign"): shown only if neither the retry nor a translated
        # quote says it in the reader's words.
        mixed: Verdict | None = None
        if draft is not None:
            result, of_kind = self._check(state, draft, state.get("eligible"))
            if result.citations and of_kind and self._in_language(state, result):
                return self._accept(state, result, f"verified (dropped {result.dropped}, "
                                                   f"repaired {result.repaired})")
            if result.citations and of_kind and self.detector.detect(result.answer,
                                                                      lang) == lang:
                mixed = result
            elif not result.citations or of_kind:
                bar = self.thresholds.name_bar if result.invented else state["quote_bar"]
                if state["support"][0].score < bar and not state.get("overview"):
                    # The model could only say things the sentences do not; when it made
                    # up numbers or names, most likely they do not hold the answer either.
                    return self._invented(state)
                notices.append(message("model_unverified", lang))
        elif "model_error" in state:
            notices.append(message("model_failed", lang))
        quoted = self._quotable(state)
        if not quoted:
            if mixed is not None:
                return self._accept(state, mixed, _MIXED)
            return self._refuse({**state, "notices": notices}, "not_quotable")
        if state.get("polar") and not (quoted := self._settling(state, quoted)):
            return self._refuse(state, "unsettled")
        if draft is not None and (again := self._answer_from(state, quoted)) is not None:
            return again if mixed is None or again.get("citations") \
                else self._accept(state, mixed, _MIXED)
        word = self._leaning(state, quoted[0]) if state.get("polar") else None
        quoted = self._with_antecedents(state, quoted)
        text, citations = extractive_answer(quoted, lang)
        if "numbered" in state and state["cross_language"]:
            # (Only a model that answered, or was not asked, is asked to translate.)
            translated = self._translated(state, quoted)
            if translated is None and mixed is not None:
                return self._accept(state, mixed, _MIXED)
            text = translated or text
        if word:
            text = f"{message(word, lang)} {text}"
        return {**state, "answer": text, "citations": citations, "notices": notices}

    def _translated(self, state: State, quoted: list[Hit]) -> str | None:
        """The quote's sentences in the reader's language, each rendering verified
        against its sentence like an answer: "Which international partner did
        al-Shaibani single out?" was answered with a French sentence whose "en
        particulier les États-Unis" an English reader may not read. None when a
        rendering drops, adds or moves a fact: the verbatim quote stands. The quote
        stays in the citations."""
        if self.generator is None or not self.generator.article:
            return None
        numbered: list[Sentence] = state["numbered"]
        ordered = sorted(quoted, key=lambda h: (h.sentence.doc_id, h.sentence.n))
        parts = []
        for n, hit in enumerate(ordered, start=1):
            row = next((i for i, s in enumerate(numbered) if s.id == hit.sentence.id), None)
            if row is None:
                return None
            try:
                rendering = self.generator.translate(hit.sentence, state["language"])
            except Exception as e:  # noqa: BLE001 - the quote stands
                log.warning("answer model failed to translate: %s: %s", type(e).__name__, e)
                return None
            if not rendering or declined(rendering):
                return None
            result = self._verify(state, rendering,
                                  self._claim_similarity(numbered, [row]), [row])
            if result.dropped or [c.id for c in result.citations] != [hit.sentence.id] \
                    or not self._in_language(state, result):
                return None
            parts.append(MARKER.sub(f"[{n}]", result.answer))
        return " ".join([message("translated_intro", state["language"]), *parts])

    def _quotable(self, state: State) -> list[Hit]:
        """The hits quoting alone would quote: the gate before a model is lower. Asked
        who someone is, only where they are introduced (as the model was pointed)."""
        support = state["support"][: 1 if state.get("introduced") else None]
        return [h for h in support if h.score >= state["quote_bar"]
                and holds_kind(state["question"], [h.sentence.text])
                and self._gives(state, [h.sentence])]

    def _settling(self, state: State, quoted: list[Hit]) -> list[Hit]:
        """Of the sentences to quote for a yes-or-no question, the one the model is
        likeliest to find says yes or no, if it is surer than the calibrated bar; none
        otherwise.

        Retrieval scores what is on the question's topic: "Donald Trump a-t-il répondu
        aux condoléances ?" finds the sentence passing him the condolences (0.57), which
        says nothing of a reply. Asked of each sentence alone whether it says yes, no or
        neither, the model separates the sentences that settle a question from those
        that merely share its words better than retrieval does (``bench/
        calibrate_polar.py``).
        """
        bar = self.thresholds.polar
        if self.probe is None or bar is None:
            return quoted
        # A follow-up is read after the question it follows, as retrieval reads it.
        asked = state["query"] if state.get("follows_up") else state["question"]
        try:
            scored = [(self.probe.p_settles(asked, h.sentence.text), h) for h in quoted]
        except Exception as e:  # noqa: BLE001 - a failing probe leaves the quote
            log.warning("answer probe failed: %s: %s", type(e).__name__, e)
            return quoted
        known = [(p, h) for p, h in scored if p is not None]
        if not known:
            return quoted  # a model that cannot say how sure it is
        p, best = max(known, key=lambda pair: pair[0])
        return [best] if p >= bar else []

    def _in_language(self, state: State, result: Verdict) -> bool:
        """Whether the verified answer is in the reader's language, and, across
        languages, copies no word of its sentences that is surely of theirs: "Asaad
        al-Shaibani is the minister syrien of affairs foreign [1]" reads as English to a
        detector, not to a reader."""
        lang: Lang = state["language"]
        if self.detector.detect(result.answer, lang) != lang:
            return False
        return not state.get("cross_language") or not self.detector.copied_words(
            result.answer, " ".join(c.text for c in result.citations), lang)

    def _with_antecedents(self, state: State, quoted: list[Hit]) -> list[Hit]:
        """For a question asking who did something, each quoted sentence whose subject
        is a pronoun quoted after the sentence before it, which says whom it means:
        "Qui a fait parvenir à Rubio les condoléances du président syrien ?" was
        answered « Il a également transmis au secrétaire d'État américain les
        condoléances… », and the reader never learnt who "il" is."""
        if not doer_asked(state["question"]):
            return quoted
        ids = {h.sentence.id for h in quoted}
        out = []
        for h in quoted:
            before = self.retriever.index.get(f"{h.sentence.doc_id}:{h.sentence.n - 1}") \
                if pronoun_subject(h.sentence.text) else None
            if before is not None and before.id not in ids:
                out.append(Hit(before, h.score, h.rank))
                ids.add(before.id)
            out.append(h)
        return out

    def _unwritten(self, state: State, doc_id: str, same_language: bool) -> list[str]:
        """What the question is about that the article of its best hit does not write:
        a name, or a word qualifying an office; then nothing the sentences say answers
        it, however close they are."""
        if same_language and (names := unwritten_names(state["question"],
                                                       self._article_text(doc_id))):
            # "Pourquoi la Russie a-t-elle condamné l'opération… ?" of an article that
            # never names Russia. Not across languages, where a name may be translated
            # ("Museum" for "musée"; see the README), nor for a question in a third one
            # ("¿… cerca de Palmira?").
            return names
        # "What did the Syrian defence minister say?" of an article naming only its
        # foreign minister: what he said is close, and the model restates the premise.
        return self._unwritten_office(state, doc_id, same_language)

    def _unwritten_office(self, state: State, doc_id: str, same_language: bool) -> list[str]:
        """The words qualifying an office the question names that the article does not
        write (``same_word``: "syrien" and "syrienne") nor, for a question in another
        language, translate (its closest word of the article's at least
        ``ROLE_WORD_BAR``: "foreign" and "étrangères") (``bot/offices.py``)."""
        # Read in the question's own language, whatever the reply's (``/lang en``).
        asked_in = state.get("question_language") or state["language"]
        words = office_words(state["question"], french=asked_in == "fr")
        vocabulary = self._vocabulary(doc_id) if words else []
        missing = [w for w in words if not any(same_word(w, v) for v in vocabulary)]
        if not missing or not vocabulary or same_language:
            # In one language, a word the article does not write is not in it: a French
            # word is as close as 0.65 to some unrelated French word of the article.
            return missing
        embedder = self.retriever.embedder
        index = self.retriever.index
        if self._vocabulary_vectors[:2] != (index, doc_id):  # one article's at a time
            self._vocabulary_vectors = (index, doc_id,
                                        np.asarray(embedder.embed_documents(vocabulary)))
        vectors = self._vocabulary_vectors[2]
        closest = (np.asarray(embedder.embed_documents(missing)) @ vectors.T).max(axis=1)
        return [w for w, sim in zip(missing, closest, strict=True) if sim < ROLE_WORD_BAR]

    def _vocabulary(self, doc_id: str) -> list[str]:
        return sorted(elided(content_words(self._article_text(doc_id))))

    def _article_text(self, doc_id: str) -> str:
        """The text of one indexed article, its sentences joined (built once)."""
        index = self.retriever.index
        if self._texts[0] is not index:
            parts: dict[str, list[str]] = {}
            for s in index.sentences:
                parts.setdefault(s.doc_id, []).append(s.text)
            self._texts = (index, {d: " ".join(texts) for d, texts in parts.items()})
        return self._texts[1].get(doc_id, "")

    def _leaning(self, state: State, quoted: Hit) -> str | None:
        """The yes or no the model reads in the sentence quoted for a yes-or-no question,
        when it prefers one to the other by that word's calibrated ratio (``bench/
        calibrate_polar.py``, which stores none for the 1.5B model: it reads "yes" in
        sentences that do not settle the question). The message key ("polar_yes",
        "polar_no"), or None."""
        ratios = (self.thresholds.polar_yes, self.thresholds.polar_no)
        if self.probe is None or ratios == (None, None):
            return None
        asked = state["query"] if state.get("follows_up") else state["question"]
        try:
            settled = self.probe.settles(asked, quoted.sentence.text)  # cached by _settling
        except Exception as e:  # noqa: BLE001 - the quote answers alone
            log.warning("answer probe failed: %s: %s", type(e).__name__, e)
            return None
        word = settled.leans(*ratios) if settled is not None else None
        return f"polar_{word}" if word else None

    def _invented(self, state: State) -> State:
        """Refused, an answer that made up a number or a name, unless the model, pointed
        at the sentences quoting would quote, answers from them verifiably.

        Shown the whole article, "Avec quel pays la Syrie se rapproche-t-elle ?" got
        "du Canada": made up, though the sentence on the rapprochement between Syria and
        the United States scored 0.50, above the quoting bar and under the name bar. An
        invention stays a sign the sentences lack the answer: what the retry does not
        verify is refused, not quoted.
        """
        if quoted := self._quotable(state):
            # Verified with a word of the article's language ("the support apporté by
            # Washington") is better than refused: no quote stands in for it here.
            again = self._answer_from(state, quoted, mixed_ok=True)
            if again is not None and again.get("citations"):
                return again
        return self._refuse(state, "model_unsupported")

    def _check(self, state: State, draft: str, eligible: list[int] | None
               ) -> tuple[Verdict, bool]:
        """``draft`` verified claim by claim against the numbered sentences, emptied when
        it says nothing new or nothing asked; and whether it holds the kind of fact asked."""
        numbered = state["numbered"]
        similarity = self._claim_similarity(numbered, eligible)
        if state.get("introduced"):
            similarity = self._near_name(state, numbered, similarity)
        result = self._verify(state, draft, similarity, eligible)
        if result.citations and repeats_previous(state["question"], result.answer,
                                                 state["conversation"]):
            # The earlier question answered again: nothing is said about this one.
            result = replace(result, answer="", citations=[])
        if result.citations and not state.get("overview") \
                and self._off_question(state["query"], result.answer):
            # Verified against the article, yet about something else: "How many people
            # live in Palmyra?" → "the attack aimed to hinder the rapprochement of the
            # two countries [1]" answers nothing that was asked.
            result = replace(result, answer="", citations=[])
        if result.citations and self._copies_unquotable(state, result):
            # A sentence copied whole is a quote, and quoting alone would not quote it:
            # "Qui dirige le Commandement central américain ?" got the sentence on what
            # CENTCOM reported (0.37, under the quoting bar of 0.38).
            result = replace(result, answer="", citations=[])
        if result.citations and self._passed_over(state["query"], state["hits"],
                                                  result.citations):
            # Retrieval's best sentence left aside for one it ranks far lower: "What did
            # he reaffirm?" answered from the parties' commitment (0.35) over Rubio's
            # reaffirmed support (0.53). Quoting the best sentence is then likelier right,
            # unless that sentence says the answer too: then it is the one to cite.
            result = self._onto_best(state, draft, similarity) or replace(
                result, answer="", citations=[])
        # Asked for a number, a date, a place or a name, an answer giving none is on
        # topic and still no answer ("how many cells were dismantled?"); quoting may
        # yet find a sentence that holds one.
        of_kind = holds_kind(state["question"], [c.text for c in result.citations],
                             result.answer) and self._gives(state, result.citations)
        if result.citations and of_kind and self._wrong_role(state, result):
            # "How many soldiers were wounded?" → "Two [1]", where [1] says two died and
            # three were wounded: the sentence holds the answer, the claim took another.
            result = replace(result, answer="", citations=[])
        if result.citations and of_kind and self._wrong_holder(state, result):
            # "Qui est le président américain cité ?" → "Ahmed al-Charaa [1]", where [1]
            # names "le président syrien Ahmed al-Charaa" and "son homologue américain,
            # Donald Trump": the name in the answer is not the one the role describes.
            result = replace(result, answer="", citations=[])
        return result, of_kind

    def _verify(self, state: State, draft: str,
                similarity: Callable[[list[str]], np.ndarray], eligible: list[int] | None
                ) -> Verdict:
        # A follow-up's answer may restate the question it follows as well as its own.
        asked = state["query"] if state.get("follows_up") else state["question"]
        return verify(draft, state["numbered"], state["question"], similarity=similarity,
                      bar=self.thresholds.claim_bar, name_bar=self.thresholds.name_bar,
                      eligible=eligible, asked=asked,
                      embed=self.retriever.embedder.embed_documents if self.check_counts
                      else None)

    def _onto_best(self, state: State, draft: str,
                   similarity: Callable[[list[str]], np.ndarray]) -> Verdict | None:
        """``draft`` verified against retrieval's best sentence alone, when that sentence
        is as close to each claim as the one the claim cites.

        "Near which ancient city did the attack happen?" → "near the ancient city of
        Palmyre [7]": the ambush sentence names Palmyra too (0.46), the best hit, which
        names the ancient city, says it better (0.51). The answer is right, its citation
        the neighbour's; an answer drawn from another fact stays closer to its own.
        """
        numbered: list[Sentence] = state["numbered"]
        best = next((i for i, s in enumerate(numbered)
                     if s.id == state["hits"][0].sentence.id), None)
        claims = claims_of(draft)
        if best is None or not claims:
            return None
        for claim, row in zip(claims, similarity([c.text for c in claims]), strict=True):
            cited = [n - 1 for n in claim.cited if 0 < n <= len(numbered)]
            if cited and row[best] < max(row[i] for i in cited):
                return None
        again = self._verify(state, draft, similarity, [best])
        if not again.citations or self._off_question(state["query"], again.answer):
            return None
        return again

    def _accept(self, state: State, result: Verdict, verdict: str) -> State:
        """The verified answer, unless the support judge (when calibrated) doubts it."""
        p_yes = self._judge(state, result.answer, result.citations)
        if p_yes is not None and self.thresholds.judge is not None \
                and p_yes < self.thresholds.judge:
            # Close to a sentence and inventing nothing, yet that sentence does not say
            # it: a topical sentence quoted for a near miss.
            return {**self._refuse(state, "judge_unsupported"), "judge_p": p_yes}
        return {**state, "judge_p": p_yes, "answer": result.answer,
                "citations": result.citations, "verdict": verdict}

    def _answer_from(self, state: State, quoted: list[Hit], mixed_ok: bool = False
                     ) -> State | None:
        """The model asked once more, pointed at the sentences about to be quoted only.

        Its answer failed, yet retrieval is sure enough to quote: a quote of a French
        sentence answers an English reader in the wrong language. Shown the whole
        article, the model had answered from another sentence ("What did he reaffirm?"
        from the parties' commitment); pointed at the one to quote, it can say it in
        the reader's words. Whatever fails its check again is quoted, as before, unless
        the kind of fact asked for is missing from the answer itself: then it is refused.
        """
        if self.generator is None or not self.generator.article:
            return None
        hint = sorted(n for h in quoted if (n := self.generator.number_of(h.sentence.id)))
        try:
            # Like the repeated-answer retry: the questions as one, no exchange, not
            # streamed (the draft on screen is replaced by the answer).
            draft = self.generator.generate(state["query"], state["language"],
                                            state["numbered"], [], None, hint)
        except Exception as e:  # noqa: BLE001 - the quote stands
            log.warning("answer model failed on retry: %s: %s", type(e).__name__, e)
            return None
        if declined(draft.text):
            return None
        if not holds_kind(state["question"], [MARKER.sub("", draft.text)]):
            # Asked for a name (a number, a date, a place) and pointed at the very
            # sentence to quote, the model wrote none: "The civilian who died is [7]." The
            # quote would not hold one either, only the words around where it would be.
            # Unless the probe, asked the narrow question, copies it from that sentence:
            # "Et combien de soldats y sont morts ?" got the place of the question it
            # follows again, and the copy "2".
            if self._copies_fact(state, quoted):
                return None
            return self._refuse(state, "retry_found_none")
        result, of_kind = self._check(state, draft.text, [n - 1 for n in hint])
        if not (result.citations and of_kind):
            return None
        if not self._in_language(state, result):
            if mixed_ok and self.detector.detect(result.answer, state["language"]) \
                    == state["language"]:
                return self._accept(state, result, _MIXED)
            return None
        return self._accept(state, result, "verified on the sentence to quote")

    def _claim_similarity(self, numbered: list[Sentence],
                          eligible: list[int] | None) -> Callable[[list[str]], np.ndarray]:
        """The cosine of answer claims with the numbered sentences, as ``verify`` wants it.

        An untitled index holds the very vectors the claim bar was calibrated on. A
        titled one does not: each vector holds its article's title, and a claim embedded
        under that title shares it, so that "La réponse est dans la citation [1]" came
        out as close to a sentence on tennis as a real answer. There the sentences that
        may support a claim are embedded again, untitled, like the claims.
        """
        index, embedder = self.retriever.index, self.retriever.embedder
        if index.title_of(numbered[0].doc_id) is None:
            vectors = index.vectors([s.id for s in numbered])
            return lambda claims: embedder.embed_documents(claims) @ vectors.T
        # Only those may support a claim (verify's ``eligible``): in a whole-corpus
        # prompt that is a few sentences, not all of them.
        rows = list(range(len(numbered))) if eligible is None else sorted(set(eligible))

        def similarity(claims: list[str]) -> np.ndarray:
            # One batch, claims and sentences; a second call (trimmed dates, rare) embeds
            # the few sentences again rather than keep them between calls.
            both = embedder.embed_documents([*claims, *(numbered[i].text for i in rows)])
            out = np.full((len(claims), len(numbered)), -1.0, dtype=np.float32)
            out[:, rows] = both[: len(claims)] @ both[len(claims):].T
            return out

        return similarity

    def _near_name(self, state: State, numbered: list[Sentence],
                   similarity: Callable[[list[str]], np.ndarray]
                   ) -> Callable[[list[str]], np.ndarray]:
        """``similarity`` where a claim on who someone is may also match, without the
        name, the words the sentence introducing them writes before their name
        (``bot/identity.py``)."""
        first = state["hits"][0].sentence
        name = person_asked(state["question"])
        words = role_words(name, first.text) if name else None
        col = next((i for i, s in enumerate(numbered) if s.id == first.id), None)
        if name is None or words is None or col is None:
            return similarity
        embedder = self.retriever.embedder

        def with_role(claims: list[str]) -> np.ndarray:
            out = similarity(claims)
            vectors = embedder.embed_documents([*(without_name(name, c) for c in claims),
                                                words])
            out[:, col] = np.maximum(out[:, col], vectors[:-1] @ vectors[-1])
            return out

        return with_role

    def _off_question(self, query: str, answer: str) -> bool:
        """Whether ``answer`` is further from ``query`` than the calibrated relevance bar,
        both embedded as retrieval embeds a question and a sentence."""
        bar = self.thresholds.relevance
        if bar is None:
            return False
        embedder = self.retriever.embedder
        answer_vec = embedder.embed_documents([MARKER.sub("", answer)])[0]
        return float(np.asarray(embedder.embed_query(query)) @ answer_vec) < bar

    def _copies_unquotable(self, state: State, result: Verdict) -> bool:
        """Whether a claim of ``result`` is its cited sentence copied whole while
        retrieval scores that sentence under the quoting bar. Not for who someone is:
        there the name written, not the score, picks the sentence (``decide``)."""
        if state.get("introduced"):
            return False
        scores = {h.sentence.id: h.score for h in state["hits"]}
        cited = {c.n: c for c in result.citations}
        return any(copies_whole(claim.text, c.text)
                   and scores.get(c.id, -1.0) < state["quote_bar"]
                   for claim in claims_of(result.answer)
                   for n in claim.cited if (c := cited.get(n)) is not None)

    def _passed_over(self, query: str, hits: Sequence[Hit],
                     citations: Sequence[Citation]) -> bool:
        """Whether the answer cites neither retrieval's best sentence nor one within the
        calibrated gap of it (unless, as calibrated, its sentences write every name the
        question does: then the model chose among sentences on the same subject)."""
        gap = self.thresholds.rank_gap
        if gap is None or not hits:
            return False
        if self.thresholds.rank_gap_spares_named and names_cited(
                query, [c.text for c in citations]):
            return False
        scores = {h.sentence.id: h.score for h in hits}
        best_cited = max(scores.get(c.id, -1.0) for c in citations)
        return hits[0].score - best_cited > gap

    def _gives(self, state: State, sentences: Sequence[Citation | Sentence]) -> bool:
        """Whether the probe finds, in one of ``sentences``, the fact asked for: a
        topical sentence holding a number is no answer to "how many were deployed?"."""
        if self.probe is None:
            return True
        # A follow-up is read after the question it follows, as retrieval reads it.
        asked = state["query"] if state.get("follows_up") else ""
        return any(self.probe.gives(state["question"], s.text, asked)
                   and not self._copies_none(state, s.text) for s in sentences)

    def _copies_none(self, state: State, sentence: str) -> bool:
        """Whether, asked which of ``sentence``'s numbers answers, the probe copies none
        (``bot/roles.py``): "Combien de soldats syriens ont été tués ?" of the sentence
        on two American soldiers and a civilian killed, three wounded."""
        slot = slot_of(state["question"])
        # Not for a follow-up: "And how many were wounded?" of the sentence saying three
        # were, the copy said NONE asked alone and after the question it follows alike.
        if self.probe is None or not self.check_roles or slot not in COPY_DECIDES \
                or state.get("follows_up") or choices(slot, sentence) < 2 \
                or counts_people(state["question"]):
            return False
        # Asked as the role check asks: the copy is cached.
        copied = self._copy(state["question"], sentence, slot)
        return copied is not None and says_none(copied)

    def _copies_fact(self, state: State, hits: Sequence[Hit]) -> bool:
        """Whether the probe copies, from one of ``hits``, a number it states as the
        answer (``bot/roles.py``: for numbers the copy decides)."""
        slot = slot_of(state["question"])
        if self.probe is None or not self.check_roles or slot not in COPY_DECIDES:
            return False
        for h in hits:
            copied = self._copy(state["question"], h.sentence.text, slot)
            if copied is not None and copies_held(slot, h.sentence.text, copied):
                return True
        return False

    def _copy(self, question: str, sentence: str, slot: str) -> str | None:
        """The probe's copy of the ``slot`` answering ``question`` from ``sentence``; None
        when the probe fails (the answer is then left alone)."""
        if self.probe is None:
            return None
        try:
            return self.probe.copy(question, sentence, slot)
        except Exception as e:  # noqa: BLE001 - a failing probe leaves the answer
            log.warning("answer probe failed: %s: %s", type(e).__name__, e)
            return None

    def _wrong_role(self, state: State, result: Verdict) -> bool:
        """Whether the answer gives another of its sentences' numbers (dates) than the
        one the probe copies from them as the answer, and none the probe copies."""
        slot = slot_of(state["question"])
        if self.probe is None or not self.check_roles or slot is None:
            return False
        # A follow-up alone, unlike the probe's P(NONE): read after the question it
        # follows, "…rejoint la coalition ? Et quand a-t-elle été créée ?" is copied the
        # date of the first question. The sentence quoted says what "elle" is.
        asked = state["question"]
        verdicts = []
        for c in result.citations:
            if choices(slot, c.text) < 2:
                continue  # one number (date): nothing to choose from
            copied = self._copy(asked, c.text, slot)
            if copied is None:
                return False
            verdicts.append(disagrees(slot, result.answer, c.text, copied))
        return True in verdicts and False not in verdicts

    def _wrong_holder(self, state: State, result: Verdict) -> bool:
        """Whether, asked who holds a role, the answer names someone a cited sentence
        introduces in words further from the question than another person it names
        (``bot/identity.py``)."""
        question = state["question"]
        if not holder_asked(question):
            return False
        given = [n for n in names_in(MARKER.sub("", result.answer))
                 if not name_known(n, question)]
        embedder = self.retriever.embedder
        for c in result.citations:
            found = [(any(name_known(g, name) for g in given), words)
                     for name, words in people(c.text)
                     if not any(name_known(w, question) for w in name.split())]
            if not any(mine for mine, _ in found) or all(mine for mine, _ in found):
                continue
            scores = embedder.embed_documents([words for _, words in found]) \
                @ np.asarray(embedder.embed_query(question))
            best = max(range(len(found)), key=lambda i: scores[i])
            if not found[best][0]:
                return True
        return False

    def _judge(self, state: State, answer: str, citations: list[Citation]) -> float | None:
        if self.judge is None or self.generator is None or self.thresholds.judge is None:
            return None
        if self.generator.article:
            # The article is in the cached prefix: point at the sentences by number.
            evidence = [Evidence(n) for c in citations
                        if (n := self.generator.number_of(c.id)) is not None]
        else:
            evidence = [Evidence(c.n, c.text) for c in citations]
        try:
            return self.judge.p_yes(state["question"], answer, evidence, self._history(state))
        except Exception as e:  # noqa: BLE001 - a failing judge leaves the verified answer
            log.warning("support judge failed: %s: %s", type(e).__name__, e)
            return None

    @staticmethod
    def _history(state: State) -> list[Turn]:
        """The earlier turns the model sees: only for a follow-up, as retrieval does. A
        new question after an unrelated exchange confused the small model ("Who called
        Marco Rubio?" after a question on the security operation: "not in the article",
        while alone it is answered)."""
        conv: Conversation = state["conversation"]
        return list(conv.turns) if state.get("follows_up", True) else []

    @staticmethod
    def _refuse(state: State, verdict: str = "not_retrieved") -> State:
        return {**state, "answer": message("not_in_article", state["language"]),
                "citations": [], "verdict": verdict}

    def validate(self, state: State) -> State:
        def lookup(sentence_id: str) -> str | None:
            s = self.retriever.index.get(sentence_id)
            return s.text if s else None

        text, citations = validate_citations(state["answer"], state["citations"], lookup)
        if state["citations"] and not citations:
            # Whatever the answerer wrote, nothing in it is backed by the article.
            text = message("not_in_article", state["language"])
        elif state["language"] == "en":
            text = in_english(text)
        return {**state, "answer": text, "citations": citations}

    # -- wiring --------------------------------------------------------------------------

    @property
    def runnable(self) -> Runnable[State, State]:
        return (
            _timed("prepare", self.prepare)
            | _timed("retrieval", self.retrieve)
            | _timed("decide", self.decide)
            | _timed("generation", self.generate)
            | _timed("verification", self.verify)
            | _timed("validate", self.validate)
        )

    def invoke(
        self, question: str, conversation: Conversation, on_token: TokenSink | None = None
    ) -> Answer:
        started = time.perf_counter()
        out = self.runnable.invoke(
            {"question": question, "conversation": conversation, "on_token": on_token}
        )
        timings = out["timings_ms"]
        timings["embed_query"] = self.retriever.last_embed_ms
        timings["total"] = (time.perf_counter() - started) * 1000
        log.debug("verdict: %s", out.get("verdict"))
        return Answer(
            question=out["question"],
            language=out["language"],
            answered=bool(out["citations"]),
            answer=out["answer"],
            citations=out["citations"],
            timings_ms=timings,
            notices=out["notices"],
        )
