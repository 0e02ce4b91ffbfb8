"""Search ranking, MMR, filters, cosine and memory assembly of the embedded server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from zep_integrations import ZepClient
from zep_integrations.server import search
from zep_integrations.server.memory import LocalIntelligence, Turn

CORPUS = [
    "I adopted a golden retriever puppy named Biscuit last spring.",
    "The weather in Lisbon was sunny all week.",
    "My favourite dish is mushroom risotto with parmesan.",
    "We booked train tickets from Paris to Berlin for March.",
    "Biscuit the dog loves chasing tennis balls in the park.",
    "The quarterly budget report is due on Friday.",
]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[ZepClient]:
    with ZepClient(db_path=tmp_path / "z.db") as c:
        c.add_memory(
            "s",
            [
                {
                    "role_type": "user",
                    "role": "Jane",
                    "content": text,
                    "metadata": {"i": i, "even": i % 2 == 0},
                }
                for i, text in enumerate(CORPUS)
            ],
        )
        yield c


def test_relevant_message_ranks_first_with_scores_in_unit_interval(client: ZepClient) -> None:
    """The obviously relevant message ranks first and every score lies in [0, 1]."""
    hits = client.search_memory("s", "risotto recipe with parmesan")
    assert hits[0].message is not None and "risotto" in hits[0].message.content
    assert hits[0].score == 1.0
    assert all(h.score is not None and 0.0 <= h.score <= 1.0 for h in hits)


def test_limit_and_min_score(client: ZepClient) -> None:
    """limit caps results and min_score drops weak hits."""
    both = client.search_memory("s", "Biscuit dog park")
    assert len(both) == 2
    assert len(client.search_memory("s", "Biscuit dog park", limit=1)) == 1
    strong = client.search_memory("s", "Biscuit dog park", min_score=0.99)
    assert len(strong) == 1 and "park" in (strong[0].message.content if strong[0].message else "")


def test_mmr_prefers_diverse_results() -> None:
    """MMR with a low lambda picks a dissimilar second hit over a near duplicate."""
    items = ["red apple pie", "red apple pie recipe", "blue ocean waves"]
    picked = search.mmr(items, [1.0, 0.95, 0.6], lambda s: s, 2, mmr_lambda=0.3)
    assert [item for item, _ in picked] == ["red apple pie", "blue ocean waves"]
    plain = search.mmr(items, [1.0, 0.95, 0.6], lambda s: s, 2, mmr_lambda=1.0)
    assert [item for item, _ in plain] == ["red apple pie", "red apple pie recipe"]


def test_mmr_search_type_over_the_wire(client: ZepClient) -> None:
    """search_type=mmr returns hits with scores and respects limit."""
    hits = client.search_memory("s", "Biscuit dog", search_type="mmr", mmr_lambda=0.5, limit=2)
    assert len(hits) == 2 and all(h.score is not None for h in hits)


def test_metadata_filter_and_jsonpath(client: ZepClient) -> None:
    """A metadata filter matches top-level keys; Zep's JSONPath form is evaluated, not ignored."""
    hits = client.search_memory("s", "Biscuit", metadata={"i": 0})
    assert [h.message.content for h in hits if h.message] == [CORPUS[0]]
    jsonpath = client.search_memory(
        "s", "Biscuit", metadata={"where": {"jsonpath": "$[*] ? (@.i == 4)"}}
    )
    assert [h.message.content for h in jsonpath if h.message] == [CORPUS[4]]
    only_filter = client.search_memory("s", None, metadata={"i": 3})
    assert [h.message.content for h in only_filter if h.message] == [CORPUS[3]]


def test_hostile_query_text_never_errors(client: ZepClient) -> None:
    """FTS syntax in user text is quoted away instead of raising."""
    for text in ['"unbalanced', "AND OR NOT", "NEAR(a b)", "col:value*", "()", "   ", "!!!"]:
        assert isinstance(client.search_memory("s", text), list)


