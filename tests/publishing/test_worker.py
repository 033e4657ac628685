"""The worker republishes a book after each approval, and only then."""

from __future__ import annotations

import threading

import pytest

from tests.publishing.conftest import Publisher
from textbook.projections.publishing.editions import EditionPublisher, Report
from textbook.projections.publishing.pandoc import PandocFailed


def test_worker_publishes_each_change_once_and_keeps_the_last_good_edition(
    publisher: Publisher,
) -> None:
    worker = EditionPublisher(publisher.app, publisher.views, publisher.root / "build")
    assert worker.publish_changed() == ["tiny"]
    edition = publisher.root / "build" / "editions"
    assert (edition / "tiny.epub").exists() and (edition / "tiny.pdf").exists()
    assert worker.publish_changed() == []  # nothing changed, nothing rebuilt

    proposal = publisher.app.propose_edit(
        "tiny", "summing", "## Summing {#summing}\n\nAdd them in pairs.\n", "Pairs", by="alice"
    )
    assert worker.publish_changed() == []  # a proposal is not approved text
    publisher.app.review(proposal, "approve", "", by="bob", version=1)
    assert worker.publish_changed() == ["tiny"]
    assert "Add them in pairs." in (edition / "tiny" / "second.html").read_text()

    broken = publisher.app.propose_edit(
        "tiny", "summing", "## Summing {#summing}\n\n" + "> " * 100 + "deep\n", "", by="alice"
    )
    publisher.app.review(broken, "approve", "", by="bob", version=1)
    assert worker.publish_changed() == []  # cannot be built: the last edition stays
    assert "Add them in pairs." in (edition / "tiny" / "second.html").read_text()
    # A fresh worker (a restart) does not rebuild what is already published.
    again = EditionPublisher(publisher.app, publisher.views, publisher.root / "build")
    fixed = publisher.app.propose_edit(
        "tiny", "summing", "## Summing {#summing}\n\nAdd them in threes.\n", "Fix", by="alice"
    )
    assert again.publish_changed() == []
    publisher.app.review(fixed, "approve", "", by="bob", version=1)
    assert again.publish_changed() == ["tiny"]
    assert "Add them in threes." in (edition / "tiny" / "second.html").read_text()


def test_two_workers_on_one_build_folder_take_turns(publisher: Publisher) -> None:
    build = publisher.root / "build"
    first = EditionPublisher(publisher.app, publisher.views, build)
    second = EditionPublisher(publisher.app, publisher.views, build)
    (build / "editions").mkdir(parents=True)
    with first.only_publisher() as alone:
        assert alone
        assert second.publish_changed() == []  # the folder is busy: nothing built, nothing lost
        assert not (build / "editions" / "tiny.epub").exists()
    assert second.publish_changed() == ["tiny"]  # looks again once the first is done
    assert first.publish_changed() == []  # and the first finds it published


def test_the_worker_logs_a_failed_round_but_not_one_cut_short_by_its_stop(
    publisher: Publisher, caplog: pytest.LogCaptureFixture
) -> None:
    class Failing(EditionPublisher):
        def __init__(self, stop_while_failing: bool) -> None:
            super().__init__(publisher.app, publisher.views, publisher.root / "build")
            self.rounds, self.stop_while_failing = 0, stop_while_failing

        def publish_changed(self, report: Report | None = None) -> list[str]:
            self.rounds += 1
            if self.stop_while_failing or self.rounds > 1:
                stop.set()  # as SIGTERM does, while pandoc dies of the same signal
            raise PandocFailed("pandoc exit -15")

    stop = threading.Event()
    Failing(stop_while_failing=True).run(stop, interval=0)
    assert "publishing failed" not in caplog.text
    stop = threading.Event()
    worker = Failing(stop_while_failing=False)
    worker.run(stop, interval=0)
    assert caplog.text.count("publishing failed; trying again in 5 s") == 1
    assert worker.rounds == 2  # it went on after the failure
