"""Lemma dictionaries as tries on disk (monitor.words.LemmaDictionaries), built for real."""

from __future__ import annotations

import logging

import pytest
import simplemma
from simplemma.strategies import DictionaryLookupStrategy

from monitor.words import LemmaDictionaries, lemma_cache_directory

WORDS = ["shells", "containers", "shipped", "doubled", "Russia", "weapons", "xyzzyq"]


def lemmas(factory: object) -> list[str]:
    strategy = DictionaryLookupStrategy(dictionary_factory=factory)  # type: ignore[arg-type]
    return [simplemma.Lemmatizer(lemmatization_strategy=strategy).lemmatize(w, "en") for w in WORDS]


def test_a_language_is_built_once_in_a_child_and_reads_as_simplemmas_dict(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="monitor.words")

    built = lemmas(LemmaDictionaries(tmp_path))

    assert built == lemmas(simplemma.strategies.dictionaries.DefaultDictionaryFactory())
    assert built[:2] == ["shell", "container"]
    assert (tmp_path / "en.dic").stat().st_size > 100_000
    assert [r.message.split()[0] for r in caplog.records] == ["lemma_cache_built"]
    assert not list(tmp_path.glob(".en-*"))  # the scratch folder of the atomic rename is gone

    caplog.clear()
    assert lemmas(LemmaDictionaries(tmp_path)) == built  # a new process: read, not rebuilt
    assert caplog.records == []


def test_without_a_writable_cache_the_lemmas_still_work(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")

    built = lemmas(LemmaDictionaries(blocker / "lemmas"))

    assert built[:2] == ["shell", "container"]
    assert any(r.message.startswith("lemma_cache_unavailable") for r in caplog.records)


def test_the_cache_directory_follows_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("MONITOR_CACHE_DIR", raising=False)
    monkeypatch.setenv("CACHE_DIRECTORY", str(tmp_path / "systemd"))
    assert lemma_cache_directory().parent == tmp_path / "systemd" / "lemmas"
    monkeypatch.setenv("MONITOR_CACHE_DIR", str(tmp_path / "mine"))
    assert lemma_cache_directory().parent == tmp_path / "mine" / "lemmas"
    assert lemma_cache_directory().name.startswith("simplemma-")