def test_fts_query_quotes_and_drops_stopwords() -> None:
    """fts_query quotes every term and drops stopwords unless nothing else remains."""
    assert search.fts_query('the "dog" AND cat') == '"dog" OR "cat"'
    assert search.fts_query("the") == '"the"'
    assert search.fts_query("?!") is None


def test_fts_query_newest_keeps_the_latest_terms_in_text_order() -> None:
    """With newest, a capped query keeps the words seen last; within the cap nothing changes."""
    text = "alpha beta gamma. delta alpha epsilon"
    assert search.fts_query(text, 3) == '"alpha" OR "beta" OR "gamma"'
    assert search.fts_query(text, 3, newest=True) == '"alpha" OR "delta" OR "epsilon"'
    assert search.fts_query(text, 5, newest=True) == search.fts_query(text)


def test_session_search_and_facts_scope(client: ZepClient) -> None:
    """sessions/search finds messages by session_ids and facts by user."""
    result = client.search_sessions("train tickets Berlin", session_ids=["s"], limit=3)
    assert result.results[0].session_id == "s"
    assert result.results[0].message is not None and "Berlin" in result.results[0].message.content
    facts = client.search_sessions("risotto", session_ids=["s"], search_scope="facts")
    assert facts.results and facts.results[0].fact is not None


def test_cosine_document_search(tmp_path: Path) -> None:
    """Document search ranks by cosine over client-supplied embeddings."""
    with ZepClient(db_path=tmp_path / "d.db") as c:
        c.add_collection("vecs")
        c.add_documents(
            "vecs",
            [
                {"content": "north", "embedding": [0.0, 1.0]},
                {"content": "east", "embedding": [1.0, 0.0]},
                {"content": "north-east", "embedding": [0.7, 0.7]},
            ],
        )
        found = c.search_documents("vecs", embedding=[0.1, 1.0], limit=2)
        assert [d.content for d in found.results] == ["north", "north-east"]
        assert all(d.score is not None and 0 <= d.score <= 1 for d in found.results)
        text = c.search_documents("vecs", "east")
        assert text.results[0].content == "east"


def test_memory_window_facts_and_context(tmp_path: Path) -> None:
    """GET memory returns the window, ranked facts and a context with older relevant messages."""
    with ZepClient(db_path=tmp_path / "m.db") as c:
        c.add_user("jane")
        c.add_session("m", "jane")
        c.add_session_facts("m", ["Jane is allergic to peanuts", "Jane works as a pilot"])
        older = [
            {
                "role_type": "user",
                "role": "Jane",
                "content": "I am allergic to peanuts, remember that.",
            }
        ]
        filler = [
            {"role_type": "assistant", "role": "bot", "content": f"Noted item {i}."}
            for i in range(8)
        ]
        latest = [
            {
                "role_type": "user",
                "role": "Jane",
                "content": "Can you suggest a snack without peanuts?",
            }
        ]
        c.add_memory("m", older + filler + latest)
        memory = c.get_memory("m", lastn=3)
        assert [m.content for m in memory.messages or []][-1] == latest[0]["content"]
        assert len(memory.messages or []) == 3
        facts = memory.relevant_facts or []
        assert "peanuts" in facts[0].text
        assert memory.context is not None and "<FACTS>" in memory.context
        assert "I am allergic to peanuts, remember that." in memory.context
        assert "pilot" in memory.context


def test_local_intelligence_is_deterministic() -> None:
    """The local hooks summarise, classify and question deterministically."""
    brain = LocalIntelligence()
    turns = [
        Turn("Jane", "user", "I love hiking in the Alps. It is fun.", "t"),
        Turn("bot", "assistant", "Great!", "t"),
    ]
    assert brain.summarize(None, turns) == "Jane: I love hiking in the Alps.\nbot: Great!"
    assert brain.classify(["cooking", "hiking trips"], turns) == "hiking trips"
    assert brain.synthesize_question(turns) == "What about: I love hiking in the Alps?"
    assert brain.extract_facts(turns) == ["Jane: I love hiking in the Alps."]
