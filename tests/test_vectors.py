"""The dense word-vector block: the table reader, the WordVectors transformer, and its fold into per-word weights."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from classifier.errors import InputError
from classifier.features import WordVectors
from classifier.persist import load_model
from classifier.vectors import default_vectors_path, read_word_vectors
from classifier.words import FUNCTION_WORDS

TOL = 1e-9  # float64 sums of the same terms in a different order


def _write(path, words, vectors):
    buf = io.BytesIO()
    np.savez_compressed(buf, words=np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8),
                        vectors=np.asarray(vectors, dtype=np.float16))
    path.write_bytes(buf.getvalue())
    return path


@pytest.fixture()
def tiny(tmp_path):
    rng = np.random.default_rng(0)
    words = ["critics", "regime", "slammed", "the", "council", "budget", "_party_", "vote"]
    return _write(tmp_path / "tiny.npz", words, rng.normal(size=(len(words), 4)))


def test_packaged_vectors_load_without_pickle_and_cover_the_corpus_words():
    table = read_word_vectors()
    assert default_vectors_path().name == "word_vectors.npz"
    assert table.vectors.shape == (len(table.words), 64) and len(table.words) > 30_000
    assert {"regime", "slammed", "budget", "protesters"} <= set(table.index)
    assert not set(FUNCTION_WORDS) & set(table.index)
    # unit length (float16 rounding aside), so a rare word does not outweigh a common one in a sentence's mean
    assert np.allclose(np.linalg.norm(table.vectors, axis=1), 1.0, atol=2e-3)


def test_bad_vector_files_are_one_line_input_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_word_vectors(tmp_path / "missing.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a readable word-vector file"):
        read_word_vectors(tmp_path / "junk.npz")
    with pytest.raises(InputError, match="shape"):
        read_word_vectors(_write(tmp_path / "short.npz", ["a", "b"], np.zeros((3, 2))))


def test_transform_is_the_standardised_mean_over_the_words_read(tiny):
    canon = (("democrat", "_party_"),)
    t = WordVectors(str(tiny), "all", canon, ("the",), weight=0.5).fit(["The regime slammed critics.", "Council vote."])
    table = read_word_vectors(tiny)
    v = table.vectors
    # "the" is dropped; "democrat" maps to a shared form and has no vector of its own; "wildly" has none: both count
    c = v[[table.index[w] for w in ("regime", "slammed", "critics", "council", "vote")]].mean(axis=0)
    assert np.allclose(t.center_, c, atol=TOL)  # the average word read in training
    lean = (v[table.index["regime"]] - c + v[table.index["slammed"]] - c) / 4
    got = t.transform(["The Democrat regime slammed wildly."])[0]
    assert np.allclose(got, 0.5 * lean / t.scale_, atol=TOL)
    assert t.get_feature_names_out().tolist() == ["d0", "d1", "d2", "d3"]
    # a fragment divides by the length floor (the median training sentence reads 2.5 words), not by its one word
    assert t.length_floor_ == 2.5
    short = t.transform(["Regime!"])[0]
    assert np.allclose(short, 0.5 * (v[table.index["regime"]] - c) / 2.5 / t.scale_, atol=TOL)
    assert np.allclose(t.transform(["Wildly!", ""]), 0.0)  # no word with a vector: an average sentence


def test_the_block_folds_into_one_weight_per_word(tiny):
    t = WordVectors(str(tiny), "writer", (), ("the",), weight=0.1).fit(["The regime slammed critics.", "Council vote, budget."])
    coef = np.array([0.7, -1.3, 2.0, 0.25])
    words, weights = t.word_weights(coef)
    assert "the" not in words and "_party_" in words
    w = dict(zip(words, weights))
    for doc, read in (("The council slammed the “regime” budget.", ["council", "slammed", "_shortquote_", "regime", "budget"]),
                      ('Critics said "the regime slammed the budget" today.', ["critics", "said", "_quote_", "today"])):
        folded = sum(w.get(x, 0.0) for x in read) / max(len(read), t.length_floor_)
        assert math.isclose(folded, float(t.transform([doc])[0] @ coef), abs_tol=TOL)


def test_word_vectors_follow_scikit_learn_conventions(tiny, tmp_path):
    from sklearn.base import clone
    from sklearn.utils import get_tags
    from sklearn.utils.estimator_checks import check_estimator

    t = WordVectors(str(tiny))
    assert get_tags(t).input_tags.string and not get_tags(t).input_tags.two_d_array
    assert clone(t).get_params() == t.get_params()
    with pytest.warns(Warning):  # numeric checks are skipped for string-input estimators, as for CountVectorizer
        check_estimator(t)
    for bad, match in ((WordVectors(str(tiny), view="reader"), "view"), (WordVectors(str(tiny), weight=0), "weight"),
                       (WordVectors(str(tiny), floor=-1), "floor"), (WordVectors(str(tiny), floor=True), "floor")):
        with pytest.raises(ValueError, match=match):
            bad.fit(["x"])
    with pytest.raises(ValueError, match="single string"):
        t.fit("The regime slammed critics.")
    with pytest.raises(ValueError, match="at least one document"):
        t.fit([])
    fitted = WordVectors(str(tiny)).fit(["The regime slammed critics."])
    _write(tiny, ["other"], np.ones((1, 4)))
    with pytest.raises(ValueError, match="not the one it was fitted with"):
        fitted.transform(["The regime slammed critics."])


def test_trained_model_carries_word_weights_and_explanations_add_up(small_model_path):
    model = load_model(small_model_path)
    s = model.scorer
    assert len(s.vector_words) > 30_000 and s.vector_table.shape == (len(s.vector_words), 2)
    assert json.loads(small_model_path.with_suffix(".json").read_text())["training_data"]["word_vectors"]["dimensions"] == 64
    from classifier.linear import Piece

    for text in ("Officials slammed the so-called reform as a disaster.", 'The mayor said the plan was "a disgrace".', "Regime!"):
        logits = s.logits(Piece(text))
        for h, head in enumerate(("loaded_language", "editorial_framing")):
            c = s.contributions_of(Piece(text), head)
            assert math.isclose(c.intercept + sum(c.weights), logits[h], abs_tol=1e-9)


def test_train_without_vectors_gives_a_model_without_word_weights(small_corpus, tmp_path):
    out = tmp_path / "plain.npz"
    proc = subprocess.run([sys.executable, "-m", "classifier", "train", "--data", str(small_corpus), "--out", str(out),
                           "--folds", "0", "--no-vectors", "-q"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    model = load_model(out)
    assert model.scorer.vector_words == [] and json.loads(out.with_suffix(".json").read_text())["training_data"]["word_vectors"] is None
    assert 0.0 <= float(model.score_sentences(["The regime slammed critics."])["loaded_language"][0]) <= 1.0


def test_a_format_5_file_without_word_weights_still_loads(small_model_path, tmp_path):
    import hashlib
    import zipfile

    members = {}
    with zipfile.ZipFile(small_model_path) as zf:
        for name in zf.namelist():
            members[name] = zf.read(name)
    doc = json.loads(np.load(io.BytesIO(members["model.npy"]), allow_pickle=False).tobytes().decode("utf-8"))
    doc["format"] = 5
    buf = io.BytesIO()
    np.save(buf, np.frombuffer(json.dumps(doc).encode("utf-8"), dtype=np.uint8), allow_pickle=False)
    old = tmp_path / "old.npz"
    with zipfile.ZipFile(old, "w") as zf:
        for name, data in members.items():
            if not name.startswith("vector_"):
                zf.writestr(name, buf.getvalue() if name == "model.npy" else data)
    manifest = json.loads(small_model_path.with_suffix(".json").read_text())
    manifest["sha256"] = hashlib.sha256(old.read_bytes()).hexdigest()
    old.with_suffix(".json").write_text(json.dumps(manifest))
    model = load_model(old)
    assert model.scorer.vector_words == []
    new = load_model(small_model_path)
    text = ["Officials slammed the so-called reform as a disaster."]
    # the same heads without the word-vector part: scores differ, both are probabilities
    assert 0.0 <= float(model.score_sentences(text)["loaded_language"][0]) <= 1.0
    assert float(model.score_sentences(text)["loaded_language"][0]) != float(new.score_sentences(text)["loaded_language"][0])
