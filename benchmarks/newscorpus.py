"""A realistic English news corpus with planted truth, built offline in seconds.

Nine fictional outlets publish articles over two years (2023-2024). Each article mixes a few
of twelve news topics (economy, health, technology, climate, politics, crime, education,
housing, transport, foreign affairs, sport, business; real English vocabularies in
``_newsvocab.py``) and tells them through five frames (economic cost, conflict, human
interest, responsibility, risk). What is planted, and recorded in ``truth.json``:

* every outlet leans to its own topics and frames (``OUTLETS`` in ``_newsvocab.py``);
* trends over time: technology rises (x0.5 -> x2.0), health falls (x2.0 -> x0.6), politics
  peaks around a general election in July 2024;
* about 4 % of articles are syndicated near-duplicates of another outlet's recent article
  (one paragraph dropped, the outlet's own dateline and boilerplate).

Articles read like scraped web news: a byline, a dateline, short paragraphs of templated but
grammatical sentences, 300-1,200 words (outlet-specific median), navigation, teaser and
newsletter lines. The folder written holds ``articles.jsonl`` (``doc_id, text, outlet, date,
title``), ``study.toml`` (textlab's defaults, grouped by outlet), ``codebook.toml`` (the five
frames), ``truth.json`` and ``truth_documents.csv`` (each article's realised topic and frame
shares, by sentence). Everything depends only on ``random_state``; article ``i`` is the same
in every size, so the 800-article corpus is the first 800 of the 3,000.

Usage::

    python benchmarks/newscorpus.py /tmp/news3k --size 3000      # 800, 3000 or 20000 (any n >= 9)
    textlab analyze /tmp/news3k/study.toml --out /tmp/news3k-results
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from benchmarks import _newsvocab as vocab  # noqa: E402

__all__ = ["NewsCorpus", "build_news_corpus", "generate_articles", "planted_truth", "SIZES"]

SIZES = (800, 3_000, 20_000)
START = dt.date(2023, 1, 1)
N_DAYS = 731  # 2023-01-01 .. 2024-12-31
ELECTION = dt.date(2024, 7, 4)
TOPIC_NAMES = list(vocab.TOPICS)
FRAME_NAMES = list(vocab.FRAMES)
OUTLET_IDS = list(vocab.OUTLETS)
OUTLET_SHARE = [1.4, 1.0, 1.3, 1.2, 0.8, 0.7, 1.0, 1.1, 0.5]  # articles per outlet (relative)
DOC_CONCENTRATION = 3.0  # Dirichlet concentration of an article's topic mix around its outlet's
FRAME_CONCENTRATION = 4.0
P_FRAME_SENTENCE = 0.3
P_SYNDICATED = 0.04
P_SAME_TOPIC = 0.85  # a sentence keeps its paragraph's topic
P_MAIN_PERSON = 0.5  # a named person is the article's main voice on that topic


@dataclass(frozen=True)
class NewsCorpus:
    """A written news corpus: its folder, files and planted truth.

    Attributes
    ----------
    folder
        Folder holding ``articles.jsonl``, ``study.toml``, ``codebook.toml``, ``truth.json`` and
        ``truth_documents.csv``.
    n_docs, n_words
        Articles and whitespace-separated words written.
    truth
        The content of ``truth.json``.
    """

    folder: Path
    n_docs: int
    n_words: int
    truth: dict

    @property
    def study(self) -> Path:
        """The study file (``textlab analyze`` input)."""
        return self.folder / "study.toml"

    @property
    def articles(self) -> Path:
        """The JSONL table of articles."""
        return self.folder / "articles.jsonl"


def trend_multiplier(topic: str, t: float) -> float:
    """Planted change over time of a topic's weight; ``t`` in [0, 1] spans the two years."""
    if topic == "technology":
        return 0.5 + 1.5 * t
    if topic == "health":
        return 2.0 - 1.4 * t
    if topic == "politics":
        t_election = (ELECTION - START).days / (N_DAYS - 1)
        return 1.0 + 2.0 * math.exp(-(((t - t_election) / 0.04) ** 2))
    return 1.0


