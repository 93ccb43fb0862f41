"""Full-text search over what the portal publishes (/cari): ranked, the words highlighted, narrowed by kabupaten and
kategori.

One signature, `search(text, where, page)`, for both databases; the dialect is chosen in `search` alone:

- **PostgreSQL**: the stored column `search_vector` (migration 0020: `to_tsvector('indonesian', …)` over the public
  kinds' headline and body fields, headline words weighted higher) with a GIN index on the published rows. The query
  is `websearch_to_tsquery('indonesian', …)` — Indonesian stemming, so "pertanian" finds "petani" — ranked with
  `ts_rank`, newest first on a tie, highlighted with `ts_headline`.
- **SQLite** (the embedded default): the FTS5 table `submission_fts` kept in step by triggers, every word of the
  query matched as a word prefix with diacritics folded ("pert" finds "Pertanian", "kafe" finds "kafé"; no stemming),
  ranked with `bm25()`, highlighted with `snippet()`.

Which rows are public is decided by `services.published` (the one query of the portal), so search can find nothing a
list would not show. Ranking reads at most CANDIDATES matches, the newest: a word that appears in half of two million
items would otherwise be ranked in full for every page. The rows that rank are the newest matches; far older ones
are found by a more precise query, or by the filters. On PostgreSQL how they are found follows from a first look at
the newest items (`_candidates`).

Highlighting is never trusted as HTML: the database marks the words with two private-use characters (taken out of
the indexed text first, so a text cannot fake one), and `_marked` escapes everything and turns only those marks into
<mark>…</mark>, always balanced.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import bindparam, case, column, func, literal_column, select, table
from sqlalchemy import text as sql_text
from sqlalchemy.orm import joinedload

from kim_app.errors import ProblemError
from kim_app.extensions import db
from kim_app.items import kinds
from kim_app.items.models import Item
from kim_app.publish import services
from kim_app.publish.services import Filter

PAGE_SIZE = 20
CANDIDATES = 1_000
WINDOW = 4_000  # the first look: the newest published items under the filter
WALK_MAX = 40_000  # the longest walk: words in fewer than CANDIDATES / WALK_MAX of the items go through the index
MAX_PAGE = CANDIDATES // PAGE_SIZE
MIN_LENGTH = 2
MAX_LENGTH = 200
MAX_WORDS = 10  # SQLite: more words than this in a query are left out, each one costs a pass over its postings
MARK_START, MARK_STOP = "\ue000", "\ue001"
CONFIG = literal_column("'indonesian'::regconfig")
# A word as both tokenizers see it: letters and digits (unicode61 splits on "_" as on any punctuation).
_WORDS = re.compile(r"[^\W_]+")

# The searched fields, from the registry: each public kind's headline (weighted higher) and body, each once, in the
# order of the FTS5 table's columns (migration 0020 froze the same list).
HEADLINE_FIELDS = tuple(dict.fromkeys(kinds.KINDS[name].headline for name in kinds.PUBLIC_KINDS))
SEARCHED_FIELDS = tuple(dict.fromkeys(
    name for kind in kinds.PUBLIC_KINDS for name in (kinds.KINDS[kind].headline, kinds.KINDS[kind].body) if name
))

_vector = literal_column("submission.search_vector")
_fts = table("submission_fts", column("rowid"))
_fts_name = literal_column("submission_fts")


class SearchRefused(ProblemError):
    status, slug, title = 400, "bad-search", "Kata pencarian tidak bisa dipakai"


@dataclass(frozen=True)
class Hit:
    item: Item
    headline: Markup  # the headline, matched words in <mark>
    snippet: Markup  # the body's best passage, likewise


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    page: int
    more: bool  # there is a next page


def checked(text: str | None) -> str | None:
    """The query as it will be searched, None when empty, or SearchRefused with the sentence a visitor reads."""
    text = " ".join((text or "").split())
    if not text:
        return None
    if len(text) > MAX_LENGTH:
        raise SearchRefused(f"Kata pencarian terlalu panjang: paling banyak {MAX_LENGTH} huruf.")
    if sum(len(word) for word in _WORDS.findall(text)) < MIN_LENGTH:
        raise SearchRefused(f"Kata pencarian terlalu pendek: ketik paling sedikit {MIN_LENGTH} huruf atau angka.")
    return text


def _marked(text: str | None) -> Markup:
    """Escaped text in which only the database's marks become <mark>…</mark>, balanced whatever the marks are."""
    out, open_ = [], False
    for part in re.split(f"([{MARK_START}{MARK_STOP}])", text or ""):
        if part == MARK_START:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif part == MARK_STOP:
            if open_:
                out.append("</mark>")
                open_ = False
        else:
            out.append(str(escape(part)))
    if open_:
        out.append("</mark>")
    return Markup("".join(out))  # nosec B704 — every part above was escaped; only our own tags are added


