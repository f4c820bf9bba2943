"""Behavioral personas: who shops how. Each persona is one row of distribution parameters.

Individual customers draw their own rates around their persona's values, so personas overlap in
their tails while their centres stay apart on several features at once (sessions per week, app
share, app features used, pages per session, session length, scroll depth, categories viewed,
order frequency, order value, discount share, cart abandonment, support contacts, CSAT).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass(frozen=True)
class Behaviour:
    """Distribution parameters of one persona (or of visitors and bots)."""

    name: str
    share: float  # of customers
    sessions_per_week: float  # median of the individual session rates
    rate_spread: float  # lognormal sigma of individual rates around the median
    app_session_share: float  # share of sessions in the app, for people who have it
    device_probs: tuple[float, float, float]  # P(0, 1, 2 app devices)
    cookie_probs: tuple[float, float, float, float]  # P(1, 2, 3, 4 browser cookies)
    desktop_share: float  # P(main browser is a desktop)
    web_browse_events: float  # mean browsing events per web session
    app_browse_events: float  # mean browsing events per app session
    web_mix: tuple[float, float, float]  # page_view, product_view, search
    app_mix: tuple[float, float, float, float]  # screen_view, product_view, search, feature_use
    web_gap_s: float  # median seconds between web events
    app_gap_s: float  # median seconds between app events
    scroll_mean: float  # mean max scroll depth of a page, %
    features_range: tuple[int, int]  # distinct app features a person uses (inclusive)
    categories_range: tuple[int, int]  # categories a person browses (inclusive)
    p_login_web: float  # P(log in during a web session without a purchase)
    p_purchase: float  # per session
    p_abandon: float  # per session: a cart without a purchase
    mean_lines: float  # mean order lines
    aov: float  # median order value (after discounts)
    aov_spread: float  # lognormal sigma of order values
    p_discount: float  # P(order is discounted)
    discount_range: tuple[float, float]  # discount as a share of the basket
    pos_orders_per_week: float  # in-store orders (no events)
    tickets_per_year: float  # support tickets while active
    csat_mean: float  # mean satisfaction score 1-5


PERSONAS: tuple[Behaviour, ...] = (
    Behaviour(
        name="power_user", share=0.15, sessions_per_week=5.5, rate_spread=0.22,
        app_session_share=0.88, device_probs=(0.0, 0.55, 0.45),
        cookie_probs=(0.4, 0.35, 0.17, 0.08), desktop_share=0.35,
        web_browse_events=2.0, app_browse_events=2.2,
        web_mix=(0.45, 0.4, 0.15), app_mix=(0.25, 0.2, 0.1, 0.45),
        web_gap_s=22.0, app_gap_s=11.0, scroll_mean=50.0,
        features_range=(6, 10), categories_range=(3, 5), p_login_web=0.6,
        p_purchase=0.11, p_abandon=0.05, mean_lines=2.0, aov=75.0, aov_spread=0.3,
        p_discount=0.2, discount_range=(0.1, 0.2), pos_orders_per_week=0.03,
        tickets_per_year=1.0, csat_mean=4.2,
    ),
    Behaviour(
        name="loyal_big_spender", share=0.10, sessions_per_week=1.2, rate_spread=0.25,
        app_session_share=0.05, device_probs=(0.8, 0.2, 0.0),
        cookie_probs=(0.55, 0.3, 0.1, 0.05), desktop_share=0.9,
        web_browse_events=5.0, app_browse_events=3.0,
        web_mix=(0.35, 0.55, 0.1), app_mix=(0.4, 0.4, 0.1, 0.1),
        web_gap_s=75.0, app_gap_s=20.0, scroll_mean=88.0,
        features_range=(1, 2), categories_range=(2, 4), p_login_web=0.7,
        p_purchase=0.24, p_abandon=0.04, mean_lines=2.5, aov=290.0, aov_spread=0.25,
        p_discount=0.04, discount_range=(0.05, 0.1), pos_orders_per_week=0.06,
        tickets_per_year=0.8, csat_mean=4.6,
    ),
    Behaviour(
        name="occasional_buyer", share=0.20, sessions_per_week=0.6, rate_spread=0.3,
        app_session_share=0.15, device_probs=(0.6, 0.4, 0.0),
        cookie_probs=(0.5, 0.3, 0.15, 0.05), desktop_share=0.5,
        web_browse_events=3.0, app_browse_events=2.5,
        web_mix=(0.5, 0.4, 0.1), app_mix=(0.45, 0.35, 0.1, 0.1),
        web_gap_s=40.0, app_gap_s=18.0, scroll_mean=55.0,
        features_range=(1, 2), categories_range=(2, 3), p_login_web=0.5,
        p_purchase=0.16, p_abandon=0.15, mean_lines=1.6, aov=65.0, aov_spread=0.25,
        p_discount=0.2, discount_range=(0.1, 0.2), pos_orders_per_week=0.012,
        tickets_per_year=0.3, csat_mean=4.0,
    ),
    Behaviour(
        name="bargain_hunter", share=0.15, sessions_per_week=2.0, rate_spread=0.22,
        app_session_share=0.25, device_probs=(0.4, 0.6, 0.0),
        cookie_probs=(0.35, 0.35, 0.2, 0.1), desktop_share=0.45,
        web_browse_events=3.0, app_browse_events=3.0,
        web_mix=(0.25, 0.3, 0.45), app_mix=(0.2, 0.3, 0.4, 0.1),
        web_gap_s=22.0, app_gap_s=12.0, scroll_mean=40.0,
        features_range=(1, 3), categories_range=(3, 5), p_login_web=0.5,
        p_purchase=0.16, p_abandon=0.4, mean_lines=1.5, aov=25.0, aov_spread=0.25,
        p_discount=0.85, discount_range=(0.2, 0.4), pos_orders_per_week=0.01,
        tickets_per_year=1.5, csat_mean=3.4,
    ),
    Behaviour(
        name="window_shopper", share=0.15, sessions_per_week=1.2, rate_spread=0.25,
        app_session_share=0.2, device_probs=(0.5, 0.5, 0.0),
        cookie_probs=(0.35, 0.35, 0.2, 0.1), desktop_share=0.55,
        web_browse_events=7.0, app_browse_events=5.0,
        web_mix=(0.3, 0.62, 0.08), app_mix=(0.35, 0.5, 0.05, 0.1),
        web_gap_s=32.0, app_gap_s=15.0, scroll_mean=65.0,
        features_range=(1, 2), categories_range=(8, 12), p_login_web=0.3,
        p_purchase=0.003, p_abandon=0.25, mean_lines=1.2, aov=60.0, aov_spread=0.3,
        p_discount=0.3, discount_range=(0.1, 0.2), pos_orders_per_week=0.0,
        tickets_per_year=0.2, csat_mean=4.0,
    ),
    Behaviour(
        name="new_customer", share=0.10, sessions_per_week=2.2, rate_spread=0.25,
        app_session_share=0.5, device_probs=(0.1, 0.9, 0.0),
        cookie_probs=(0.65, 0.3, 0.05, 0.0), desktop_share=0.4,
        web_browse_events=3.0, app_browse_events=3.0,
        web_mix=(0.5, 0.35, 0.15), app_mix=(0.35, 0.25, 0.1, 0.3),
        web_gap_s=40.0, app_gap_s=18.0, scroll_mean=55.0,
        features_range=(3, 6), categories_range=(2, 4), p_login_web=0.6,
        p_purchase=0.08, p_abandon=0.08, mean_lines=1.3, aov=45.0, aov_spread=0.25,
        p_discount=0.35, discount_range=(0.1, 0.15), pos_orders_per_week=0.005,
        tickets_per_year=36.0, csat_mean=3.8,
    ),
    Behaviour(
        name="churning", share=0.15, sessions_per_week=1.5, rate_spread=0.25,
        app_session_share=0.3, device_probs=(0.5, 0.5, 0.0),
        cookie_probs=(0.45, 0.35, 0.15, 0.05), desktop_share=0.5,
        web_browse_events=3.5, app_browse_events=3.0,
        web_mix=(0.45, 0.45, 0.1), app_mix=(0.35, 0.35, 0.1, 0.2),
        web_gap_s=35.0, app_gap_s=15.0, scroll_mean=50.0,
        features_range=(2, 4), categories_range=(2, 4), p_login_web=0.5,
        p_purchase=0.1, p_abandon=0.12, mean_lines=1.6, aov=60.0, aov_spread=0.3,
        p_discount=0.25, discount_range=(0.1, 0.2), pos_orders_per_week=0.01,
        tickets_per_year=4.0, csat_mean=2.0,
    ),
)  # fmt: skip

# Anonymous visitors: one cookie, a few sessions over a short span, never log in, never buy.
VISITOR = Behaviour(
    name="visitor", share=0.0, sessions_per_week=2.0, rate_spread=0.3,
    app_session_share=0.0, device_probs=(1.0, 0.0, 0.0), cookie_probs=(1.0, 0.0, 0.0, 0.0),
    desktop_share=0.4, web_browse_events=3.0, app_browse_events=0.0,
    web_mix=(0.5, 0.45, 0.05), app_mix=(1.0, 0.0, 0.0, 0.0),
    web_gap_s=30.0, app_gap_s=15.0, scroll_mean=45.0,
    features_range=(1, 1), categories_range=(1, 4), p_login_web=0.0,
    p_purchase=0.0, p_abandon=0.03, mean_lines=1.0, aov=50.0, aov_spread=0.3,
    p_discount=0.0, discount_range=(0.0, 0.0), pos_orders_per_week=0.0,
    tickets_per_year=0.0, csat_mean=4.0,
)  # fmt: skip

# Scraping bots on logged-in accounts: hundreds of events per session, a second apart.
BOT = Behaviour(
    name="bot", share=0.0, sessions_per_week=0.0, rate_spread=0.0,
    app_session_share=0.0, device_probs=(1.0, 0.0, 0.0), cookie_probs=(1.0, 0.0, 0.0, 0.0),
    desktop_share=1.0, web_browse_events=150.0, app_browse_events=0.0,
    web_mix=(0.2, 0.7, 0.1), app_mix=(1.0, 0.0, 0.0, 0.0),
    web_gap_s=1.2, app_gap_s=1.2, scroll_mean=1.0,
    features_range=(1, 1), categories_range=(1, 1), p_login_web=1.0,
    p_purchase=0.0, p_abandon=0.0, mean_lines=1.0, aov=50.0, aov_spread=0.3,
    p_discount=0.0, discount_range=(0.0, 0.0), pos_orders_per_week=0.0,
    tickets_per_year=0.0, csat_mean=4.0,
)  # fmt: skip

PERSONA_NAMES: tuple[str, ...] = tuple(persona.name for persona in PERSONAS)
PERSONA_CODE: dict[str, int] = {name: code for code, name in enumerate(PERSONA_NAMES)}
VISITOR_PROFILE = len(PERSONAS)
BOT_PROFILE = len(PERSONAS) + 1
PROFILES: tuple[Behaviour, ...] = (*PERSONAS, VISITOR, BOT)

# Share of customers who join during the period and buy in their sign-up session.
WELCOME_ORDER_SHARE = 0.5
# Planted anomalies, as shares of customers.
BOT_SHARE = 0.004
FRAUD_SHARE = 0.006


def profile_column(name: str) -> np.ndarray:
    """One Behaviour field for every profile code (personas, then visitor, then bot)."""
    if name not in {field.name for field in fields(Behaviour)}:
        raise KeyError(name)
    return np.array([getattr(profile, name) for profile in PROFILES], dtype=float)


def profile_bounds(name: str, profile: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(low, high + 1) of an inclusive integer range field, per element of `profile`."""
    bounds = np.array([getattr(behaviour, name) for behaviour in PROFILES], dtype=np.int64)
    return bounds[profile, 0], bounds[profile, 1] + 1


def cumulative_mix(name: str) -> np.ndarray:
    """Cumulative probabilities of a mix field, shape (profiles, categories)."""
    mix = np.array([getattr(profile, name) for profile in PROFILES], dtype=float)
    return np.cumsum(mix / mix.sum(axis=1, keepdims=True), axis=1)


def persona_counts(customers: int) -> np.ndarray:
    """Customers per persona: the shares, rounded so they add up exactly (largest remainder)."""
    shares = np.array([persona.share for persona in PERSONAS])
    exact = shares / shares.sum() * customers
    counts = np.floor(exact).astype(np.int64)
    shortfall = customers - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:shortfall]] += 1
    return counts