def outlet_topic_mean(outlet: str, t: float) -> list[float]:
    """Expected topic shares of an outlet's articles at time ``t`` (lean x trend, normalised)."""
    lean = vocab.OUTLETS[outlet]["topics"]
    weights = [lean.get(name, 1.0) * trend_multiplier(name, t) for name in TOPIC_NAMES]
    total = sum(weights)
    return [w / total for w in weights]


def outlet_frame_mean(outlet: str) -> list[float]:
    """Expected frame shares of an outlet's framed sentences."""
    lean = vocab.OUTLETS[outlet]["frames"]
    weights = [lean.get(name, 1.0) for name in FRAME_NAMES]
    return [w / sum(weights) for w in weights]


def _dirichlet(rng: random.Random, alphas: list[float]) -> list[float]:
    draws = [rng.gammavariate(a, 1.0) if a > 0 else 0.0 for a in alphas]
    total = sum(draws) or 1.0
    return [d / total for d in draws]


def _pick(rng: random.Random, weights: list[float]) -> int:
    return rng.choices(range(len(weights)), weights=weights)[0]


class _Writer:
    """Fills sentence templates for one article (one seeded ``random.Random``)."""

    def __init__(self, rng: random.Random, outlet: str, date: dt.date) -> None:
        self.rng, self.outlet, self.date = rng, outlet, date
        self.cast: dict[str, str] = {}

    def person(self, topic: str | None = None) -> str:
        """A new name, or (half the time, for a topic) the article's main voice on that topic."""
        name = f"{self.rng.choice(vocab.FIRST_NAMES)} {self.rng.choice(vocab.LAST_NAMES)}"
        if topic is None:
            return name
        main = self.cast.setdefault(topic, name)
        return main if self.rng.random() < P_MAIN_PERSON else name

    def slots(self, topic: str) -> dict[str, str]:
        rng, words = self.rng, vocab.TOPICS[topic]
        base, past = rng.choice(words["verbs"]).split("/")
        things = rng.sample(words["things"], 2)
        actors = rng.sample(words["actors"], 2)
        org = rng.choice(words["orgs"])
        person = self.person(topic)
        values = {
            "thing": things[0], "thing2": things[1], "actors": actors[0], "actors2": actors[1],
            "adj": rng.choice(words["adjectives"]), "verb": base, "verbed": past, "org": org,
            "person": person, "role": rng.choice(words["roles"]), "place": rng.choice(vocab.PLACES),
            "day": rng.choice(vocab.DAYS), "month": rng.choice(vocab.MONTHS), "first": person.split()[0],
            "num": f"{rng.choice([120, 300, 450, 1200, 2500, 4000, 15000, 60000]):,}",
            "pct": f"{rng.randint(2, 45)}%", "age": str(rng.randint(8, 17)),
            "money": f"£{rng.choice([1.2, 3.5, 12, 40, 85, 250, 600])}{rng.choice([' million', ' billion'])}",
            "outlet": vocab.OUTLETS[self.outlet]["name"],
        }
        for key in ("thing", "actors", "org", "person"):
            values[key.capitalize()] = values[key][:1].upper() + values[key][1:]
        return values

    def sentence(self, topic: str, frame: str | None) -> str:
        templates = vocab.FRAMES[frame]["templates"] if frame else vocab.NEUTRAL_TEMPLATES
        text = self.rng.choice(templates).format(**self.slots(topic))
        text = text.replace("the the ", "the ").replace("The the ", "The ").replace("a A&E", "an A&E")
        return text[:1].upper() + text[1:]

    def title(self, topic: str) -> str:
        text = self.rng.choice(vocab.TITLE_TEMPLATES).format(**self.slots(topic))
        return text[:1].upper() + text[1:]


def _body(writer: _Writer, theta: list[float], frame_mix: list[float], n_words: int):
    """Paragraphs of sentences until ``n_words``; also sentence counts per topic and per frame."""
    rng = writer.rng
    paragraphs: list[str] = []
    topic_n = [0] * len(TOPIC_NAMES)
    frame_n = [0] * len(FRAME_NAMES)
    words = 0
    while words < n_words:
        sentences = []
        paragraph_topic = _pick(rng, theta)  # a paragraph keeps to one topic, with an occasional aside
        for _ in range(rng.choice((1, 2, 2, 3, 3, 4))):
            z = paragraph_topic if rng.random() < P_SAME_TOPIC else _pick(rng, theta)
            f = _pick(rng, frame_mix) if rng.random() < P_FRAME_SENTENCE else None
            topic_n[z] += 1
            if f is not None:
                frame_n[f] += 1
            sentences.append(writer.sentence(TOPIC_NAMES[z], FRAME_NAMES[f] if f is not None else None))
        paragraph = " ".join(sentences)
        words += len(paragraph.split())
        paragraphs.append(paragraph)
    return paragraphs, topic_n, frame_n