def _by_kind(attribute: str):
    """The registry's field of each public kind (headline or body) as one SQL expression over the item's columns."""
    return case(*((Item.kind == name, getattr(Item, getattr(kinds.KINDS[name], attribute)))
                  for name in kinds.PUBLIC_KINDS))


def _unmarked(expression):
    return func.replace(func.replace(expression, MARK_START, ""), MARK_STOP, "")


def _window(where: Filter, window: int):
    """The newest `window` published items under the filter, with their vectors, read from the lists' index."""
    return (services.published(where)
            .with_only_columns(Item.id, Item.published_at, _vector.label("vector"))
            .order_by(Item.published_at.desc(), Item.id.desc()).limit(window).subquery("newest"))


def _newest_matches(query, where: Filter, window: int | None) -> list[tuple[int, object, float]]:
    """(id, published_at, rank) of the newest CANDIDATES matches: among the newest `window` published items under the
    filter (walking the lists' index newest first, each row's stored vector tested), or, with no window, among all
    of them through the GIN index."""
    if window is not None:
        newest = _window(where, window)
        statement = (select(newest.c.id, newest.c.published_at, func.ts_rank(newest.c.vector, query))
                     .where(newest.c.vector.op("@@")(query))
                     .order_by(newest.c.published_at.desc(), newest.c.id.desc()).limit(CANDIDATES))
        return [tuple(row) for row in db.session.execute(statement)]
    statement = (services.published(where)
                 .with_only_columns(Item.id, Item.published_at, func.ts_rank(_vector, query))
                 .where(_vector.op("@@")(query))
                 .order_by(Item.published_at.desc(), Item.id.desc()).limit(CANDIDATES))
    # The planner's estimate for several words multiplies their frequencies and can be far off (two common words that
    # rarely meet); here the first look has shown the words are rare, so the index is the way, whatever it estimates.
    db.session.execute(sql_text("SET LOCAL enable_indexscan = off"))
    db.session.execute(sql_text("SET LOCAL enable_seqscan = off"))
    try:
        return [tuple(row) for row in db.session.execute(statement)]
    finally:
        db.session.execute(sql_text("SET LOCAL enable_indexscan TO DEFAULT"))
        db.session.execute(sql_text("SET LOCAL enable_seqscan TO DEFAULT"))


def _candidates(query, words, where: Filter) -> list[tuple[int, object, float]]:
    """The matches to rank, chosen by how common the words turn out to be, not by the planner's guess.

    Two ways to find the newest matches, each cheap where the other is not: walking the newest published items costs
    CANDIDATES ÷ (the share of items that match) rows, so it suits common words; the GIN index costs in proportion to
    all the matches (its posting list of a word in every item alone takes 200 ms at two million), so it suits rare
    ones. The index's cost is that of the items holding every word (`words`, the query's words joined by AND): a
    phrase or an exclusion is checked on each of them afterwards. A first look at the newest WINDOW items measures
    both shares; then the cheaper way is taken. A walk is bounded by WALK_MAX rows, so for a phrase of common words
    that rarely stand together the candidates are the matches among the newest WALK_MAX published items."""
    first = _newest_matches(query, where, WINDOW)
    if len(first) >= CANDIDATES:
        return first
    newest = _window(where, WINDOW)
    holding_every_word = db.session.scalar(
        select(func.count()).select_from(newest).where(newest.c.vector.op("@@")(words)))
    # The index would read and check as many items as the longest walk: walk (it stops once it has CANDIDATES).
    if holding_every_word * WALK_MAX >= CANDIDATES * WINDOW:
        return _newest_matches(query, where, WALK_MAX)
    return _newest_matches(query, where, None)


