"""Sessions expanded into events (vectorised in chunks of sessions).

A session is laid out as: landing, browsing (with a login somewhere before the cart when the
person logs in), optionally an app part after a web-to-app switch (app_open + browsing), then
the cart tail: add_to_cart per line, remove_from_cart, begin_checkout, (a planted checkout loop:
add_to_cart and begin_checkout again), purchase, then a contact_support event when the session
has one (synthetic/incidents.py).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from behaviorseg.synthetic import catalog as cat
from behaviorseg.synthetic import personas as ps
from behaviorseg.synthetic.commerce import OrderLines, Orders
from behaviorseg.synthetic.population import Actors
from behaviorseg.synthetic.sessions import Sessions, within_group
from behaviorseg.synthetic.tables import ColumnTable

# Event kinds: one vocabulary for web and app (renamed per source when written).
HOME, APP_OPEN, PUSH_OPEN, PAGE, PRODUCT, SEARCH, FEATURE = 0, 1, 2, 3, 4, 5, 6
LOGIN, ADD, REMOVE, CHECKOUT, PURCHASE, SUPPORT = 7, 8, 9, 10, 11, 12
WEB_EVENT_TYPES: tuple[str | None, ...] = (
    "page_view", None, None, "page_view", "product_view", "search", None,
    "login", "add_to_cart", "remove_from_cart", "begin_checkout", "purchase", "contact_support",
)  # fmt: skip
APP_EVENT_NAMES: tuple[str | None, ...] = (
    None, "app_open", "push_open", "screen_view", "product_view", "search", "feature_use",
    None, "add_to_cart", None, "begin_checkout", "purchase", "contact_support",
)  # fmt: skip
PAGE_LIKE = np.zeros(13, dtype=bool)
PAGE_LIKE[[HOME, PAGE, PRODUCT, SEARCH, CHECKOUT]] = True

EVENTS_PER_CHUNK = 250000
GAP_SPREAD = 0.6  # lognormal sigma of the time between events
CART_GAP_S = 35.0
PUSH_OPEN_SHARE = 0.15
CATEGORY_PAGE_SHARE = 0.5


@dataclass
class Events(ColumnTable):
    """One row per event that happened (before any re-sends, duplicates or defects)."""

    session: np.ndarray
    kind: np.ndarray
    is_app: np.ndarray
    ts_ms: np.ndarray  # UTC
    ident: np.ndarray  # cookie (web) or device (app)
    logged_in: np.ndarray  # carries the user id
    product: np.ndarray  # -1 none
    category: np.ndarray  # -1 none
    page: np.ndarray  # static page / app screen code, -1 none
    term: np.ndarray  # search term code, -1 none
    feature: np.ndarray  # app feature code, -1 none
    scroll: np.ndarray  # web page scroll depth %, -1 none
    time_on_page_ms: np.ndarray  # web pages, -1 none


def chunk_bounds(counts: np.ndarray, per_chunk: int) -> list[tuple[int, int]]:
    """Consecutive session ranges holding about `per_chunk` events each."""
    if counts.sum() == 0:
        return [(0, len(counts))]
    cumulative = np.cumsum(counts)
    cuts = np.searchsorted(cumulative, np.arange(per_chunk, cumulative[-1], per_chunk)) + 1
    edges = np.unique(np.concatenate([[0], cuts, [len(counts)]]))
    return list(itertools.pairwise(edges.tolist()))


def browse_kinds(rng: np.random.Generator, profile: np.ndarray, is_app: np.ndarray) -> np.ndarray:
    """PAGE, PRODUCT, SEARCH or (app only) FEATURE from the profile's mix."""
    web = ps.cumulative_mix("web_mix")
    app = ps.cumulative_mix("app_mix")
    draw = rng.random(len(profile))
    kind = np.full(len(profile), PAGE, dtype=np.int8)
    for column in range(3):
        threshold = np.where(
            is_app, app[profile, column], web[profile, column] if column < 2 else 2.0
        )
        kind += draw > threshold
    return kind


def favourite_category(rng: np.random.Generator, actors: Actors, actor: np.ndarray) -> np.ndarray:
    """One of the actor's favourite categories, uniformly."""
    rank = (rng.random(len(actor)) * actors.favourite_count[actor]).astype(np.int64)
    return actors.favourites[actor, rank].astype(np.int64)


def random_product(
    rng: np.random.Generator, catalog: cat.Catalog, category: np.ndarray
) -> np.ndarray:
    """A product of each category, uniformly."""
    within = (rng.random(len(category)) * catalog.category_size[category]).astype(np.int64)
    return catalog.category_start[category] + within


@dataclass(frozen=True)
class Layout:
    """Per event of a chunk: its session and where in the session it sits."""

    session: np.ndarray
    position: np.ndarray  # 0 = landing
    profile: np.ndarray
    actor: np.ndarray
    is_app: np.ndarray  # app event (app session, or the app part of a switch)
    web_login: np.ndarray  # the session has a web login event
    browse_end: np.ndarray  # first position after the (web) browsing part
    tail: np.ndarray  # position within the cart tail (negative before it)
    last_in_session: np.ndarray


