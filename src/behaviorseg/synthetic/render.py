"""Numeric generator state -> Arrow tables in the raw contract (one call per file)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from behaviorseg.synthetic import catalog as cat
from behaviorseg.synthetic import events as ev
from behaviorseg.synthetic import text
from behaviorseg.synthetic.calendar import MS_PER_DAY, Period
from behaviorseg.synthetic.commerce import CHANNELS, STATUSES, OrderLines, Orders
from behaviorseg.synthetic.crm import BOOLEAN_ENCODINGS, CustomerRows, People, TicketRows, Tickets
from behaviorseg.synthetic.experiments import EXPERIMENTS, VARIANTS, AssignmentRows
from behaviorseg.synthetic.mess import (
    BAD_TIMESTAMP,
    BAD_TIMESTAMPS,
    NEGATIVE_TOTAL,
    NULL_CUSTOMER,
    NULL_ID,
    NULL_TYPE,
    RawEventRows,
    RawOrderRows,
)
from behaviorseg.synthetic.population import Actors, Identifiers
from behaviorseg.synthetic.sessions import Sessions

STRING = pa.string()
UTC_MS = pa.timestamp("ms", tz="UTC")
SCHEMAS: dict[str, pa.Schema] = {
    "web_events": pa.schema(
        [("event_id", STRING), ("anonymous_id", STRING), ("user_id", STRING),
         ("event_type", STRING), ("event_ts", STRING), ("page_url", STRING),
         ("referrer", STRING), ("product_id", STRING), ("category", STRING),
         ("price", pa.float64()), ("scroll_depth", pa.int32()), ("time_on_page_s", pa.float64()),
         ("device_type", STRING), ("user_agent", STRING), ("ip", STRING), ("received_at", UTC_MS)]
    ),
    "app_events": pa.schema(
        [("event_id", STRING), ("device_id", STRING), ("user_id", STRING), ("event_name", STRING),
         ("feature", STRING), ("screen", STRING), ("platform", STRING), ("app_version", STRING),
         ("event_ts", STRING), ("received_at", UTC_MS)]
    ),
    "orders": pa.schema(
        [("order_id", STRING), ("customer_id", STRING), ("order_ts", STRING), ("status", STRING),
         ("channel", STRING), ("payment_method", STRING), ("currency", STRING),
         ("total_amount", pa.float64()), ("discount_amount", pa.float64())]
    ),
    "order_items": pa.schema(
        [("order_id", STRING), ("line_number", pa.int32()), ("product_id", STRING),
         ("category", STRING), ("quantity", pa.int32()), ("unit_price", pa.float64())]
    ),
    "support_tickets": pa.schema(
        [("ticket_id", STRING), ("customer_id", STRING), ("email", STRING), ("channel", STRING),
         ("category", STRING), ("opened_at", STRING), ("resolved_at", UTC_MS),
         ("csat_score", pa.int32())]
    ),
    "customers": pa.schema(
        [("customer_id", STRING), ("email", STRING), ("phone", STRING), ("first_name", STRING),
         ("last_name", STRING), ("country", STRING), ("signup_ts", STRING),
         ("marketing_consent", STRING), ("tracking_consent", STRING), ("updated_at", UTC_MS)]
    ),
    "experiment_assignments": pa.schema(
        [("experiment_id", STRING), ("customer_id", STRING), ("variant", STRING),
         ("assigned_at", STRING)]
    ),
}  # fmt: skip
DICTIONARY_COLUMNS: dict[str, frozenset[str]] = {
    "web_events": frozenset(
        {
            "event_type",
            "page_url",
            "referrer",
            "product_id",
            "category",
            "device_type",
            "user_agent",
        }
    ),
    "app_events": frozenset({"event_name", "feature", "screen", "platform", "app_version"}),
    "orders": frozenset({"status", "channel", "payment_method", "currency"}),
    "order_items": frozenset({"product_id", "category"}),
    "support_tickets": frozenset({"channel", "category"}),
    "customers": frozenset({"marketing_consent", "tracking_consent"}),
    "experiment_assignments": frozenset({"experiment_id", "variant"}),
}


def wire_schema(entity: str) -> pa.Schema:
    """The in-memory schema: small vocabularies as dictionaries (plain text in the files)."""
    return pa.schema(
        [
            pa.field(field.name, pa.dictionary(pa.int32(), STRING))
            if field.name in DICTIONARY_COLUMNS[entity]
            else field
            for field in SCHEMAS[entity]
        ]
    )


WIRE_SCHEMAS = {entity: wire_schema(entity) for entity in SCHEMAS}
WEB_ID_SALT, APP_ID_SALT, COOKIE_SALT, DEVICE_SALT = 0x5EB, 0xA99, 0xC00C1E, 0xDE71CE

# App screens: the static screens, then one per kind of event (codes from app_screens()).
APP_SCREEN_NAMES: tuple[str, ...] = (
    *cat.APP_SCREENS, "home", "category", "product", "search", "feature", "checkout",
    "order_confirmation",
)  # fmt: skip
ASCII_NAMES = {"Léa": "lea", "João": "joao", "Müller": "mueller", "de Vries": "devries"}
FIXED_PAGES: tuple[str, ...] = ("/", "/login", "/cart", "/checkout", "/checkout/confirmation")


def strings(values: tuple[str | None, ...] | list[str | None]) -> pa.Array:
    """A small lookup table as an Arrow string array."""
    return pa.array(list(values), type=STRING)


@dataclass(frozen=True)
class Vocabulary:
    """Distinct names (an Arrow dictionary) and the dictionary code of every position of a
    lookup list that may repeat names or hold None (code -1)."""

    names: pa.Array
    codes: np.ndarray

    @classmethod
    def of(cls, names: tuple[str | None, ...] | list[str | None]) -> Vocabulary:
        """Parquet writes dictionaries as given, so they must not repeat values (or hold
        nulls): repeated values make the written bytes differ from run to run."""
        distinct = list(dict.fromkeys(name for name in names if name is not None))
        codes = np.array([distinct.index(name) if name is not None else -1 for name in names])
        return cls(strings(distinct), codes)

    def encode(self, positions: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
        """Dictionary array of the names at `positions` (null where missing or None)."""
        return text.dictionary(self.names, self.codes[positions.astype(np.int64)], missing)


WEB_EVENT_TYPES = Vocabulary.of(ev.WEB_EVENT_TYPES)
APP_EVENT_NAMES = Vocabulary.of(ev.APP_EVENT_NAMES)
CATEGORY_NAMES = strings(cat.CATEGORIES)
DEVICE_TYPE_NAMES = strings(cat.DEVICE_TYPES)
USER_AGENT_STRINGS = strings([agent for group in cat.USER_AGENTS for agent in group])
APP_FEATURE_NAMES = strings(cat.APP_FEATURES)
APP_SCREENS = Vocabulary.of(APP_SCREEN_NAMES)
PLATFORM_NAMES = strings(cat.PLATFORMS)
APP_VERSION_NAMES = strings(cat.APP_VERSIONS)
BAD_TIMESTAMP_TEXT = strings(BAD_TIMESTAMPS)
STATUS_NAMES = strings(STATUSES)
CHANNEL_NAMES = strings(CHANNELS)
PAYMENT_NAMES = strings(cat.PAYMENT_METHODS)
CURRENCIES = Vocabulary.of([country[3] for country in cat.COUNTRIES])
COUNTRY_CODES = strings([country[0] for country in cat.COUNTRIES])
PHONE_PREFIXES = strings([country[4] for country in cat.COUNTRIES])
FIRST_NAME_TEXT = strings(cat.FIRST_NAMES)
LAST_NAME_TEXT = strings(cat.LAST_NAMES)
EMAIL_DOMAIN_TEXT = strings(cat.EMAIL_DOMAINS)
TICKET_CHANNEL_NAMES = strings(cat.TICKET_CHANNELS)
TICKET_CATEGORY_NAMES = strings(cat.TICKET_CATEGORIES)
EXPERIMENT_NAMES = strings(EXPERIMENTS)
VARIANT_NAMES = strings(VARIANTS)
CONSENT_TEXT = strings([text_value for pair in BOOLEAN_ENCODINGS for text_value in pair])


def ascii_lower(names: tuple[str, ...]) -> pa.Array:
    """Names as they appear in e-mail addresses."""
    return strings([ASCII_NAMES.get(name, name).lower().replace(" ", "") for name in names])


FIRST_NAME_EMAIL = ascii_lower(cat.FIRST_NAMES)
LAST_NAME_EMAIL = ascii_lower(cat.LAST_NAMES)


def dotted_quads(addresses: np.ndarray) -> pa.Array:
    """IPv4 text from uint32."""
    octets = [
        pc.cast(pa.array((addresses >> np.uint32(shift)) & np.uint32(255)), STRING)
        for shift in (24, 16, 8, 0)
    ]
    return text.join(octets[0], ".", octets[1], ".", octets[2], ".", octets[3])


@dataclass(frozen=True)
class UrlCodes:
    """Where each kind of page starts in the web URL vocabulary."""

    fixed: int
    category: int
    product: int
    search: int
    static: int
    external: int


def url_vocabulary(catalog: cat.Catalog) -> tuple[pa.Array, UrlCodes]:
    """Every page URL of the shop (and the external referrers), with section offsets."""
    sections = [
        list(FIXED_PAGES),
        [f"/c/{name}" for name in cat.CATEGORIES],
        [f"/p/{product}" for product in catalog.product_ids.to_pylist()],
        [f"/search?q={word}" for word in cat.SEARCH_WORDS],
        list(cat.STATIC_PAGES),
        list(cat.EXTERNAL_REFERRERS),
    ]
    starts = np.concatenate([[0], np.cumsum([len(section) for section in sections])[:-1]])
    return strings([url for section in sections for url in section]), UrlCodes(*starts.tolist())


@dataclass
class World:
    """Everything the renderers read, plus lookup tables built once."""

    period: Period
    actors: Actors
    ids: Identifiers
    catalog: cat.Catalog
    sessions: Sessions
    events: ev.Events
    orders: Orders
    lines: OrderLines
    tickets: Tickets
    people: People
    # Lookup tables derived from the above.
    customer_ids: pa.Array = field(init=False)
    cookie_ids: pa.Array = field(init=False)
    device_ids: pa.Array = field(init=False)
    cookie_ips: pa.Array = field(init=False)
    order_ids: pa.Array = field(init=False)
    urls: pa.Array = field(init=False)
    url_codes: UrlCodes = field(init=False)

    def __post_init__(self) -> None:
        self.customer_ids = text.padded_numbers("C", np.arange(1, self.actors.n_customers + 1), 7)
        self.cookie_ids = text.hex_ids(np.arange(len(self.ids.cookie_owner)), COOKIE_SALT)
        self.device_ids = text.hex_ids(
            np.arange(len(self.ids.device_owner)), DEVICE_SALT, 16, upper=True
        )
        self.cookie_ips = dotted_quads(self.ids.cookie_ip)
        self.order_ids = text.padded_numbers("ORD-", self.orders.number, 8)
        self.urls, self.url_codes = url_vocabulary(self.catalog)

    def local_text(self, utc_ms: np.ndarray, actor: np.ndarray) -> pa.Array:
        """ISO-8601 text in each actor's own UTC offset."""
        return text.local_timestamps(
            utc_ms, self.actors.offset_minutes[actor], self.actors.zulu[actor]
        )

    def customer_id(self, actor: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
        """Customer ids (null for visitors and where `missing`)."""
        visitor = actor >= self.actors.n_customers
        return text.lookup(self.customer_ids, np.where(visitor, -1, actor), missing)


def url_codes(world: World, event: np.ndarray) -> np.ndarray:
    """Index into the URL vocabulary of each web event's page."""
    events, codes = world.events, world.url_codes
    kind = events.kind[event]
    page = events.page[event].astype(np.int64)
    return np.select(
        [kind == ev.HOME, (kind == ev.PAGE) & (page >= 0), kind == ev.PAGE,
         (kind == ev.PRODUCT) | (kind == ev.ADD), kind == ev.SEARCH, kind == ev.LOGIN,
         kind == ev.REMOVE, kind == ev.CHECKOUT],
        [codes.fixed, codes.static + page, codes.category + events.category[event].astype(np.int64),
         codes.product + events.product[event].astype(np.int64),
         codes.search + events.term[event].astype(np.int64), codes.fixed + 1, codes.fixed + 2,
         codes.fixed + 3],
        codes.fixed + 4,
    )  # fmt: skip


def web_urls(world: World, event: np.ndarray) -> pa.Array:
    """The page URL of web events."""
    return text.dictionary(world.urls, url_codes(world, event))


def web_referrers(world: World, event: np.ndarray) -> pa.Array:
    """The previous page of the session, or the external referrer of a landing (null: direct)."""
    events = world.events
    previous = np.maximum(event - 1, 0)
    landing = (event == 0) | (events.session[previous] != events.session[event])
    external = world.sessions.referrer[events.session[event]].astype(np.int64)
    external = np.where(external >= 0, world.url_codes.external + external, -1)
    return text.dictionary(world.urls, np.where(landing, external, url_codes(world, previous)))


def received_at(ms: np.ndarray) -> pa.Array:
    """UTC timestamps from epoch ms."""
    return pa.array(ms.astype("datetime64[ms]"), type=UTC_MS)


def event_ts_text(
    world: World, event: np.ndarray, actor: np.ndarray, utc: np.ndarray, defect: np.ndarray
) -> pa.Array:
    """Event times as local text (UTC 'Z' where `utc`), broken where the row is defective."""
    offsets = np.where(utc, 0, world.actors.offset_minutes[actor])
    rendered = text.local_timestamps(
        world.events.ts_ms[event], offsets, utc | world.actors.zulu[actor]
    )
    broken = defect == BAD_TIMESTAMP
    if not broken.any():
        return rendered
    junk = BAD_TIMESTAMP_TEXT.take(pa.array(np.arange(len(event)) % len(BAD_TIMESTAMPS)))
    return pc.if_else(pa.array(broken), junk, rendered)


def web_events_table(world: World, rows: RawEventRows) -> pa.Table:
    """Raw web events."""
    events, ids = world.events, world.ids
    event = rows.event
    actor = world.sessions.actor[events.session[event]]
    cookie = events.ident[event]
    product = events.product[event]
    scroll = events.scroll[event]
    dwell = events.time_on_page_ms[event]
    columns = [
        text.null_where(
            text.hex_ids(rows.id_number.astype(np.uint64), WEB_ID_SALT), rows.defect == NULL_ID
        ),
        world.cookie_ids.take(pa.array(cookie)),
        world.customer_id(actor, ~events.logged_in[event]),
        WEB_EVENT_TYPES.encode(events.kind[event], rows.defect == NULL_TYPE),
        event_ts_text(world, event, actor, np.zeros(len(event), dtype=bool), rows.defect),
        web_urls(world, event),
        web_referrers(world, event),
        text.dictionary(world.catalog.product_ids, product),
        text.dictionary(CATEGORY_NAMES, events.category[event]),
        text.nullable(
            world.catalog.price_cents[np.maximum(product, 0)] / 100.0, product < 0, pa.float64()
        ),
        text.nullable(scroll.astype(np.int32), scroll < 0, pa.int32()),
        text.nullable(dwell / 1000.0, dwell < 0, pa.float64()),
        text.dictionary(DEVICE_TYPE_NAMES, ids.cookie_device_type[cookie]),
        text.dictionary(USER_AGENT_STRINGS, ids.cookie_user_agent[cookie]),
        world.cookie_ips.take(pa.array(cookie)),
        received_at(rows.received_ms),
    ]
    return pa.Table.from_arrays(columns, schema=WIRE_SCHEMAS["web_events"])


def app_screens(kind: np.ndarray, page: np.ndarray) -> np.ndarray:
    """Screen name codes (into APP_SCREEN_NAMES) of app events."""
    base = len(cat.APP_SCREENS)
    return np.select(
        [(kind == ev.APP_OPEN) | (kind == ev.PUSH_OPEN), (kind == ev.PAGE) & (page >= 0),
         kind == ev.PAGE, (kind == ev.PRODUCT) | (kind == ev.ADD), kind == ev.SEARCH,
         kind == ev.FEATURE, kind == ev.CHECKOUT],
        [base, page, base + 1, base + 2, base + 3, base + 4, base + 5],
        base + 6,
    )  # fmt: skip


def app_events_table(world: World, rows: RawEventRows) -> pa.Table:
    """Raw app events (Android's SDK sends UTC, iOS the local offset)."""
    events, ids, period = world.events, world.ids, world.period
    event = rows.event
    actor = world.sessions.actor[events.session[event]]
    device = events.ident[event]
    platform = ids.device_platform[device]
    kind = events.kind[event]
    day = (events.ts_ms[event] - period.start_ms) // MS_PER_DAY
    release = day // cat.APP_RELEASE_EVERY_DAYS - ids.device_version_lag[device]
    version = np.clip(release, 0, len(cat.APP_VERSIONS) - 1)
    columns = [
        text.null_where(
            text.hex_ids(rows.id_number.astype(np.uint64), APP_ID_SALT), rows.defect == NULL_ID
        ),
        world.device_ids.take(pa.array(device)),
        world.customer_id(actor, ~events.logged_in[event]),
        APP_EVENT_NAMES.encode(kind, rows.defect == NULL_TYPE),
        text.dictionary(APP_FEATURE_NAMES, events.feature[event]),
        APP_SCREENS.encode(app_screens(kind, events.page[event].astype(np.int64))),
        text.dictionary(PLATFORM_NAMES, platform),
        text.dictionary(APP_VERSION_NAMES, version),
        event_ts_text(world, event, actor, platform == cat.PLATFORMS.index("android"), rows.defect),
        received_at(rows.received_ms),
    ]
    return pa.Table.from_arrays(columns, schema=WIRE_SCHEMAS["app_events"])


def orders_table(world: World, rows: RawOrderRows) -> pa.Table:
    """Raw orders."""
    orders = world.orders
    order = rows.order
    actor = orders.actor[order]
    total = orders.total_cents[order] / 100.0
    total = np.where(rows.defect == NEGATIVE_TOTAL, -np.abs(total) - 1.0, total)
    columns = [
        text.padded_numbers("ORD-", rows.number, 8),
        world.customer_id(actor, rows.defect == NULL_CUSTOMER),
        world.local_text(orders.ts_ms[order], actor),
        text.dictionary(STATUS_NAMES, rows.status),
        text.dictionary(CHANNEL_NAMES, orders.channel[order]),
        text.dictionary(PAYMENT_NAMES, orders.payment[order]),
        CURRENCIES.encode(world.actors.country[actor]),
        pa.array(total, type=pa.float64()),
        pa.array(orders.discount_cents[order] / 100.0, type=pa.float64()),
    ]
    return pa.Table.from_arrays(columns, schema=WIRE_SCHEMAS["orders"])


def order_items_table(world: World, line: np.ndarray) -> pa.Table:
    """Raw order lines."""
    lines, catalog = world.lines, world.catalog
    product = lines.product[line]
    columns = [
        world.order_ids.take(pa.array(lines.order[line])),
        pa.array(lines.line_number[line], type=pa.int32()),
        text.dictionary(catalog.product_ids, product),
        text.dictionary(CATEGORY_NAMES, catalog.product_category[product]),
        pa.array(lines.quantity[line], type=pa.int32()),
        pa.array(lines.unit_cents[line] / 100.0, type=pa.float64()),
    ]
    return pa.Table.from_arrays(columns, schema=WIRE_SCHEMAS["order_items"])


def emails(world: World, customer: np.ndarray) -> pa.Array:
    """Customers' e-mail addresses as the CRM stores them (lower case).

    The number is the customer's own index, so two customers never share an address (a shared
    address would rightly stitch two accounts into one person).
    """
    people = world.people
    return text.join(
        FIRST_NAME_EMAIL.take(pa.array(people.first_name[customer])),
        ".",
        LAST_NAME_EMAIL.take(pa.array(people.last_name[customer])),
        pc.cast(pa.array(np.asarray(customer) + 1), STRING),
        "@",
        EMAIL_DOMAIN_TEXT.take(pa.array(people.email_domain[customer])),
    )


def phones(world: World, customer: np.ndarray) -> pa.Array:
    """Phone numbers in three notations (international spaced, compact, national)."""
    people = world.people
    digits = text.padded_numbers("", people.phone_number[customer], 10)
    area = pc.utf8_slice_codeunits(digits, 0, 3)
    middle = pc.utf8_slice_codeunits(digits, 3, 6)
    rest = pc.utf8_slice_codeunits(digits, 6, 10)
    prefix = PHONE_PREFIXES.take(pa.array(world.actors.country[customer].astype(np.int64)))
    spaced = text.join(prefix, " ", area, " ", middle, " ", rest)
    compact = text.join(prefix, digits)
    national = text.join("(", area, ") ", middle, "-", rest)
    style = people.phone_style[customer]
    return pc.if_else(
        pa.array(style == 0), spaced, pc.if_else(pa.array(style == 1), compact, national)
    )


def customers_table(world: World, rows: CustomerRows) -> pa.Table:
    """Raw CRM customer records."""
    customer = rows.customer
    country = COUNTRY_CODES.take(pa.array(world.actors.country[customer].astype(np.int64)))
    country = pc.if_else(pa.array(rows.lower_country), pc.utf8_lower(country), country)
    encoding = rows.encoding.astype(np.int64) * 2
    columns = [
        world.customer_ids.take(pa.array(customer)),
        emails(world, customer),
        phones(world, customer),
        FIRST_NAME_TEXT.take(pa.array(world.people.first_name[customer])),
        LAST_NAME_TEXT.take(pa.array(world.people.last_name[customer])),
        country,
        text.null_where(
            world.local_text(world.actors.signup_ms[customer], customer), rows.no_signup
        ),
        text.dictionary(CONSENT_TEXT, encoding + ~rows.marketing),
        text.dictionary(CONSENT_TEXT, encoding + ~rows.tracking),
        received_at(rows.updated_ms),
    ]
    return pa.Table.from_arrays(columns, schema=WIRE_SCHEMAS["customers"])


def tickets_table(world: World, rows: TicketRows) -> pa.Table:
    """Raw support tickets; requesters type their e-mail in varying case and spacing."""
    tickets = world.tickets
    ticket = rows.ticket
    customer = tickets.customer[ticket]
    email = emails(world, customer)
    variant = tickets.email_variant[ticket]
    email = pc.if_else(pa.array(variant == 1), pc.utf8_upper(email), email)
    email = pc.if_else(pa.array(variant == 2), text.join("  ", email, " "), email)
    email = pc.if_else(pa.array(variant == 3), pc.utf8_capitalize(email), email)
    resolved = tickets.resolved_ms[ticket]
    csat = tickets.csat[ticket].astype(np.int32)
    columns = [
        text.padded_numbers("T-", ticket + 1, 7),
        world.customer_ids.take(pa.array(customer)),
        email,
        text.dictionary(TICKET_CHANNEL_NAMES, tickets.channel[ticket]),
        text.dictionary(TICKET_CATEGORY_NAMES, tickets.category[ticket]),
        world.local_text(tickets.opened_ms[ticket], customer),
        pa.array(resolved.astype("datetime64[ms]"), type=UTC_MS, mask=~rows.resolved),
        text.nullable(csat, ~rows.resolved | (csat == 0), pa.int32()),
    ]
    return pa.Table.from_arrays(columns, schema=WIRE_SCHEMAS["support_tickets"])


def assignments_table(world: World, rows: AssignmentRows, index: np.ndarray) -> pa.Table:
    """Raw experiment assignments."""
    customer = rows.customer[index]
    columns = [
        text.dictionary(EXPERIMENT_NAMES, rows.experiment[index]),
        world.customer_ids.take(pa.array(customer)),
        text.dictionary(VARIANT_NAMES, rows.treatment[index].astype(np.int64)),
        world.local_text(rows.assigned_ms[index], customer),
    ]
    return pa.Table.from_arrays(columns, schema=WIRE_SCHEMAS["experiment_assignments"])
