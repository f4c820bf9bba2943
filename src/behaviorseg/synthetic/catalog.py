"""Reference data of the shop: categories and products, app features, pages, countries, devices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from behaviorseg.synthetic import text

# Category -> median product price (the shop's currency units).
CATEGORY_MEDIAN_PRICE: dict[str, float] = {
    "electronics": 140.0, "computers": 420.0, "phones": 320.0, "home": 45.0,
    "kitchen": 35.0, "garden": 30.0, "fashion": 40.0, "shoes": 75.0, "beauty": 20.0,
    "sports": 45.0, "toys": 25.0, "books": 15.0, "grocery": 8.0, "pets": 20.0,
}  # fmt: skip
CATEGORIES: tuple[str, ...] = tuple(CATEGORY_MEDIAN_PRICE)
PRODUCTS_PER_CATEGORY = 150
SEARCH_TERMS_PER_CATEGORY = 3
SEARCH_WORDS: tuple[str, ...] = (
    "tv", "headphones", "speaker", "laptop", "monitor", "keyboard", "iphone", "android", "charger",
    "sofa", "lamp", "rug", "pan", "coffee+maker", "knife", "hose", "grill", "planter", "dress",
    "jacket", "jeans", "sneakers", "boots", "sandals", "lipstick", "shampoo", "perfume", "yoga+mat",
    "dumbbells", "bike", "lego", "puzzle", "doll", "novel", "cookbook", "comics", "coffee", "tea",
    "snacks", "dog+food", "cat+litter", "leash",
)  # fmt: skip

APP_FEATURES: tuple[str, ...] = (
    "wishlist", "barcode_scan", "store_locator", "order_tracking", "recommendations",
    "loyalty_card", "price_alerts", "reviews", "ar_try_on", "size_guide", "gift_cards",
    "chat_support",
)  # fmt: skip
MAX_FEATURES = 10
MAX_FAVOURITE_CATEGORIES = 12

# Static web pages (page_view that is not a category page) and app screens.
STATIC_PAGES: tuple[str, ...] = ("/deals", "/new-arrivals", "/account", "/help", "/stores")
APP_SCREENS: tuple[str, ...] = ("home", "deals", "new_arrivals", "account", "orders")
EXTERNAL_REFERRERS: tuple[str, ...] = (
    "https://www.google.com/", "https://www.bing.com/", "https://www.facebook.com/",
    "https://www.instagram.com/", "https://t.co/", "https://newsletter.example-shop.com/",
)  # fmt: skip

PAYMENT_METHODS: tuple[str, ...] = (
    "card", "paypal", "apple_pay", "google_pay", "klarna", "gift_card", "cash",
)  # fmt: skip
ONLINE_PAYMENT_METHODS = 6  # the first six; cash only in store

# Country, share of people, UTC offsets in minutes (one per person), currency, phone prefix.
COUNTRIES: tuple[tuple[str, float, tuple[int, ...], str, str], ...] = (
    ("US", 0.34, (-300, -480, -360), "USD", "+1"),
    ("GB", 0.15, (0,), "GBP", "+44"),
    ("DE", 0.10, (60,), "EUR", "+49"),
    ("FR", 0.08, (60,), "EUR", "+33"),
    ("IN", 0.10, (330,), "USD", "+91"),
    ("AU", 0.07, (600,), "AUD", "+61"),
    ("CA", 0.06, (-300, -480), "CAD", "+1"),
    ("NL", 0.04, (60,), "EUR", "+31"),
    ("BR", 0.03, (-180,), "USD", "+55"),
    ("JP", 0.03, (540,), "USD", "+81"),
)

DEVICE_TYPES: tuple[str, ...] = ("desktop", "mobile", "tablet", "kiosk")
USER_AGENTS: tuple[tuple[str, ...], ...] = (
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36",
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/123.0.0.0 Mobile Safari/537.36",
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/123.0.0.0 Safari/537.36",
    ),
    ("Mozilla/5.0 (X11; Linux armv7l) AppleWebKit/537.36 (KHTML, like Gecko) StoreKiosk/3.2",),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "HeadlessChrome/124.0.0.0 Safari/537.36",),
)  # fmt: skip
BOT_USER_AGENT_GROUP = 4
PLATFORMS: tuple[str, ...] = ("ios", "android")
APP_VERSIONS: tuple[str, ...] = ("5.0.2", "5.1.0", "5.2.1", "5.3.0", "5.4.2", "5.5.0", "5.6.1")
APP_RELEASE_EVERY_DAYS = 60

FIRST_NAMES: tuple[str, ...] = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas", "Mia", "Leon", "Sofia", "Arjun", "Priya",
    "Hannah", "Jack", "Chloe", "Louis", "Léa", "Ben", "Aiko", "Kenji", "Ana", "João", "Zoe",
    "Ethan", "Isla", "Mateo", "Amelia", "Felix", "Nora", "Rohan", "Grace",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Müller", "Schmidt", "Martin", "Bernard",
    "Dubois", "Sharma", "Patel", "Singh", "Jones", "Williams", "Nguyen", "Tanaka", "Sato", "Silva",
    "Santos", "de Vries", "Jansen", "Murphy", "Kelly", "Lee", "Walker", "Clark", "Young",
)  # fmt: skip
EMAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "gmx.de", "orange.fr",
)  # fmt: skip

TICKET_CHANNELS: tuple[str, ...] = ("email", "chat", "phone")
TICKET_CATEGORIES: tuple[str, ...] = (
    "delivery", "returns", "billing", "account", "product_question", "other",
)  # fmt: skip


@dataclass(frozen=True)
class Catalog:
    """Products sorted by (category, price); category blocks are contiguous."""

    product_category: np.ndarray  # int8
    price_cents: np.ndarray  # int64
    category_start: np.ndarray  # first product of each category
    category_size: np.ndarray
    product_ids: pa.StringArray

    @property
    def sort_keys(self) -> np.ndarray:
        """category * 10^9 + price: searchable for 'the product nearest this price in category'."""
        return self.product_category.astype(np.int64) * 1_000_000_000 + self.price_cents


def build_catalog(rng: np.random.Generator) -> Catalog:
    """PRODUCTS_PER_CATEGORY products per category, lognormal prices around the median, x.99."""
    medians = np.array(list(CATEGORY_MEDIAN_PRICE.values()))
    category = np.repeat(np.arange(len(CATEGORIES), dtype=np.int8), PRODUCTS_PER_CATEGORY)
    raw_price = medians[category] * rng.lognormal(0.0, 0.75, len(category))
    price_cents = np.maximum(np.round(raw_price) * 100 - 1, 99).astype(np.int64)
    order = np.lexsort((price_cents, category))
    category, price_cents = category[order], price_cents[order]
    category_start = np.arange(len(CATEGORIES)) * PRODUCTS_PER_CATEGORY
    # Product ids do not reveal the price order: they are shuffled.
    product_numbers = rng.permutation(len(category)) + 10_001
    return Catalog(
        product_category=category,
        price_cents=price_cents,
        category_start=category_start,
        category_size=np.full(len(CATEGORIES), PRODUCTS_PER_CATEGORY),
        product_ids=text.padded_numbers("P", product_numbers, 5),
    )


def category_median_cents() -> np.ndarray:
    """Median price of every category, in cents."""
    return np.array(list(CATEGORY_MEDIAN_PRICE.values())) * 100


def nearest_product(catalog: Catalog, category: np.ndarray, target_cents: np.ndarray) -> np.ndarray:
    """Index of the product of `category` whose price is nearest `target_cents`."""
    keys = catalog.sort_keys
    wanted = category.astype(np.int64) * 1_000_000_000 + np.maximum(target_cents, 1).astype(
        np.int64
    )
    upper = np.searchsorted(keys, wanted)
    first = catalog.category_start[category]
    last = first + catalog.category_size[category] - 1
    upper = np.clip(upper, first, last)
    lower = np.clip(upper - 1, first, last)
    use_lower = np.abs(keys[lower] - wanted) < np.abs(keys[upper] - wanted)
    return np.where(use_lower, lower, upper)