def _dress(rng: random.Random, outlet: str, date: dt.date, title: str, paragraphs: list[str], byline: str) -> str:
    """Byline, dateline and web boilerplate around the body paragraphs."""
    name = vocab.OUTLETS[outlet]["name"]
    index = OUTLET_IDS.index(outlet)
    lines: list[str] = []
    if index % 3 == 0:
        lines += [vocab.BOILERPLATE_TOP[index % 2], title]  # navigation line and the headline repeated
    lines.append(f"By {byline} | Published {date.day} {vocab.MONTHS[date.month - 1]} {date.year}")
    place = rng.choice(vocab.PLACES[:12]).upper()
    first = f"{place}, {date.day} {vocab.MONTHS[date.month - 1]} ({name}) - {paragraphs[0]}"
    body = [first] + paragraphs[1:]
    for position in sorted(rng.sample(range(1, len(body)), k=min(2, len(body) - 1)), reverse=True):
        line = rng.choice(vocab.BOILERPLATE_MIDDLE).format(title=writer_teaser(rng))
        body.insert(position, line)
    lines += body
    tail = [line.format(year=date.year, outlet=name) for line in vocab.BOILERPLATE_BOTTOM]
    lines += tail[index % 3: index % 3 + 3]
    return "\n\n".join(lines)


def writer_teaser(rng: random.Random) -> str:
    """A headline of another story, as in 'Read more:' teaser lines."""
    return _Writer(rng, OUTLET_IDS[0], START).title(rng.choice(TOPIC_NAMES))


def _article(i: int, random_state: int, width: int) -> dict:
    rng = random.Random(random_state * 1_000_003 + i)
    outlet = OUTLET_IDS[i] if i < len(OUTLET_IDS) else OUTLET_IDS[_pick(rng, OUTLET_SHARE)]
    date = START + dt.timedelta(days=rng.randrange(N_DAYS))
    t = (date - START).days / (N_DAYS - 1)
    theta = _dirichlet(rng, [DOC_CONCENTRATION * m for m in outlet_topic_mean(outlet, t)])
    frame_mix = _dirichlet(rng, [FRAME_CONCENTRATION * m for m in outlet_frame_mean(outlet)])
    median = vocab.OUTLETS[outlet]["median_words"]
    n_words = int(min(1200, max(300, rng.lognormvariate(math.log(median), 0.35))))
    writer = _Writer(rng, outlet, date)
    title = writer.title(TOPIC_NAMES[max(range(len(theta)), key=theta.__getitem__)])
    paragraphs, topic_n, frame_n = _body(writer, theta, frame_mix, n_words)
    byline = f"{writer.person()}, {rng.choice(['Staff Reporter', 'Correspondent', 'Reporter', 'News Editor'])}"
    return {"doc_id": f"a{i:0{width}d}", "outlet": outlet, "date": date, "title": title, "byline": byline,
            "paragraphs": paragraphs, "topic_n": topic_n, "frame_n": frame_n, "rng": rng, "syndicated_from": ""}


def _syndicate(article: dict, source: dict) -> dict:
    """Turn ``article`` into a near-duplicate of ``source``: its body less one paragraph, own dressing."""
    rng = article["rng"]
    paragraphs = list(source["paragraphs"])
    if len(paragraphs) > 3:
        del paragraphs[rng.randrange(1, len(paragraphs))]
    date = min(source["date"] + dt.timedelta(days=rng.choice((0, 0, 1))), START + dt.timedelta(days=N_DAYS - 1))
    return {**article, "date": date, "title": source["title"], "paragraphs": paragraphs,
            "topic_n": source["topic_n"], "frame_n": source["frame_n"], "syndicated_from": source["doc_id"]}