def layout_events(sessions: Sessions, first: int, counts: np.ndarray) -> Layout:
    """Expand sessions [first, first + len(counts)) into one row per event."""
    session = np.repeat(np.arange(first, first + len(counts), dtype=np.int32), counts)
    position = within_group(counts)
    app_main = sessions.is_app[session]
    switch = sessions.switch[session]
    web_login = sessions.login[session] & ~app_main
    browse_end = 1 + sessions.browse[session] + web_login
    tail_start = browse_end + switch * (1 + sessions.app_browse[session])
    return Layout(
        session=session,
        position=position,
        profile=sessions.profile[session],
        actor=sessions.actor[session],
        is_app=app_main | (switch & (position >= browse_end)),
        web_login=web_login,
        browse_end=browse_end,
        tail=position - tail_start,
        last_in_session=np.append(position[1:] == 0, True),
    )


def event_kinds(rng: np.random.Generator, sessions: Sessions, layout: Layout) -> np.ndarray:
    """Landing, browsing (with the login), app landing after a switch, then the cart tail."""
    session, position, tail = layout.session, layout.position, layout.tail
    kind = browse_kinds(rng, layout.profile, layout.is_app)
    app_landing = np.where(rng.random(len(session)) < PUSH_OPEN_SHARE, PUSH_OPEN, APP_OPEN)
    kind = np.where(position == 0, np.where(sessions.is_app[session], app_landing, HOME), kind)
    is_login = layout.web_login & (position == sessions.login_pos[session])
    kind = np.where(is_login, LOGIN, kind)
    switches_here = sessions.switch[session] & (position == layout.browse_end)
    kind = np.where(switches_here, APP_OPEN, kind)
    adds = sessions.adds[session]
    removes = sessions.removes[session]
    checkout = sessions.checkout[session]
    cart_end = adds + removes + checkout
    loop = 2 * sessions.loop[session]
    purchase = sessions.purchase[session]
    tail_kind = np.select(
        [
            tail < adds,
            tail < adds + removes,
            tail < cart_end,
            (tail < cart_end + loop) & ((tail - cart_end) % 2 == 0),
            tail < cart_end + loop,
            tail < cart_end + loop + purchase,
        ],
        [ADD, REMOVE, CHECKOUT, ADD, CHECKOUT, PURCHASE],
        SUPPORT,
    )
    return np.where(tail >= 0, tail_kind, kind).astype(np.int8)


def lognormal_ms(rng: np.random.Generator, median_s: np.ndarray, spread: float) -> np.ndarray:
    """Durations in ms, lognormal around a median in seconds."""
    return np.exp(np.log(median_s * 1000) + spread * rng.standard_normal(len(median_s)))


def event_gaps(rng: np.random.Generator, sessions: Sessions, layout: Layout) -> np.ndarray:
    """Milliseconds since the previous event of the session (0 for the first)."""
    size = len(layout.session)
    web_gap = ps.profile_column("web_gap_s")[layout.profile]
    gap_median = np.where(layout.is_app, ps.profile_column("app_gap_s")[layout.profile], web_gap)
    gap = lognormal_ms(rng, gap_median, GAP_SPREAD)
    gap = np.where(layout.tail >= 0, lognormal_ms(rng, np.full(size, CART_GAP_S), 0.5), gap)
    switches_here = sessions.switch[layout.session] & (layout.position == layout.browse_end)
    gap = np.where(switches_here, rng.uniform(45_000, 240_000, size), gap)
    gap = np.where(layout.profile == ps.BOT_PROFILE, rng.uniform(500, 2000, size), gap)
    return np.where(layout.position == 0, 0, gap).astype(np.int64)


