"""Thresholds per embedding variant, falling back to the model's own calibration."""

import json
from pathlib import Path

import pytest

from bot.calibration import UNCALIBRATED, calibration_key, load_thresholds
from bot.settings import Settings

ENTRY = {"same_language": 0.4, "cross_language": 0.45, "claim_bar": 0.4, "name_bar": 0.55,
         "gate_same_language": 0.33, "gate_cross_language": 0.34}


def test_a_variant_has_its_own_thresholds_or_the_models(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({"models": {
        "m": ENTRY, calibration_key("m", "onnx-int8"): {**ENTRY, "same_language": 0.41}}}))
    assert load_thresholds("m", "onnx-int8", path=path).same_language == 0.41
    assert load_thresholds("m", "torch-bf16", path=path).same_language == 0.4  # the model's
    assert load_thresholds("m", "", path=path).same_language == 0.4
    assert load_thresholds("other", "onnx-int8", path=path) == UNCALIBRATED


def test_many_articles_raise_the_answer_bars_and_gate_at_them(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    corpus = {"same_language": 0.46, "cross_language": 0.44, "min_articles": 20}
    path.write_text(json.dumps({"models": {"m": {**ENTRY, "corpus": corpus}}}))
    one = load_thresholds("m", path=path)
    assert one.for_corpus(1) == one and one.for_corpus(19) == one
    many = one.for_corpus(20)
    # A model shown a large index's sentences answers near misses: it gets only what
    # quoting alone would answer.
    assert many.same_language == 0.46 and many.gate_same_language == 0.46
    # Never below the single-article bar, and the claim and name bars stay.
    assert many.cross_language == 0.45 and many.gate_cross_language == 0.45
    assert (many.claim_bar, many.name_bar) == (one.claim_bar, one.name_bar)


def test_the_product_uses_the_corpus_bars_for_a_large_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.app
    from bot.app import create_citebot
    from bot.settings import Settings
    from tests.fakes import FakeDetector, FakeEmbedder

    path = tmp_path / "calibration.json"
    corpus = {"same_language": 0.46, "cross_language": 0.44, "min_articles": 20}
    path.write_text(json.dumps({"models": {FakeEmbedder().model_id: {**ENTRY,
                                                                     "corpus": corpus}}}))
    monkeypatch.setattr(bot.app, "load_thresholds",
                        lambda model, variant="": load_thresholds(model, variant, path=path))

    def bar(articles: int) -> float:
        folder = tmp_path / f"articles-{articles}"
        folder.mkdir()
        for i in range(articles):
            (folder / f"a{i}.fr.txt").write_text(f"Le village numéro {i} compte une école.\n")
        settings = Settings(data_dir=tmp_path / f"data-{articles}", articles=[folder])
        made = create_citebot(settings, embedder=FakeEmbedder(), detector=FakeDetector(),
                              chat_model=None)
        return made.qa.thresholds.same_language

    assert bar(1) == 0.4
    assert bar(25) == 0.46


def test_titles_are_embedded_where_the_corpus_thresholds_apply() -> None:
    # The corpus thresholds were fitted on titled vectors, the single-article ones on
    # untitled: the two switches must fall on the same article count.
    settings = Settings()
    corpus = load_thresholds(settings.embedding_model,
                             f"{settings.embedding_backend}-{settings.embedding_precision}").corpus
    assert corpus is not None and corpus.min_articles == settings.embed_titles_from


def test_probe_bars_switch_the_probe_s_bars_on(tmp_path: Path, settings: Settings,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.app
    from bot.app import create_citebot
    from tests.fakes import FakeDetector, FakeEmbedder, QueueChatModel

    path = tmp_path / "calibration.json"
    bars = {"number": 0.34, "date": 0.46}
    monkeypatch.setattr(bot.app, "load_thresholds",
                        lambda model, variant="": load_thresholds(model, variant, path=path))

    def probe_bars(entry: dict) -> dict[str, float] | None:
        path.write_text(json.dumps({"models": {FakeEmbedder().model_id: entry}}))
        made = create_citebot(settings, embedder=FakeEmbedder(), detector=FakeDetector(),
                              chat_model=QueueChatModel(replies=[], received=[]))
        return None if made.qa.probe is None else dict(made.qa.probe.bars)

    assert probe_bars({**ENTRY, "probe": {"bars": bars}}) == bars
    # Without bars the probe only copies answers for the role check (bot/roles.py).
    assert probe_bars(ENTRY) == {}


def test_the_relevance_bar_is_read_when_calibrated(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({"models": {"m": {**ENTRY, "relevance": {"threshold": 0.39}},
                                           "n": ENTRY}}))
    assert load_thresholds("m", path=path).relevance == 0.39
    assert load_thresholds("n", path=path).relevance is None


def test_the_claim_bar_fitted_on_verified_claims_raises_the_bar(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    fitted = {"threshold": 0.3, "claim_bar": {"threshold": 0.47}}
    path.write_text(json.dumps({"models": {
        "m": {**ENTRY, "relevance": fitted},
        "low": {**ENTRY, "relevance": {**fitted, "claim_bar": {"threshold": 0.2}}}}}))
    assert load_thresholds("m", path=path).claim_bar == 0.47
    assert load_thresholds("low", path=path).claim_bar == ENTRY["claim_bar"]  # never lower


def test_the_relevance_bar_keeps_the_asked_share_of_answers() -> None:
    from bench.calibrate import JudgeSample, fit_relevance

    def sample(answerable: bool, relevance: float | None, outcome: str = "judged"):
        return JudgeSample("same_language", answerable, 0.5, 0.1, outcome, None, "a",
                           relevance, None if relevance is None else relevance + 0.1)

    answers = [sample(True, r / 100) for r in range(30, 130)]  # 0.30 … 1.29
    misses = [sample(False, 0.2), sample(False, 0.9), sample(True, None, "declined")]
    fit = fit_relevance(answers + misses, kept=0.95)
    assert 0.34 < fit["threshold"] < 0.36  # the 5 % lowest answers fall under it
    assert fit["kept_answerable"] == pytest.approx(0.95, abs=0.01)
    assert fit["refused_near_miss"] == 0.5
    assert fit["answers"] == {"answerable": 100, "near_miss": 2}
    assert 0.44 < fit["claim_bar"]["threshold"] < 0.46  # the weakest claims, likewise


def test_the_rank_gap_is_read_only_when_the_fit_found_a_gain(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({"models": {
        "m": {**ENTRY, "relevance": {"threshold": 0.3, "rank_gap": {"threshold": 0.12}}},
        "none": {**ENTRY, "relevance": {"threshold": 0.3, "rank_gap": {"threshold": None}}},
        "old": {**ENTRY, "relevance": {"threshold": 0.3}}}}))
    assert load_thresholds("m", path=path).rank_gap == 0.12
    assert load_thresholds("none", path=path).rank_gap is None
    assert load_thresholds("old", path=path).rank_gap is None


def _gap_sample(gap: float, answerable: bool = True, cited_gold: bool = False,
                top_gold: bool = True, score: float = 0.6):
    from bench.calibrate import JudgeSample
    return JudgeSample("same_language", answerable, score, 0.1, "judged", None, "a", 0.5,
                       0.5, rank_gap=gap, cited_gold=cited_gold, top_gold=top_gold)


def test_the_rank_gap_is_cut_where_switching_to_the_best_sentence_pays() -> None:
    from bench.calibrate import fit_rank_gap

    bars = {"same_language": 0.4, "cross_language": 0.4}
    samples = [
        _gap_sample(0.0, cited_gold=True),  # the best sentence cited: never flagged
        _gap_sample(0.02, cited_gold=True, top_gold=False),  # close: the model was right
        _gap_sample(0.05, cited_gold=True, top_gold=False),
        _gap_sample(0.15),  # far under the best, which holds the answer: mended
        _gap_sample(0.25),
        _gap_sample(0.2, answerable=False, top_gold=False, score=0.3),  # refused: mended
        _gap_sample(0.3, answerable=False, top_gold=False),  # quoted, still wrong
    ]
    fit = fit_rank_gap(samples, bars)
    assert 0.05 < fit["threshold"] < 0.15  # midway between the last broken and first mended
    assert fit["net_gain"] == 3 and fit["mended"] == 3 and fit["broken"] == 0
    assert fit["flagged"] == {"answerable": 2, "near_miss": 2}
    # When switching never pays, there is no gap.
    assert fit_rank_gap(samples[:3], bars)["threshold"] is None


def test_quoting_instead_of_a_right_answer_costs_half_a_mended_one() -> None:
    from bench.calibrate import fit_rank_gap

    bars = {"same_language": 0.4, "cross_language": 0.4}
    mended = [_gap_sample(0.2)]
    both_right = [_gap_sample(0.1 + i / 100, cited_gold=True) for i in range(3)]
    # One mended answer does not pay for three right ones turned into quotes…
    assert fit_rank_gap(mended + both_right, bars)["threshold"] > 0.12
    fit = fit_rank_gap(mended + both_right[:1], bars)
    # …nor, cut below them, for one: the widest gap of the best gain leaves them out.
    assert fit["threshold"] > 0.1 and fit["quoted_instead_of_a_right_answer"] == 0


def test_the_rank_gap_is_fitted_on_answers_the_fitted_claim_bar_keeps() -> None:
    from bench.calibrate import JudgeSample, fit_relevance

    def sample(support: float, gap: float, answerable: bool = True) -> JudgeSample:
        return JudgeSample("same_language", answerable, 0.6, 0.1, "judged", None, "a", 0.5,
                           support, rank_gap=gap, cited_gold=False, top_gold=answerable)

    kept = [sample(0.9, 0.0) for _ in range(100)]  # the best sentence cited
    # Far under the best sentence, and switching would mend them, but their claims are
    # under the claim bar: the product never verifies them, so they say nothing here.
    weak = [sample(0.1, 0.2) for _ in range(3)]
    miss = [sample(0.9, 0.0, answerable=False)]
    fit = fit_relevance(kept + weak + miss, kept=0.95, quote_bars={"same_language": 0.4,
                                                            "cross_language": 0.4})
    assert fit["claim_bar"]["threshold"] == 0.9
    assert fit["rank_gap"]["threshold"] is None


def test_the_rank_gap_spares_named_answers_when_that_gains_more() -> None:
    from dataclasses import replace as with_

    from bench.calibrate import fit_rank_gap

    bars = {"same_language": 0.4, "cross_language": 0.4}
    mended = [_gap_sample(0.2) for _ in range(3)]  # the best sentence holds the answer
    # The cited sentences write the question's names and hold the answer: switching
    # breaks them.
    named = [with_(_gap_sample(0.3, cited_gold=True, top_gold=False), named=True)
             for _ in range(2)]
    fit = fit_rank_gap(mended + named, bars)
    assert fit["exempt_named"] is True and fit["net_gain"] == 3
    assert fit["net_gain_without_exemption"] == 1
    # Named answers the switch mends are no reason to spare them.
    mended_named = [with_(s, named=True) for s in mended]
    assert fit_rank_gap(mended_named, bars)["exempt_named"] is False


def test_the_exemption_is_read_with_the_rank_gap(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    gap = {"threshold": 0.05, "exempt_named": True}
    path.write_text(json.dumps({"models": {
        "m": {**ENTRY, "relevance": {"threshold": 0.3, "rank_gap": gap}},
        "old": {**ENTRY, "relevance": {"threshold": 0.3, "rank_gap": {"threshold": 0.05}}}}}))
    assert load_thresholds("m", path=path).rank_gap_spares_named is True
    assert load_thresholds("old", path=path).rank_gap_spares_named is False


def test_the_yes_or_no_bar_is_read_when_calibrated(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({"models": {
        "m": {**ENTRY, "polar": {"threshold": 0.33, "yes_ratio": 3.1, "no_ratio": None}},
        "n": ENTRY}}))
    m, n = load_thresholds("m", path=path), load_thresholds("n", path=path)
    assert (m.polar, m.polar_yes, m.polar_no) == (0.33, 3.1, None)
    assert (n.polar, n.polar_yes, n.polar_no) == (None, None, None)


def test_the_yes_or_no_bar_is_fitted_where_answers_and_refusals_balance_best() -> None:
    from bench.calibrate_polar import Case, fit

    cases = [Case("settled, yes", "en", "yes", 0, (0.6, 0.2), 0),
             Case("settled, no", "fr", "no", 0, (0.4,), 0),
             # The model likelier to find the wrong sentence settles it: never right.
             Case("settled elsewhere", "en", "yes", 0, (0.3, 0.5), 0),
             Case("near miss", "en", None, 0, (0.35,), None),
             Case("far miss", "fr", None, 0, (0.1,), None)]
    bar = fit(cases)
    assert 0.35 < bar <= 0.4
    assert [c.right(bar) for c in cases] == [True, True, False, True, True]
    assert [c.right(0.0) for c in cases] == [True, True, False, False, False]


def test_a_yes_or_no_is_said_from_the_lowest_ratio_that_is_right_often_enough() -> None:
    from bench.calibrate_polar import Case, fit_ratio, report_words

    def case(answer: str | None, yes: float, no: float, settler: int | None = 0) -> Case:
        return Case("q", "en", answer, 0, (0.9,), settler, ((yes, no),))

    cases = [case("yes", 0.8, 0.1), case("yes", 0.6, 0.2), case("yes", 0.5, 0.25),
             # "yes" read where the sentence says no, at a ratio of 1.6: never said.
             case("no", 0.4, 0.25),
             # A near miss quoted anyway: any word said of it is wrong.
             case(None, 0.2, 0.5, None),
             case("no", 0.1, 0.6), case("no", 0.1, 0.7), case("no", 0.05, 0.8),
             case("no", 0.1, 0.9)]
    assert fit_ratio(cases, 0.5, "yes", precision=0.95) == 2.0
    assert fit_ratio(cases, 0.5, "no", precision=0.95) == pytest.approx(6.0)
    # Looser, "no" is said at the near miss's ratio too (4 right of 5).
    assert fit_ratio(cases, 0.5, "no", precision=0.8) == 2.5
    # Too few right: never said.
    assert fit_ratio(cases[:2], 0.5, "yes", precision=0.95) is None
    assert report_words(cases, 0.5, {"yes": 2.0, "no": None}) == {
        "yes_said": 3, "yes_right": 3, "no_said": 0, "no_right": 0, "quoted_right": 8}