def generate_articles(n_docs: int, *, random_state: int = 0):
    """Yield ``n_docs`` article records (``doc_id, text, outlet, date, title`` and their truth).

    Parameters
    ----------
    n_docs
        Number of articles (at least 9: one per outlet).
    random_state
        Seed; article ``i`` depends only on it and ``i``, except that a syndicated article copies
        one of the 200 articles before it.

    Examples
    --------
    >>> first = next(generate_articles(9))
    >>> first["outlet"], first["doc_id"], 300 <= len(first["text"].split()) <= 1500
    ('daily-ledger', 'a0', True)
    """
    if n_docs < len(OUTLET_IDS):
        raise ValueError(f"n_docs={n_docs} is too small: at least {len(OUTLET_IDS)} (one article per outlet)")
    width = len(str(n_docs - 1))
    recent: list[dict] = []
    for i in range(n_docs):
        article = _article(i, random_state, width)
        rng = article["rng"]
        if i >= 50 and rng.random() < P_SYNDICATED:
            sources = [a for a in recent if a["outlet"] != article["outlet"] and not a["syndicated_from"]]
            if sources:
                article = _syndicate(article, rng.choice(sources))
        recent.append(article)
        del recent[:-200]
        text = _dress(rng, article["outlet"], article["date"], article["title"], article["paragraphs"],
                      article["byline"])
        yield {"doc_id": article["doc_id"], "text": text, "outlet": article["outlet"],
               "date": article["date"].isoformat(), "title": article["title"],
               "topic_n": article["topic_n"], "frame_n": article["frame_n"],
               "syndicated_from": article["syndicated_from"]}


def planted_truth(random_state: int = 0) -> dict:
    """The planted structure (independent of the corpus size): topics, frames, outlet leans, trends."""
    return {
        "random_state": random_state,
        "period": [START.isoformat(), (START + dt.timedelta(days=N_DAYS - 1)).isoformat()],
        "topics": {name: sorted(set(w["things"] + w["actors"])) for name, w in vocab.TOPICS.items()},
        "frames": {name: f["words"] for name, f in vocab.FRAMES.items()},
        "outlets": {
            outlet: {
                "name": spec["name"], "median_words": spec["median_words"], "share_of_articles":
                round(OUTLET_SHARE[k] / sum(OUTLET_SHARE), 4),
                "topic_lean": spec["topics"], "frame_lean": spec["frames"],
                "expected_topic_share_start": dict(zip(TOPIC_NAMES, (round(x, 4) for x in outlet_topic_mean(outlet, 0.0)))),
                "expected_topic_share_end": dict(zip(TOPIC_NAMES, (round(x, 4) for x in outlet_topic_mean(outlet, 1.0)))),
                "expected_frame_share": dict(zip(FRAME_NAMES, (round(x, 4) for x in outlet_frame_mean(outlet)))),
            }
            for k, (outlet, spec) in enumerate(vocab.OUTLETS.items())
        },
        "trends": {
            "technology": "weight x0.5 on 2023-01-01 rising linearly to x2.0 on 2024-12-31",
            "health": "weight x2.0 on 2023-01-01 falling linearly to x0.6 on 2024-12-31",
            "politics": f"weight x1 + 2 exp(-((t - t_election)/0.04)^2), peak x3 at the election {ELECTION}",
        },
        "generation": {
            "article_topic_mix": f"Dirichlet({DOC_CONCENTRATION} x outlet mean at the article's date)",
            "article_frame_mix": f"Dirichlet({FRAME_CONCENTRATION} x outlet frame mean)",
            "framed_sentence_probability": P_FRAME_SENTENCE,
            "syndicated_probability": P_SYNDICATED,
            "length_words": "lognormal(median = outlet median, sigma 0.35), clipped to 300-1200 (body)",
        },
    }


def _study_toml(contrast: tuple[str, str]) -> str:
    return (
        "# Generated by benchmarks/newscorpus.py: nine outlets, two years of news (planted truth in truth.json).\n"
        "# Every option not set here is textlab's default.\n\n"
        "[corpus]\npath = \"articles.jsonl\"\n\n"
        f"[groups]\ncolumn = \"outlet\"\ncontrast = [\"{contrast[0]}\", \"{contrast[1]}\"]\n\n"
        "[frames]\ncodebook = \"codebook.toml\"\n"
    )


