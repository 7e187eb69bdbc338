"""The model card: what the model is for, what it was trained on, how well it does, where it fails."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .corpus import load_labelled
from .schema import HEADS
from .score import FramingModel

__all__ = ["FAILURE_PROBES", "benchmark_path", "card_path", "mirror_symmetry", "render_card", "write_card"]

_ROOT = Path(__file__).resolve().parent.parent
MIRROR_PROBES = _ROOT / "tests" / "probes" / "mirror_pairs.jsonl"

# Hard cases written for this card: (what it tests, sentence, expected loaded, expected framing).
# The card prints the model's scores beside the expected labels, so the table stays honest after retraining.
FAILURE_PROBES: list[tuple[str, str, int, int]] = [
    ("sarcasm without charged words",
     "Another week, another plan from the city's transit planners, who have now closed the same bridge three times.", 0, 1),
    ("literal use of a strong word",
     "Wildfires ravaged three counties over the weekend, destroying 1,200 homes, fire officials said.", 0, 0),
    ("a charged word outside the corpus and lexicon",
     "The senator's flibbertigibbet approach to the budget left the committee without a plan.", 1, 1),
    ("loaded words inside a quotation, neutral attribution",
     "“These people are thugs,” the sheriff told reporters on Tuesday.", 1, 0),
    ("framing by juxtaposition of facts, neutral words",
     "The governor signed the bill on Friday; three donors to his campaign own the firms that will build the plant.", 0, 1),
    ("negated charge",
     "The report found no evidence that the agency had been reckless or corrupt in awarding the contracts.", 0, 0),
    ("neutral attribution of a contested claim",
     "The company said the layoffs were unrelated to the union vote, according to a statement released Monday.", 0, 0),
]


def benchmark_path(given: str | Path | None = None) -> Path | None:
    """The labelled real-news file for the card's accuracy section: ``given``, else ``$FRAMING_BENCHMARK``, if it exists."""
    chosen = given or os.environ.get("FRAMING_BENCHMARK")
    return Path(chosen) if chosen and Path(chosen).exists() else None


def mirror_symmetry(model: FramingModel, path: Path = MIRROR_PROBES) -> dict[str, dict[str, float]] | None:
    """Per head, over mirrored sentence pairs (sides swapped): mean |score difference| and share on opposite sides of 0.5."""
    if not path.exists():
        return None
    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    a = model.score_sentences([p["a"] for p in pairs], explain=False)
    b = model.score_sentences([p["b"] for p in pairs], explain=False)
    out = {}
    for head in HEADS:
        if head in model.scorer.heads:
            diff = (a[head] - b[head]).abs()
            flips = ((a[head] >= 0.5) != (b[head] >= 0.5)).mean()
            out[head] = {"pairs": len(pairs), "mean_abs_difference": float(diff.mean()), "opposite_sides": float(flips)}
    return out


def card_path(model_path: str | Path) -> Path:
    """Where training writes the card: ``MODEL_CARD.md`` beside the shipped model, else ``<model>.card.md``."""
    from .persist import DEFAULT_MODEL_NAME

    p = Path(model_path)
    return p.parent / "MODEL_CARD.md" if p.name == DEFAULT_MODEL_NAME else p.with_suffix(".card.md")