def _postgresql(text: str, where: Filter, page: int) -> list[tuple[int, str, str]]:
    # A plan for these words, every time: the partial indexes need the status's value to be usable at all, and
    # psycopg prepares a statement run often; PostgreSQL's generic plan for it scanned a kabupaten's rows, 200 ms
    # instead of 7 (benchmarks/search.py). Planning costs under a millisecond.
    db.session.execute(sql_text("SET LOCAL plan_cache_mode = force_custom_plan"))
    query = func.websearch_to_tsquery(CONFIG, bindparam("q", text))
    # Best first; on a tie, newest first.
    words = func.plainto_tsquery(CONFIG, bindparam("words", text))
    ranked = sorted(_candidates(query, words, where), key=lambda row: (-row[2], -row[1].timestamp(), -row[0]))
    shown = ranked[(page - 1) * PAGE_SIZE:page * PAGE_SIZE + 1]
    if not shown:
        return []
    marks = f"StartSel={MARK_START}, StopSel={MARK_STOP}"
    headline = func.ts_headline(CONFIG, _unmarked(_by_kind("headline")), query, f"{marks}, MaxWords=40, MinWords=20")
    snippet = func.ts_headline(CONFIG, _unmarked(_by_kind("body")), query,
                               f'{marks}, MaxWords=24, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "')
    # ts_headline reads the text again: only for the page's rows, after ranking.
    marked = {row[0]: tuple(row) for row in db.session.execute(
        select(Item.id, headline, snippet).where(Item.id.in_([row[0] for row in shown])))}
    return [marked[row[0]] for row in shown]


def _fts_query(text: str) -> str:
    # Every word as a quoted FTS5 string with a prefix star: nothing of the visitor's text is read as FTS5 syntax.
    return " ".join(f'"{word}"*' for word in _WORDS.findall(text)[:MAX_WORDS])


def _sqlite(text: str, where: Filter, page: int) -> list[tuple[int, str, str]]:
    weights = [10.0 if name in HEADLINE_FIELDS else 1.0 for name in SEARCHED_FIELDS]
    rank = func.bm25(_fts_name, *weights)

    def marked(function, attribute, *extra):
        return case(*((Item.kind == name, function(_fts_name, SEARCHED_FIELDS.index(
            getattr(kinds.KINDS[name], attribute)), MARK_START, MARK_STOP, *extra)) for name in kinds.PUBLIC_KINDS))

    query = (services.published(where)
             .with_only_columns(Item.id, marked(func.snippet, "headline", " … ", 40),
                                marked(func.snippet, "body", " … ", 24))
             .join(_fts, _fts.c.rowid == Item.id)
             .where(_fts_name.op("MATCH")(bindparam("q", _fts_query(text))))
             .order_by(rank, Item.published_at.desc(), Item.id.desc())
             .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE))
    return [tuple(row) for row in db.session.execute(query)]


def search(text: str, where: Filter = services.ANYWHERE, page: int = 1) -> Results:
    """One page of published items matching `text` (already `checked`), best first."""
    page = min(max(page, 1), MAX_PAGE)
    dialect = db.session.get_bind().dialect.name
    rows = (_postgresql if dialect == "postgresql" else _sqlite)(text, where, page)
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    items = {item.id: item for item in db.session.scalars(
        select(Item).where(Item.id.in_([row[0] for row in rows]))
        .options(joinedload(Item.desa), joinedload(Item.kabupaten))
    )} if rows else {}
    hits = [Hit(items[item_id], _marked(headline), _marked(snippet)) for item_id, headline, snippet in rows]
    return Results(hits=hits, page=page, more=more and page < MAX_PAGE)