def _codebook_toml() -> str:
    lines = ["# The five frames planted by benchmarks/newscorpus.py (their marker words).",
             'name = "news_frames"', 'version = "1"', ""]
    for name, frame in vocab.FRAMES.items():
        lines += [f"[frames.{name}]", f'description = "Planted frame {name.replace("_", " ")}."',
                  "terms = [" + ", ".join(json.dumps(w) for w in frame["words"]) + "]", ""]
    return "\n".join(lines)


def build_news_corpus(folder: str | Path, n_docs: int = 3_000, *, random_state: int = 0) -> NewsCorpus:
    """Write the news corpus, its study file, codebook and planted truth into ``folder``.

    Parameters
    ----------
    folder
        Created if missing; the five files are replaced, nothing else is touched.
    n_docs
        Number of articles: 800, 3,000 and 20,000 are the benchmark sizes; any ``n >= 9`` works.
    random_state
        Seed of every random choice.

    Returns
    -------
    NewsCorpus

    Examples
    --------
    >>> import tempfile
    >>> news = build_news_corpus(tempfile.mkdtemp(), 20)
    >>> news.n_docs, sorted(p.name for p in news.folder.iterdir())[:2]
    (20, ['articles.jsonl', 'codebook.toml'])
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    truth = planted_truth(random_state)
    topic_totals = {o: [0] * len(TOPIC_NAMES) for o in OUTLET_IDS}
    n_written = n_words = 0
    syndicated: list[list[str]] = []
    tmp = folder / "articles.jsonl.tmp"
    with open(tmp, "w", encoding="utf-8") as handle, \
            open(folder / "truth_documents.csv", "w", encoding="utf-8", newline="") as truth_handle:
        table = csv.writer(truth_handle)
        table.writerow(["doc_id", "outlet", "date", "syndicated_from", "dominant_topic",
                        *(f"topic_{n}" for n in TOPIC_NAMES), *(f"frame_{n}" for n in FRAME_NAMES)])
        for art in generate_articles(n_docs, random_state=random_state):
            record = {k: art[k] for k in ("doc_id", "text", "outlet", "date", "title")}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            n_written += 1
            n_words += len(art["text"].split())
            totals = topic_totals[art["outlet"]]
            for k, n in enumerate(art["topic_n"]):
                totals[k] += n
            n_t = sum(art["topic_n"]) or 1  # sentences of the article
            dominant = TOPIC_NAMES[max(range(len(TOPIC_NAMES)), key=art["topic_n"].__getitem__)]
            table.writerow([art["doc_id"], art["outlet"], art["date"], art["syndicated_from"], dominant,
                            *(round(n / n_t, 4) for n in art["topic_n"]),
                            *(round(n / n_t, 4) for n in art["frame_n"])])
            if art["syndicated_from"]:
                syndicated.append([art["doc_id"], art["syndicated_from"]])
    tmp.replace(folder / "articles.jsonl")
    truth["corpus"] = {"n_docs": n_written, "n_words": n_words, "syndicated": syndicated,
                       "frame_columns_of_truth_documents": "framed sentences / all sentences of the article"}
    truth["realised_topic_share_by_outlet"] = {
        o: {name: round(n / (sum(t) or 1), 4) for name, n in zip(TOPIC_NAMES, t)} for o, t in topic_totals.items()}
    (folder / "truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    (folder / "study.toml").write_text(_study_toml(("daily-ledger", "northern-courier")), encoding="utf-8")
    (folder / "codebook.toml").write_text(_codebook_toml(), encoding="utf-8")
    return NewsCorpus(folder, n_written, n_words, truth)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", help="output folder (created; its five files are replaced)")
    parser.add_argument("--size", type=int, default=3_000, help="articles: 800, 3000 or 20000 (any n >= 9)")
    parser.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    args = parser.parse_args(argv)
    news = build_news_corpus(args.folder, args.size, random_state=args.seed)
    print(f"{news.n_docs:,} articles, {news.n_words:,} words, {len(news.truth['corpus']['syndicated'])} "
          f"syndicated near-duplicates -> {news.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