def page_measures(
    rng: np.random.Generator, layout: Layout, kind: np.ndarray, gap: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(scroll depth %, time on page ms) of web pages, -1 elsewhere.

    Time on page runs until the next event of the session; the last page gets a typical dwell.
    """
    size = len(kind)
    page_like = PAGE_LIKE[kind] & ~layout.is_app
    typical = lognormal_ms(rng, ps.profile_column("web_gap_s")[layout.profile], GAP_SPREAD)
    dwell = np.where(layout.last_in_session, typical, np.append(gap[1:], 0))
    mean_scroll = ps.profile_column("scroll_mean")[layout.profile]
    scroll = np.clip(np.round(mean_scroll + 12 * rng.standard_normal(size)), 0, 100)
    scroll = np.where(layout.profile == ps.BOT_PROFILE, rng.integers(0, 4, size), scroll)
    return (
        np.where(page_like, scroll, -1).astype(np.int8),
        np.where(page_like, dwell, -1).astype(np.int32),
    )


@dataclass(frozen=True)
class Subjects:
    """What each event is about (-1: nothing)."""

    product: np.ndarray
    category: np.ndarray
    page: np.ndarray
    term: np.ndarray
    feature: np.ndarray


def event_subjects(
    rng: np.random.Generator,
    sessions: Sessions,
    layout: Layout,
    kind: np.ndarray,
    context: tuple[Actors, cat.Catalog, Orders, OrderLines],
) -> Subjects:
    """Products, categories, pages, search terms and app features of the events.

    People browse their favourite categories (bots everything); the items added to a cart that
    is bought are the order's lines; a removal takes back the item added just before.
    """
    actors, catalog, orders, lines = context
    size = len(kind)
    bot = layout.profile == ps.BOT_PROFILE
    category = favourite_category(rng, actors, layout.actor)
    category = np.where(bot, rng.integers(0, len(cat.CATEGORIES), size), category)
    product = random_product(rng, catalog, category)
    order = sessions.order[layout.session]
    bought = (kind == ADD) & (order >= 0) & (layout.tail < sessions.adds[layout.session])
    if bought.any():
        line = orders.line_start[np.where(bought, order, 0)] + layout.tail
        product = np.where(bought, lines.product[np.where(bought, line, 0)], product)
    product = np.where(kind == REMOVE, np.roll(product, 1), product)
    has_product = (kind == PRODUCT) | (kind == ADD) | (kind == REMOVE)
    category = np.where(has_product, catalog.product_category[product], category)
    category_page = (kind == PAGE) & (rng.random(size) < CATEGORY_PAGE_SHARE)
    term = category * cat.SEARCH_TERMS_PER_CATEGORY + rng.integers(
        0, cat.SEARCH_TERMS_PER_CATEGORY, size
    )
    page = rng.integers(0, len(cat.STATIC_PAGES), size)
    feature_count = np.maximum(actors.feature_count[layout.actor], 1)
    feature_rank = (rng.random(size) * feature_count).astype(np.int64)
    feature = actors.features[layout.actor, feature_rank]
    return Subjects(
        product=np.where(has_product, product, -1).astype(np.int32),
        category=np.where(has_product | category_page, category, -1).astype(np.int8),
        page=np.where((kind == PAGE) & ~category_page, page, -1).astype(np.int8),
        term=np.where(kind == SEARCH, term, -1).astype(np.int16),
        feature=np.where(kind == FEATURE, feature, -1).astype(np.int8),
    )


def expand_chunk(
    rng: np.random.Generator,
    sessions: Sessions,
    first: int,
    counts: np.ndarray,
    context: tuple[Actors, cat.Catalog, Orders, OrderLines],
) -> Events:
    """Events of sessions [first, first + len(counts)) (`counts`: their event counts)."""
    layout = layout_events(sessions, first, counts)
    kind = event_kinds(rng, sessions, layout)
    gap = event_gaps(rng, sessions, layout)
    elapsed = np.cumsum(gap)
    session_first = np.cumsum(counts) - counts
    ts = sessions.start_ms[layout.session] + elapsed - np.repeat(elapsed[session_first], counts)
    scroll, time_on_page = page_measures(rng, layout, kind, gap)
    subjects = event_subjects(rng, sessions, layout, kind, context)
    session = layout.session
    web_logged_in = layout.web_login & (layout.position >= sessions.login_pos[session])
    return Events(
        session=session,
        kind=kind,
        is_app=layout.is_app,
        ts_ms=ts,
        ident=np.where(layout.is_app, sessions.device[session], sessions.cookie[session]).astype(
            np.int32
        ),
        logged_in=np.where(layout.is_app, sessions.app_logged_in[session], web_logged_in),
        product=subjects.product,
        category=subjects.category,
        page=subjects.page,
        term=subjects.term,
        feature=subjects.feature,
        scroll=scroll,
        time_on_page_ms=time_on_page,
    )


def expand_events(
    rng: np.random.Generator,
    sessions: Sessions,
    actors: Actors,
    catalog: cat.Catalog,
    orders: Orders,
    lines: OrderLines,
) -> Events:
    """Events of every session, in session order."""
    counts = sessions.event_count()
    context = (actors, catalog, orders, lines)
    parts = [
        expand_chunk(rng, sessions, first, counts[first:last], context)
        for first, last in chunk_bounds(counts, EVENTS_PER_CHUNK)
    ]
    return Events.concat(parts)


def session_last_event(sessions: Sessions) -> np.ndarray:
    """Index of every session's last event in the expanded event table."""
    return np.cumsum(sessions.event_count()) - 1


def pull_inside_period(events: Events, sessions: Sessions, end_ms: int) -> None:
    """Move the rare session that would run past the period's end back, so it ends inside."""
    last = events.ts_ms[session_last_event(sessions)]
    overshoot = np.maximum(last - (end_ms - 1000), 0)
    if overshoot.any():
        events.ts_ms = events.ts_ms - overshoot[events.session]
        sessions.start_ms = sessions.start_ms - overshoot
