"""What a rebalance is asked for (bands, weights, limits, solver) and how its solver is tuned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

POTENTIAL = "potential"
WORKLOAD = "workload_hours"
ACCOUNT_COUNT = "account_count"  # a band on the number of accounts, not a column


@dataclass(frozen=True)
class Band:
    """A balance measure and how far a rep's total may stray from its target (a share, 0.05 = ±5 %).

    `measure` is `potential`, `workload_hours`, `account_count` or any other
    numeric column of the accounts.
    """

    measure: str
    tolerance: float


@dataclass(frozen=True)
class RebalanceSettings:
    """What a rebalance balances, how it trades compactness against moves, and how it is solved.

    - `bands`: balance measures with their tolerance around a capacity-share target.
    - `distance_weight`: the account column that weights distance in the
      compactness term (potential by default; `workload_hours`; None = plain distance).
      Every account weighs at least `weight_floor` × the mean weight, so a prospect
      with zero potential still belongs near its rep instead of anywhere.
    - `disruption_weight` (λ): cost of moving all of the team's revenue, against
      a compactness of 1.0 for the nearest-rep ideal. Moved revenue is the
      `revenue` column when present, else potential.
    - `max_moved_revenue_share`: cap on the share of revenue that changes owner.
    - `max_distance`: no account goes to a rep whose home is farther than this.
    - `distance_unit`: "km" or "min" (when a drive-time matrix is passed).
    - `travel`: fold travel into workload: `workload_hours += visits_per_year × 2 ×
      distance / travel_speed_kmh` (× 2 / 60 for minutes). Targets then share the
      team's realised workload, travel included.
    - `band_penalty`: objective cost of missing a band by one average rep's target.
    - `solver`: "highs" (highspy, default) or "cbc" (through PuLP).
    - `time_limit_s`: a safety net, not a budget: every step ends on a work limit
      (rounds, moves, nodes), so the answer depends only on the inputs; a run
      this clock stops anyway is returned with status "incomplete". `mip_gap`: the
      relative gap to the LP bound at which an answer counts as optimal (and at
      which the exact MIP of a small instance stops).
    """

    bands: tuple[Band, ...] = (Band(POTENTIAL, 0.05), Band(WORKLOAD, 0.10))
    distance_weight: str | None = POTENTIAL
    weight_floor: float = 0.1
    disruption_weight: float = 1.0
    max_moved_revenue_share: float | None = None
    max_distance: float | None = None
    distance_unit: Literal["km", "min"] = "km"
    travel: bool = False
    travel_speed_kmh: float = 60.0
    band_penalty: float = 1000.0
    solver: Literal["highs", "cbc"] = "highs"
    time_limit_s: float = 600.0
    mip_gap: float = 1e-4


@dataclass(frozen=True, kw_only=True)
class Tuning:
    """How the solver goes about it: block sizes, tolerances, round limits and thresholds.

    None of these changes the model (costs, bands, penalty); they decide how an
    answer is found and when a band counts as met. The defaults are the ones
    docs/optimize.md was measured with. A test can send a tiny book down a path
    meant for large ones, e.g. `dataclasses.replace(Tuning(), exact_pairs=0)`
    skips the exact MIP.
    """

    # -- data: every pair is priced in blocks; what counts as a met band
    chunk_rows: int = 8_192  # account rows per block when pricing every pair: bounds memory
    # A load within a millionth of its target past a band edge meets the band: a dollar
    # on a territory of millions is rounding, not a broken band.
    band_tolerance: float = 1e-6

    # -- groups of nearby accounts for the first prices
    # Above this many movable accounts the first candidate reps come from LPs over groups
    # of nearby accounts: an LP over 100,000 accounts is slow to start, one over groups is not.
    aggregate_above: int = 6_000
    group_share: float = 0.3  # groups per unit of the level below
    group_gap: float = 1e-3  # the group LP only seeds the account LP: a looser stop will do

    # -- first candidate pairs
    initial_cheapest_reps: int = 4  # each unit brings this many of its cheapest reps
    fill_factor: float = 1.5  # each rep starts with nearby accounts worth 1.5× its upper band
    subgradient_rounds: int = 25  # steps on the band prices; each step's answer adds columns
    subgradient_decay: float = 0.8  # each step is this share of the one before

    # -- column generation
    edge_margin: float = 0.05  # share of each band's half-width the LPs keep clear
    price_tolerance: float = 1e-6  # a reduced cost below −tolerance (model units) enters the LP
    # Relative gap between restricted LP and bound at which pricing stops.
    lagrangian_gap: float = 1e-5
    max_pricing_rounds: int = 60  # master solves per column generation, at most
    new_columns_per_account: int = 3  # pairs a free unit may gain per pricing round
    release_per_round: int = 5_000  # settled accounts given rows again per round, worst drift first
    # Above this many free units (or 3 × coupling rows) the master is rebuilt.
    compact_free: int = 5_000
    compact_reduced_cost: float = 1e-6  # columns this close to their unit's price survive a rebuild
    split: float = 1e-6  # an LP share strictly between split and 1 − split splits an account

    # -- from the LP to an assignment: exact MIP or dive
    exact_pairs: int = 4_000  # up to this many account–rep pairs the MIP is solved exactly
    # Above this a dive round takes seconds: local search rounds instead.
    dive_max_units: int = 50_000
    dive_share: float = 0.1  # an account is big if it fills over 10 % of a typical band half-width
    max_dive_rounds: int = 60  # rounds of fixing big split units, at most
    dive_pricing_rounds: int = 2  # solves per dive round: one, a pricing pass, and one more
    loosen_per_rep: int = 30  # settled units per rep given a row back before the dive

    # -- local search
    search_theta: float = 3.0  # local search considers reps within this reduced cost (model units)
    search_reps: int = 4  # and at most this many of them per unit
    max_search_rounds: int = 5_000  # passes per descent, at most: a guard, not a budget
    search_eps: float = 1e-7  # a move must gain more than this (model units): noise is no gain
    greedy_per_pass: int = 5_000  # ranked moves re-scored and applied per local-search pass
    swap_width: int = 60  # best moves out of and into a broken rep paired up first
    swap_all_pairs: int = 2_000_000  # then every pair, if there are no more than this
    swap_all_reps: int = 3  # and no more reps are broken than this
    swap_block: int = 200_000  # pairs scored at once
    mend_rounds: int = 3  # rounds that widen the moves around reps local search left broken
    widen_units: int = 2_000  # units offered to each broken rep when widening

    # -- MIPs started from the local search's answer
    # Up to this many pairs a MIP tries to mend what local search could not.
    rescue_pairs: int = 60_000
    # Books this small get a MIP over every pair, started from the answer.
    polish_pairs: int = 20_000
    polish_nodes: int = 400  # for at most this many branch-and-bound nodes
    rescue_nodes: int = 2_000  # and the MIP that mends broken bands for at most this many


DEFAULT_TUNING = Tuning()
