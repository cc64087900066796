"""The clustering quality harness: labelled sets, the methods compared, the table.

Every set is scored three ways in one run: the reference (TF-IDF cosine with
average link over the whole set, ``baseline.average_link``), a rebuild (the
service's clusterer over every article at once) and hourly rounds (articles
arriving as they would, ``evaluate.replay``). A set made "by construction"
moves the events of one category onto the same days, so that time no longer
keeps them apart and only the words can: it is how precision is put to test.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from newsstand.model import ArticleText
from newsstand.stories.baseline import average_link
from newsstand.stories.cluster import DEFAULT_PARAMS, ClusterParams
from newsstand.stories.evaluate import ClusterScores, read_labelled, replay, score
from newsstand.stories.text import featurize

ROUND = timedelta(hours=1)
# Events of one category moved onto the same days start this far apart.
STAGGER = timedelta(hours=30)


@dataclass(frozen=True, slots=True)
class LabelledSet:
    """Articles with the event each reports."""

    name: str
    articles: tuple[ArticleText, ...]
    gold: Mapping[int, Hashable]


@dataclass(frozen=True, slots=True)
class Row:
    """One method's scores on one set, and how long it took."""

    dataset: str
    method: str
    scores: ClusterScores
    seconds: float


def load_set(path: Path, name: str | None = None) -> LabelledSet:
    """A labelled JSON-lines file (the shared corpus's format). Raises InvalidDataError."""
    articles, gold = read_labelled(path)
    return LabelledSet(name or path.stem, tuple(articles), gold)


def categories(path: Path) -> dict[Hashable, str]:
    """Each event's category (world, science, sports, ...) from a labelled file."""
    found: dict[Hashable, str] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            found[row["event_id"]] = str(row.get("category") or "")
    return found


def same_days(labelled: LabelledSet, group_of: Mapping[Hashable, str], name: str) -> LabelledSet:
    """The set with the events of each group moved to start ``STAGGER`` apart from one day.

    Each event keeps the spacing of its own articles; only where it starts moves.
    Neighbouring events of one category then overlap in time, as two storms or
    two elections in one week do.
    """
    by_event: dict[Hashable, list[ArticleText]] = defaultdict(list)
    for article in labelled.articles:
        by_event[labelled.gold[article.article_id]].append(article)
    starts = {event: min(a.published for a in items) for event, items in by_event.items()}
    day = min(starts.values())
    placed: dict[str, int] = defaultdict(int)
    moved: list[ArticleText] = []
    for event in sorted(by_event, key=lambda e: (starts[e], str(e))):
        group = group_of.get(event, "")
        shift = day + STAGGER * placed[group] - starts[event]
        placed[group] += 1
        moved += [replace(a, published=a.published + shift) for a in by_event[event]]
    return LabelledSet(name, tuple(sorted(moved, key=lambda a: a.article_id)), labelled.gold)


def reference(labelled: LabelledSet) -> dict[int, int]:
    """The baseline's clusters: TF-IDF over the whole set, average link."""
    return average_link(featurize(labelled.articles))


def rebuild(labelled: LabelledSet, params: ClusterParams = DEFAULT_PARAMS) -> dict[int, int]:
    """The service's clusters when every article is there already (``newsstand stories rebuild``)."""
    return replay(labelled.articles, None, params)


def rounds(labelled: LabelledSet, params: ClusterParams = DEFAULT_PARAMS) -> dict[int, int]:
    """The service's clusters when articles arrive in hourly rounds."""
    return replay(labelled.articles, ROUND, params)


METHODS: dict[str, Callable[[LabelledSet], dict[int, int]]] = {
    "tfidf-avglink": reference,
    "rebuild": rebuild,
    "rounds": rounds,
}


def measure(sets: Sequence[LabelledSet], clock: Callable[[], float]) -> list[Row]:
    """Every method on every set; ``clock`` (e.g. ``time.perf_counter``) times each."""
    rows = []
    for labelled in sets:
        for method, run in METHODS.items():
            started = clock()
            predicted = run(labelled)
            rows.append(Row(labelled.name, method, score(predicted, labelled.gold), clock() - started))
    return rows


def table(rows: Sequence[Row]) -> str:
    """The rows as a fixed-width text table."""
    head = (
        f"{'set':<26} {'method':<14} {'P':>6} {'R':>6} {'F1':>6} {'ARI':>6} {'gold':>5} {'found':>5} {'s':>6}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        s = r.scores
        lines.append(
            f"{r.dataset:<26} {r.method:<14} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} "
            f"{s.ari:6.3f} {s.gold_clusters:5d} {s.clusters:5d} {r.seconds:6.2f}"
        )
    return "\n".join(lines)


def standard_sets(corpus: Path | None, cases: Path | None) -> list[LabelledSet]:
    """The shared corpus, its same-days construction and the written cases, those that exist."""
    sets: list[LabelledSet] = []
    if corpus is not None and corpus.is_file():
        shared = load_set(corpus, "shared corpus")
        sets += [shared, same_days(shared, categories(corpus), "shared, same days")]
    if cases is not None and cases.is_dir():
        sets += [load_set(path) for path in sorted(cases.glob("*.jsonl"))]
    return sets
