"""TrainingView with records that do not fit the defaults: no x key, none of the keys, a string
key, one-element tensors, unix times as x; failed and repeated background runs."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from ai4s_lab.errors import Ai4sWarning

pytest.importorskip("plotly")
from ai4s_lab.widgets import TrainingView


def test_records_without_the_x_key_are_drawn_at_their_position() -> None:
    view = TrainingView()
    with pytest.warns(Ai4sWarning, match="no 'epoch'") as caught:
        for loss in (0.5, 0.25, 0.125):
            view.update({"train_loss": loss})
    assert len(caught) == 1  # once
    assert list(view.figure.data[0].x) == [0, 1, 2]
    assert list(view.figure.data[0].y) == [0.5, 0.25, 0.125]


def test_a_warning_names_the_keys_seen_where_none_is_drawn() -> None:
    view = TrainingView()
    with pytest.warns(Ai4sWarning, match=r"\['epoch', 'loss'\]") as caught:
        for epoch in range(6):
            view.update({"epoch": epoch, "loss": 1.0})
    assert len(caught) == 1


def test_a_string_key_is_one_key_and_one_element_tensors_are_numbers() -> None:
    torch = pytest.importorskip("torch")
    view = TrainingView("train_loss")
    assert view.keys == ("train_loss",) and len(view.figure.data) == 1
    view.update({"epoch": 1, "train_loss": torch.tensor([0.3], requires_grad=True) * 1})
    view.update({"epoch": 2, "train_loss": np.array([[0.25]])})
    assert list(view.figure.data[0].y) == pytest.approx([0.3, 0.25])


def test_unix_times_as_x_keep_their_seconds() -> None:
    view = TrainingView(x_key="time")
    times = 1.7e9 + np.array([0.0, 1.0, 2.0])  # float32 steps are 128 s here
    for t in times:
        view.update({"time": t, "train_loss": 1.0})
    np.testing.assert_array_equal(np.asarray(view.figure.data[0].x), times)


def test_a_failed_run_is_logged_warned_and_titled(caplog: pytest.LogCaptureFixture) -> None:
    def failing(*, callback):  # type: ignore[no-untyped-def]
        callback({"epoch": 1, "train_loss": 1.0})
        raise ValueError("loss is nan")

    view = TrainingView(title="Run")
    with caplog.at_level(logging.ERROR), pytest.warns(Ai4sWarning, match="loss is nan"):
        view.start(failing)
        view._thread.join(30)  # type: ignore[union-attr]
    assert "failed" in caplog.text
    assert view.figure.layout.title.text == "Run: failed: ValueError: loss is nan"


def test_a_second_run_starts_with_empty_curves() -> None:
    def run(*, callback):  # type: ignore[no-untyped-def]
        for epoch in (1, 2):
            callback({"epoch": epoch, "train_loss": 1.0 / epoch})

    view = TrainingView()
    view.start(run).wait(timeout=30)
    view.start(run).wait(timeout=30)
    assert len(view.records) == 2
    assert list(view.figure.data[0].x) == [1, 2]
