"""Who is generated: customers (with persona, anomaly, country, sign-up, churn) and visitors,
and the identifiers they browse with (cookies, app devices, shared store kiosks)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from behaviorseg.synthetic import catalog as cat
from behaviorseg.synthetic import personas as ps
from behaviorseg.synthetic.calendar import MS_PER_DAY, MS_PER_HOUR, Period

NO_ANOMALY, BOT, FRAUD = 0, 1, 2
ANOMALY_KINDS: tuple[str | None, ...] = (None, "bot", "fraud")
VISITORS_PER_CUSTOMER = 0.6
VISITOR_VISITS = 2.5  # expected sessions of a visitor during their visit span
# Preferred online payment method shares (card, paypal, apple_pay, google_pay, klarna, gift).
PAYMENT_SHARES = np.array([0.5, 0.2, 0.12, 0.08, 0.06, 0.04])
NEW_CUSTOMER_DAYS = 60
KIOSKS = 4
# Bots and fraudsters work from dormant accounts: little everyday activity besides the anomaly,
# so their features are dominated by it (as in real account takeovers and bot sign-ups).
ANOMALY_EVERYDAY_ACTIVITY = 0.03
MIN_KIOSK_USERS = 25


@dataclass
class Actors:
    """Everyone who browses: customers first (index < n_customers), then anonymous visitors."""

    n_customers: int
    profile: np.ndarray  # persona code, or VISITOR_PROFILE
    anomaly: np.ndarray  # NO_ANOMALY, BOT, FRAUD
    country: np.ndarray  # index into catalog.COUNTRIES
    offset_minutes: np.ndarray  # local UTC offset
    zulu: np.ndarray  # writes a zero offset as 'Z' (else '+00:00')
    signup_ms: np.ndarray  # customers: sign-up instant (may precede the period)
    active_from: np.ndarray  # first day index with activity
    active_until: np.ndarray  # exclusive last day index with activity
    churn_start: np.ndarray  # day the activity starts fading (inf: never)
    churn_ramp: np.ndarray  # days the fading takes
    weekly_rate: np.ndarray  # individual sessions per week
    everyday_activity: np.ndarray  # multiplier of everyday visits, store orders and tickets
    aov: np.ndarray  # individual median order value
    favourites: np.ndarray  # (actors, MAX_FAVOURITE_CATEGORIES) category codes
    favourite_count: np.ndarray
    features: np.ndarray  # (actors, MAX_FEATURES) app feature codes
    feature_count: np.ndarray
    preferred_payment: np.ndarray

    def __len__(self) -> int:
        return len(self.profile)

    @property
    def is_customer(self) -> np.ndarray:
        """True for customers, false for visitors."""
        return np.arange(len(self)) < self.n_customers


@dataclass
class Identifiers:
    """Browser cookies (web) and app devices, and which actor owns each."""

    cookie_owner: np.ndarray  # actor index, -1 for a shared kiosk
    cookie_device_type: np.ndarray  # index into catalog.DEVICE_TYPES
    cookie_user_agent: np.ndarray  # index into the flattened catalog.USER_AGENTS
    cookie_ip: np.ndarray  # uint32
    cookie_start: np.ndarray  # per actor: first own cookie
    cookie_count: np.ndarray  # per actor: own everyday cookies
    bot_cookie: np.ndarray  # per actor: the scraper's cookie, -1 if none
    kiosk_cookies: np.ndarray
    device_owner: np.ndarray
    device_platform: np.ndarray  # index into catalog.PLATFORMS
    device_version_lag: np.ndarray  # releases behind the latest
    device_start: np.ndarray
    device_count: np.ndarray


def choose(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One category per row of a (rows, k) probability matrix (inverse CDF)."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative /= cumulative[:, -1:]
    draws = rng.random(len(probabilities))[:, None]
    return (draws > cumulative).sum(axis=1)


def shuffled_prefix(rng: np.random.Generator, rows: int, choices: int, width: int) -> np.ndarray:
    """Per row, a random permutation of range(choices) cut to `width` (distinct favourites)."""
    return np.argsort(rng.random((rows, choices)), axis=1)[:, :width].astype(np.int8)


def assign_personas(rng: np.random.Generator, customers: int) -> np.ndarray:
    """Persona codes in exact proportions, in random order (ids do not reveal personas)."""
    codes = np.repeat(np.arange(len(ps.PERSONAS), dtype=np.int8), ps.persona_counts(customers))
    return rng.permutation(codes)


def assign_anomalies(rng: np.random.Generator, persona: np.ndarray) -> np.ndarray:
    """Plant bots and fraudsters among long-standing, still active customers."""
    anomaly = np.zeros(len(persona), dtype=np.int8)
    eligible = np.flatnonzero(
        (persona != ps.PERSONA_CODE["new_customer"]) & (persona != ps.PERSONA_CODE["churning"])
    )
    bots = round(ps.BOT_SHARE * len(persona))
    fraud = round(ps.FRAUD_SHARE * len(persona))
    chosen = rng.permutation(eligible)[: bots + fraud]
    anomaly[chosen[:bots]] = BOT
    anomaly[chosen[bots:]] = FRAUD
    return anomaly


def draw_countries(rng: np.random.Generator, count: int) -> tuple[np.ndarray, ...]:
    """(country, UTC offset minutes, writes 'Z') per person."""
    shares = np.array([country[1] for country in cat.COUNTRIES])
    country = rng.choice(len(shares), size=count, p=shares / shares.sum())
    offset_choice = rng.random(count)
    offsets = np.empty(count, dtype=np.int16)
    for code, (_, _, country_offsets, _, _) in enumerate(cat.COUNTRIES):
        members = country == code
        pick = (offset_choice[members] * len(country_offsets)).astype(int)
        offsets[members] = np.array(country_offsets)[pick]
    zulu = rng.random(count) < 0.5
    return country.astype(np.int8), offsets, zulu


def sign_ups(
    rng: np.random.Generator, is_new: np.ndarray, offsets: np.ndarray, period: Period
) -> tuple[np.ndarray, np.ndarray]:
    """(sign-up day index, sign-up UTC ms): new customers join in the last ~60 days, everyone
    else one month to three years before the period."""
    count, days = len(is_new), period.days
    new_window = min(NEW_CUSTOMER_DAYS, days)
    day = np.where(
        is_new, rng.integers(days - new_window, days, count), -rng.integers(30, 1100, count)
    )
    local_time = rng.integers(8 * MS_PER_HOUR, 23 * MS_PER_HOUR, count)
    utc = period.start_ms + day * MS_PER_DAY + local_time - offsets.astype(np.int64) * 60_000
    # A sign-up inside the period lies inside it in UTC too (and leaves room for a session).
    inside = np.clip(utc, period.start_ms, period.end_ms - 3 * MS_PER_HOUR)
    return day, np.where(is_new, inside, utc)


def activity_spans(
    rng: np.random.Generator, profile: np.ndarray, signup_day: np.ndarray, period: Period
) -> tuple[np.ndarray, ...]:
    """(active_from, active_until, churn_start, churn_ramp) per actor.

    Customers are active from sign-up to the end; churners fade out linearly, starting early
    in the period; visitors come during a span of 1-30 days.
    """
    count, days = len(profile), period.days
    visitor = profile == ps.VISITOR_PROFILE
    visit_start = rng.integers(0, days, count)
    visit_length = rng.integers(1, 31, count)
    active_from = np.where(visitor, visit_start, np.maximum(signup_day, 0))
    active_until = np.where(visitor, np.minimum(visit_start + visit_length, days), days)
    churning = profile == ps.PERSONA_CODE["churning"]
    churn_start = np.where(churning, rng.uniform(0.05, 0.4, count) * days, np.inf)
    churn_ramp = np.clip(rng.uniform(10, 30, count), 2, max(2.0, 0.2 * days))
    return active_from, active_until, churn_start, churn_ramp


def session_rates(
    rng: np.random.Generator, profile: np.ndarray, active_days: np.ndarray
) -> np.ndarray:
    """Individual sessions per week around the persona median (visitors: ~2.5 visits in all)."""
    median_rate = ps.profile_column("sessions_per_week")[profile]
    spread = ps.profile_column("rate_spread")[profile]
    weekly_rate = median_rate * np.exp(spread * rng.standard_normal(len(profile)))
    visitor_rate = VISITOR_VISITS / np.maximum(active_days, 1) * 7
    return np.where(profile == ps.VISITOR_PROFILE, visitor_rate, weekly_rate)


def build_actors(rng: np.random.Generator, customers: int, period: Period) -> Actors:
    """Customers with personas and anomalies, then VISITORS_PER_CUSTOMER anonymous visitors."""
    visitors = round(VISITORS_PER_CUSTOMER * customers)
    total = customers + visitors
    persona = assign_personas(rng, customers)
    profile = np.concatenate([persona, np.full(visitors, ps.VISITOR_PROFILE, dtype=np.int8)])
    anomaly = np.concatenate([assign_anomalies(rng, persona), np.zeros(visitors, np.int8)])
    country, offsets, zulu = draw_countries(rng, total)
    is_new = profile == ps.PERSONA_CODE["new_customer"]
    signup_day, signup_ms = sign_ups(rng, is_new, offsets, period)
    active_from, active_until, churn_start, churn_ramp = activity_spans(
        rng, profile, signup_day, period
    )
    weekly_rate = session_rates(rng, profile, active_until - active_from)
    aov = ps.profile_column("aov")[profile] * np.exp(0.15 * rng.standard_normal(total))
    favourite_count = rng.integers(*ps.profile_bounds("categories_range", profile))
    favourites = shuffled_prefix(rng, total, len(cat.CATEGORIES), cat.MAX_FAVOURITE_CATEGORIES)
    feature_count = rng.integers(*ps.profile_bounds("features_range", profile))
    features = shuffled_prefix(rng, total, len(cat.APP_FEATURES), cat.MAX_FEATURES)
    preferred_payment = rng.choice(cat.ONLINE_PAYMENT_METHODS, size=total, p=PAYMENT_SHARES)
    return Actors(
        n_customers=customers,
        profile=profile,
        anomaly=anomaly,
        country=country,
        offset_minutes=offsets,
        zulu=zulu,
        signup_ms=signup_ms,
        active_from=active_from.astype(np.int32),
        active_until=active_until.astype(np.int32),
        churn_start=churn_start,
        churn_ramp=churn_ramp,
        weekly_rate=weekly_rate,
        everyday_activity=np.where(anomaly > 0, ANOMALY_EVERYDAY_ACTIVITY, 1.0),
        aov=aov,
        favourites=favourites,
        favourite_count=favourite_count.astype(np.int8),
        features=features,
        feature_count=feature_count.astype(np.int8),
        preferred_payment=preferred_payment.astype(np.int8),
    )


def user_agent_offsets() -> np.ndarray:
    """Start of each device-type group in the flattened USER_AGENTS list."""
    sizes = np.array([len(group) for group in cat.USER_AGENTS])
    return np.concatenate([[0], np.cumsum(sizes)[:-1]])


def pick_user_agent(rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
    """A user agent of the given device-type group, uniformly."""
    sizes = np.array([len(ua_group) for ua_group in cat.USER_AGENTS])
    within = (rng.random(len(group)) * sizes[group]).astype(np.int64)
    return (user_agent_offsets()[group] + within).astype(np.int16)


def random_public_ips(rng: np.random.Generator, count: int) -> np.ndarray:
    """IPv4 addresses as uint32, first octet in ordinary public ranges."""
    first = rng.choice(
        np.array([23, 31, 46, 62, 78, 81, 86, 92, 103, 109, 151, 176, 185, 203]), count
    )
    rest = rng.integers(0, 2**24, count)
    return (first.astype(np.uint32) << np.uint32(24)) | rest.astype(np.uint32)


def build_identifiers(rng: np.random.Generator, actors: Actors) -> Identifiers:
    """Cookies (1-4 per customer, 1 per visitor, + a scraper cookie for bots, + kiosks), devices."""
    profile = actors.profile
    total = len(actors)
    cookie_probs = np.array([p.cookie_probs for p in ps.PROFILES])[profile]
    cookie_count = choose(rng, cookie_probs) + 1
    has_bot_cookie = actors.anomaly == BOT
    own = cookie_count + has_bot_cookie
    cookie_start = np.concatenate([[0], np.cumsum(own)[:-1]])
    bot_cookie = np.where(has_bot_cookie, cookie_start + cookie_count, -1)
    personal = int(own.sum())

    owner = np.repeat(np.arange(total), own)
    rank = np.arange(personal) - cookie_start[owner]
    desktop_first = rng.random(personal) < ps.profile_column("desktop_share")[profile[owner]]
    other_type = choose(rng, np.tile([0.25, 0.6, 0.15], (personal, 1)))
    device_type = np.where(rank == 0, np.where(desktop_first, 0, 1), other_type)
    is_bot_cookie = np.zeros(personal, dtype=bool)
    is_bot_cookie[bot_cookie[bot_cookie >= 0]] = True
    device_type = np.where(is_bot_cookie, 0, device_type)
    ua_group = np.where(is_bot_cookie, cat.BOT_USER_AGENT_GROUP, device_type)
    kiosk_type = cat.DEVICE_TYPES.index("kiosk")

    device_probs = np.array([p.device_probs for p in ps.PROFILES])[profile]
    device_count = np.where(actors.is_customer, choose(rng, device_probs), 0)
    device_start = np.concatenate([[0], np.cumsum(device_count)[:-1]])
    devices = int(device_count.sum())

    return Identifiers(
        cookie_owner=np.concatenate([owner, np.full(KIOSKS, -1)]).astype(np.int32),
        cookie_device_type=np.concatenate([device_type, np.full(KIOSKS, kiosk_type)]).astype(
            np.int8
        ),
        cookie_user_agent=np.concatenate(
            [pick_user_agent(rng, ua_group), pick_user_agent(rng, np.full(KIOSKS, kiosk_type))]
        ),
        cookie_ip=random_public_ips(rng, personal + KIOSKS),
        cookie_start=cookie_start.astype(np.int32),
        cookie_count=cookie_count.astype(np.int32),
        bot_cookie=bot_cookie.astype(np.int32),
        kiosk_cookies=np.arange(personal, personal + KIOSKS, dtype=np.int32),
        device_owner=np.repeat(np.arange(total), device_count).astype(np.int32),
        device_platform=(rng.random(devices) < 0.45).astype(np.int8),
        device_version_lag=(rng.random(devices) < 0.3).astype(np.int8),
        device_start=device_start.astype(np.int32),
        device_count=device_count.astype(np.int32),
    )