def _benchmark_section(model: FramingModel, given: str | Path | None) -> tuple[list[str], dict[str, Any] | None]:
    from .evaluate import evaluate

    path = benchmark_path(given)
    if path is None:
        return ["Skipped in this run: no labelled real-news file was given. Fill this section with "
                "`framing train --benchmark PATH` (a CSV in BABE's layout: text, label_bias, label_opinion, type), "
                "or measure any model on your own labels with `framing evaluate`."], None
    data = load_labelled(path, preset="babe", keep=["type"])
    report = evaluate(model, data, by="type")
    lines = [
        f"Measured on `{path.name}` ({len(data)} real news sentences from US outlets, labelled by trained annotators; "
        "BABE, Spinde et al. 2021). The model never saw these sentences. Decision point 0.5.",
        "",
        "| head | macro-F1 | precision (1) | recall (1) | precision (0) | recall (0) | ROC-AUC | Brier | ECE |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for head, m in report["heads"].items():
        pc = m["per_class"]
        lines.append(
            f"| {head} | {m['macro_f1']:.3f} | {pc['1']['precision']:.3f} | {pc['1']['recall']:.3f} | {pc['0']['precision']:.3f} | "
            f"{pc['0']['recall']:.3f} | {m['roc_auc']:.3f} | {m['brier']:.3f} | {m['ece']:.3f} |"
        )
    lines += ["", "Error rates by the outlet's leaning (BABE's `type`; a tool accused of partisanship must show these):", "",
              "| head | leaning | n | false-positive rate | false-negative rate | macro-F1 |", "|---|---|---|---|---|---|"]
    for head, m in report["heads"].items():
        for group, gm in m["by"].items():
            fpr = "n/a" if gm["false_positive_rate"] is None else f"{gm['false_positive_rate']:.3f}"
            fnr = "n/a" if gm["false_negative_rate"] is None else f"{gm['false_negative_rate']:.3f}"
            lines.append(f"| {head} | {group} | {gm['n']} | {fpr} | {fnr} | {gm['macro_f1']:.3f} |")
    return lines, report


def _c_summary(manifest: dict[str, Any]) -> str:
    chosen = [f"{h} C={cv['C']:g}" for h, cv in manifest.get("cv", {}).items() if "C" in cv]
    return ", ".join(chosen) if chosen else "no cross-validation in this run: C=8"


def _header(manifest: dict[str, Any]) -> list[str]:
    points = manifest.get("decision_points") or {h: 0.5 for h in manifest["thresholds"]}
    return [
        "# Model card: framing classifier (default model)",
        "",
        "_Generated by `framing train`; do not edit by hand._",
        "",
        f"- Model file: `{manifest['model_file']}` ({manifest['size_bytes'] / 1e6:.1f} MB, format {manifest.get('format', 'n/a')}: "
        f"numpy arrays and JSON, no pickle), sha256 `{manifest['sha256'][:16]}…`; scikit-learn pipelines beside it in "
        f"`{(manifest.get('pipelines') or {}).get('file', 'n/a')}` (joblib: trusted use only)",
        f"- Package {manifest['package_version']}, scikit-learn {manifest['scikit_learn_version']}, numpy "
        f"{manifest.get('numpy_version', 'n/a')}, scipy {manifest.get('scipy_version', 'n/a')}, pandas "
        f"{manifest.get('pandas_version', 'n/a')}, Python {manifest['python_version']}; trained {manifest.get('trained_at', 'n/a')}",
        "- Architecture: per head, a scikit-learn `Pipeline` of word 1-2-gram TF-IDF (side words such as Democrat and "
        "Republican read as one token; vectors shorter than the median training sentence's are not scaled up) beside "
        f"lexicon cues ({_cues_summary(manifest)}, inside and outside quotations)"
        f"{_vectors_summary(manifest)}, "
        "feeding `LogisticRegression` with classes weighted to balance; the framing head reads the writer's voice only "
        f"(quotations masked, scare quotes kept). C chosen per head by group cross-validation ({_c_summary(manifest)}). "
        f"Decision points: {', '.join(f'{h} {t:.2f}' for h, t in points.items())}.",
        "- Paragraph score = the maximum of its sentences' scores.",
    ]


def _cues_summary(manifest: Mapping[str, Any]) -> str:
    if (manifest.get("training_data") or {}).get("cue_terms", True):
        return "counts per category and a presence column per term or concept"
    return "counts per category; no column of its own per term, so every term weighs as its category does"


def _vectors_summary(manifest: Mapping[str, Any]) -> str:
    wv = (manifest.get("training_data") or {}).get("word_vectors")
    if not wv:
        return ""
    return (f" and a dense block of static word vectors ({wv['words']:,} words x {wv['dimensions']}, distilled from "
            "all-MiniLM-L6-v2; the mean of the words' differences from an average word, folded into one weight per word)")


_PURPOSE = [
    "## Intended use",
    "",
    "Helping editors, fact-checkers and media researchers find, paragraph by paragraph, where news copy uses "
    "**loaded language** (charged, one-sided words) and where the writer's own voice **frames** the story (opinion, "
    "doubt-casting attribution, scare quotes, presupposition, speculation about motives), with the words to blame. "
    "It is a reading aid and a way to triage large archives: a high score says *look here*, not *this is biased*.",
    "",
    "## Out of scope",
    "",
    "- Judging whether a claim is **true**, or whether an outlet or author is trustworthy: the scores describe wording, "
    "not truth, and not an outlet's worth.",
    "- Automated decisions about people or publications (ranking, demonetising, blocking) without human review.",
    "- Text that is not English news prose: social media posts, transcripts of speech, legal or scientific writing, "
    "other languages. Scores there are not validated.",
    "- Framing by **selection** of facts, sources or images: a word model cannot see what was left out.",
    "",
    "## Labels",
    "",
    "- `loaded_language`: the sentence uses words chosen for their charge rather than their content — words a careful "
    "wire editor would replace with plainer ones (*regime*, *slammed*, *disastrous*, *witch hunt*, scare quotes). "
    "It counts inside quotations too. Literal uses (a military *attack*, a *murder* charge) are not loaded.",
    "- `editorial_framing`: the writer's own voice, outside quotations, takes a position or steers the reader: opinion "
    "as fact, doubt-casting attribution (*claimed*, *insisted*), presupposition (*so-called*, *even*, *finally*), "
    "speculation about motives, argumentative juxtaposition, rhetorical questions. Neutral reporting of who said what "
    "is 0 even when the quotation is loaded.",
]


def _training(manifest: dict[str, Any], corpus: Any) -> list[str]:
    td = manifest["training_data"]
    lines = ["## Training data", "", f"{td['n_sentences']} sentences from {', '.join(td['files'])} (fingerprint "
             f"`{td['fingerprint'][:16]}…`), lexicon `{td['lexicon']}` with {td['lexicon_terms']} cues."]
    if corpus is not None and "topic" in corpus:
        lines.append(
            f"Written for this project: {corpus['topic'].nunique()} topics, "
            f"{corpus['register'].nunique() if 'register' in corpus else 'n/a'} registers, "
            f"{int(corpus['pair_id'].notna().sum() // 2) if 'pair_id' in corpus else 0} minimal pairs; "
            "see `training_data/README.md` (the datasheet)."
        )
    lines += ["", "| head | positive | negative | group-CV macro-F1 (folds keep topics and pairs together) |", "|---|---|---|---|"]
    for head in HEADS:
        c, cv = manifest["counts"].get(head), manifest["cv"].get(head)
        if c:
            score = f"{cv['macro_f1']:.3f}" if cv else "n/a"
            lines.append(f"| {head} | {c['positive']} | {c['negative']} | {score} |")
    return lines


def _failures(model: FramingModel) -> list[str]:
    lines = ["## Known failure modes", "",
             "Hard cases written for this card, with the labels a careful editor would give and this model's scores "
             "(✗ marks a wrong side of 0.5):", "",
             "| case | sentence | loaded: expected / score | framing: expected / score |", "|---|---|---|---|"]
    probe = model.score_sentences([p[1] for p in FAILURE_PROBES])
    for (what, sentence, want_l, want_f), row in zip(FAILURE_PROBES, probe.itertuples()):
        cells = [f"{want} / {score:.3f}" + ("" if (score >= 0.5) == bool(want) else " ✗")
                 for score, want in ((row.loaded_language, want_l), (row.editorial_framing, want_f))]
        lines.append(f"| {what} | {sentence} | {cells[0]} | {cells[1]} |")
    return lines


def _symmetry(model: FramingModel) -> list[str]:
    lines = ["## Mirror symmetry", ""]
    sym = mirror_symmetry(model)
    if not sym:
        return [*lines, "Not measured in this run (the probe set `tests/probes/mirror_pairs.jsonl` is part of the source "
                        "checkout, not of an installed copy)."]
    n = next(iter(sym.values()))["pairs"]
    lines += [f"{n} sentence pairs written for the tests (`tests/probes/mirror_pairs.jsonl`), each the same sentence with "
              "the side swapped (Democrat/Republican, left/right, liberal/conservative, named figures and outlets of both "
              "sides), loaded, neutral and framed. A fair model scores both members alike:", "",
              "| head | mean absolute score difference | pairs on opposite sides of 0.5 |", "|---|---|---|"]
    return lines + [f"| {h} | {m['mean_abs_difference']:.4f} | {m['opposite_sides']:.1%} |" for h, m in sym.items()]


_CLOSING = [
    "Also: a bag of words does not read negation or irony reliably, and misses a charged word it has never seen; "
    "topic words that co-occur with loaded copy in the training data can nudge scores; annotators disagree at the "
    "margins, so treat scores near 0.5 as uncertain. Full benchmark figures, baselines and speed: `docs/benchmarks.md`.",
    "",
    "## How the real-news figures were used",
    "",
    "The benchmark file was never trained on, and none of its sentences was copied or paraphrased into the corpus. "
    "It was used as a development set: the corpus's writing rounds were aimed at *kinds* of sentences the model got "
    "wrong there (literal strong words, long factual sentences, single uncommon charged words, plain-words opinion), "
    "and the register profile of the corpus was steered toward the benchmark's aggregate surface statistics. Its "
    "figures are therefore somewhat optimistic for news the project has never looked at; the other BABE half, or "
    "your own labelled sample (`framing evaluate`), gives an unbiased estimate. Its labels also differ from ours by "
    "design: BABE's annotators judge whole sentences, so reported speech with loaded quoted words is often marked "
    "unbiased, and quoted opinion often marked as opinion.",
    "",
    "## Caution",
    "",
    "Scores describe **wording**, not truth, intent, or the worth of an outlet or writer. Every side uses loaded "
    "language; the training corpus was written with loaded wording from every direction against every side, side "
    "words are read as one token so no party's name can carry a label, and the per-leaning error rates above are "
    "published so users can check that the tool does not favour one. Read the flagged words in context before "
    "drawing conclusions.",
    "",
]


def render_card(model: FramingModel, manifest: dict[str, Any], corpus: Any = None, benchmark: str | Path | None = None) -> str:
    """The model card as Markdown."""
    bench_lines, _ = _benchmark_section(model, benchmark)
    sections = [_header(manifest), _PURPOSE, _training(manifest, corpus), ["## Accuracy on real news", "", *bench_lines],
                _failures(model), _symmetry(model), _CLOSING]
    return "\n".join(line for section in sections for line in [*section, ""]).rstrip() + "\n"


def write_card(model: FramingModel, model_path: str | Path, manifest: dict[str, Any], corpus: Any = None,
               benchmark: str | Path | None = None) -> Path:
    """Render the card for a freshly trained model and write it to :func:`card_path`."""
    path = card_path(model_path)
    path.write_text(render_card(model, manifest, corpus, benchmark), encoding="utf-8")
    return path
