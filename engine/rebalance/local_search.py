"""Local search over moves and paired moves between reps: mends broken bands, then trims cost."""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from engine.rebalance.settings import Tuning
from engine.rebalance.units import _Coupling, _fixed_loads, _unique_pairs, _Units


class _LocalSearch:
    """Moves and swaps of accounts between reps, scored on cost + penalty × band violation.

    The state is one rep per unit and the load of every rep on every measure.
    A move's score is exact: Δcost + pen·Δviolation from the loads of the two
    reps involved; moves on disjoint reps are applied together. While a band is
    broken only moves touching a broken rep are scored, which keeps a pass cheap.
    """

    def __init__(
        self,
        units: _Units,
        coupling: _Coupling,
        rep: NDArray,
        pair_unit: NDArray,
        pair_rep: NDArray,
        tuning: Tuning,
    ) -> None:
        m = coupling.m
        self.units, self.coupling, self.m, self.tuning = units, coupling, m, tuning
        self.rep = rep.copy()
        pair_unit, pair_rep = _unique_pairs(
            np.concatenate([pair_unit, np.arange(units.size)]),
            np.concatenate([pair_rep, rep]),
            m,
        )
        # Only units with a choice take part.
        choice = np.bincount(pair_unit, minlength=units.size)[pair_unit] >= 2
        self.pair_unit, self.pair_rep = pair_unit[choice], pair_rep[choice]
        self.code = self.pair_unit * m + self.pair_rep
        self.cost = units.cost[self.pair_unit, self.pair_rep]
        self.coef = np.stack(
            [
                c[self.pair_unit, 0] if c.shape[1] == 1 else c[self.pair_unit, self.pair_rep]
                for c in units.coef
            ]
        )
        self.moved = units.moved[self.pair_unit, self.pair_rep] if units.moved is not None else None
        self.current = np.full(units.size, -1, dtype=np.int64)  # each unit's pair, −1 if none
        mobile = self.pair_unit
        self.current[np.unique(mobile)] = np.searchsorted(
            self.code, np.unique(mobile) * m + self.rep[np.unique(mobile)]
        )
        fixed = _fixed_loads(units, coupling, np.arange(units.size), self.rep)
        self.load = fixed.load
        self.moved_total = fixed.moved

    def bounds(self) -> tuple[NDArray, NDArray]:
        """Return the band floor and ceiling of every rep; travel bands follow the realised total."""
        c = self.coupling
        total = self.load.sum(axis=1, keepdims=True)
        lower = np.where(c.realised[:, None], c.lower * total, c.lower)
        upper = np.where(c.realised[:, None], c.upper * total, c.upper)
        return lower, upper

    def broken(self) -> NDArray:
        """Return which reps are outside a band on some measure (beyond `band_tolerance`)."""
        lower, upper = self.bounds()
        slack = self.tuning.band_tolerance * np.abs(lower + upper) / 2
        return ((self.load > upper + slack) | (self.load < lower - slack)).any(axis=0)

    def violation(self) -> float:
        """Return the total band violation (model units), the moved-revenue cap included."""
        lower, upper = self.bounds()
        slack = self.tuning.band_tolerance * np.abs(lower + upper) / 2
        out = np.maximum(self.load - upper - slack, 0).sum()
        out += np.maximum(lower - slack - self.load, 0).sum()
        if self.coupling.cap is not None:
            out += max(self.moved_total - self.coupling.cap, 0.0)
        return float(out)

    def _excess(self, load: NDArray, rep: NDArray, lower: NDArray, upper: NDArray) -> NDArray:
        """Return how far loads (K × moves) on reps `rep` lie outside their bands."""
        k = np.arange(self.load.shape[0])[:, None]
        return np.maximum(load - upper[k, rep], 0) + np.maximum(lower[k, rep] - load, 0)

    def moves(self, pen: float, cand: NDArray) -> tuple[NDArray, NDArray]:
        """Return the score of moving each candidate pair's unit onto it, and its source pair."""
        now = self.current[self.pair_unit[cand]]
        src, dst = self.pair_rep[now], self.pair_rep[cand]
        lower, upper = self.bounds()
        k = np.arange(self.load.shape[0])[:, None]
        a_out, a_in = self.coef[:, now], self.coef[:, cand]
        before = self._excess(self.load[k, src], src, lower, upper) + self._excess(
            self.load[k, dst], dst, lower, upper
        )
        after = self._excess(self.load[k, src] - a_out, src, lower, upper) + self._excess(
            self.load[k, dst] + a_in, dst, lower, upper
        )
        delta_v = (after - before).sum(axis=0)
        if self.moved is not None and self.coupling.cap is not None:
            cap = self.coupling.cap
            shifted = self.moved_total + self.moved[cand] - self.moved[now]
            delta_v += np.maximum(shifted - cap, 0) - max(self.moved_total - cap, 0)
        score = self.cost[cand] - self.cost[now] + pen * delta_v
        score[src == dst] = np.inf
        return score, now

    def apply(self, src_pair: NDArray, dst_pair: NDArray) -> None:
        """Move each pair's unit from its source pair's rep to its destination pair's rep."""
        for s, d in zip(src_pair.tolist(), dst_pair.tolist(), strict=True):
            self.load[:, self.pair_rep[s]] -= self.coef[:, s]
            self.load[:, self.pair_rep[d]] += self.coef[:, d]
            if self.moved is not None:
                self.moved_total += self.moved[d] - self.moved[s]
            unit = self.pair_unit[d]
            self.rep[unit] = self.pair_rep[d]
            self.current[unit] = d

    def descend(self, pen_start: float, deadline: float) -> None:
        """Apply improving moves, raising the penalty while bands stay broken, then try swaps.

        While a band is broken only moves touching a broken rep are scored;
        once all hold, every move is, so the last passes trim cost.
        """
        tuning = self.tuning
        pen_max = self.coupling.penalty
        pen = min(max(pen_start, 1e-3), pen_max)
        batch = tuning.greedy_per_pass
        everyone = np.arange(len(self.pair_unit))
        for _ in range(tuning.max_search_rounds):
            if time.perf_counter() > deadline or not len(everyone):
                return
            broken = self.broken()
            cand = everyone
            if broken.any():  # only moves touching a broken rep can mend it
                now = self.current[self.pair_unit]
                cand = np.flatnonzero(broken[self.pair_rep[now]] | broken[self.pair_rep])
            score, now = self.moves(pen, cand)
            better = np.flatnonzero(score < -tuning.search_eps)
            if len(better):
                ranked = better[np.argsort(score[better])]
                self._greedy(now[ranked], cand[ranked], pen, batch)
                continue
            if broken.any() and pen < pen_max:
                pen = min(pen * 2, pen_max)
                continue
            if broken.any() and self._swap(pen_max, broken):
                continue
            return  # a local optimum: the caller may widen the moves and call again

    def _greedy(self, src: NDArray, dst: NDArray, pen: float, batch: int) -> None:
        """Apply ranked moves one by one while each still improves on the loads as they become.

        Re-scoring a move after the ones before it keeps every applied move
        exact, so many moves on the same rep can go in one pass.
        """
        lower, upper = self.bounds()
        load, coef, rep_of = self.load, self.coef, self.pair_rep
        moved = np.zeros(self.units.size, dtype=bool)
        applied = 0
        count = min(len(src), self.tuning.greedy_per_pass)
        for s_, d_ in zip(src[:count].tolist(), dst[:count].tolist(), strict=True):
            unit = self.pair_unit[d_]
            if moved[unit]:
                continue
            a, b = rep_of[s_], rep_of[d_]
            change = 0.0
            for k in range(load.shape[0]):
                out, into = load[k, a] - coef[k, s_], load[k, b] + coef[k, d_]
                change += (
                    max(out - upper[k, a], 0.0)
                    + max(lower[k, a] - out, 0.0)
                    - max(load[k, a] - upper[k, a], 0.0)
                    - max(lower[k, a] - load[k, a], 0.0)
                    + max(into - upper[k, b], 0.0)
                    + max(lower[k, b] - into, 0.0)
                    - max(load[k, b] - upper[k, b], 0.0)
                    - max(lower[k, b] - load[k, b], 0.0)
                )
            if self.moved is not None and self.coupling.cap is not None:
                cap, total = self.coupling.cap, self.moved_total
                shifted = total + self.moved[d_] - self.moved[s_]
                change += max(shifted - cap, 0.0) - max(total - cap, 0.0)
            if self.cost[d_] - self.cost[s_] + pen * change < -self.tuning.search_eps:
                self.apply(np.array([s_]), np.array([d_]))
                moved[unit] = True
                applied += 1
                if applied >= batch:
                    return

    def _swap(self, pen: float, broken: NDArray) -> bool:
        """Apply the best improving pair of moves through a broken rep; return whether one was.

        For a broken rep a: one unit leaves a for rep b while another comes to a
        from rep c (b = c is a swap). A rep over one band and at the edge of
        another can only be mended this way, e.g. a big account out, a prospect in.
        The best few of each side are paired first; if none helps, all of them.
        """
        tuning = self.tuning
        now_all = self.current[self.pair_unit]
        src_all, dst_all = self.pair_rep[now_all], self.pair_rep
        found_pairs = []
        for a in np.flatnonzero(broken).tolist():
            out = np.flatnonzero((src_all == a) & (dst_all != a))
            into = np.flatnonzero((dst_all == a) & (src_all != a))
            if not len(out) or not len(into):
                continue
            found = self._best_pair(
                a,
                self._shortlist(a, out, now_all, True),
                self._shortlist(a, into, now_all, False),
                pen,
            )
            endgame = broken.sum() <= tuning.swap_all_reps  # all pairs only for the last few reps
            if found is None and endgame and len(out) * len(into) <= tuning.swap_all_pairs:
                found = self._best_pair(a, out, into, pen)
            if found is not None:
                found_pairs.append(found)
        # The best pair per broken rep, best first, as long as no rep is touched twice.
        used = np.zeros(self.m, dtype=bool)
        applied = False
        for _, (p, q) in sorted(found_pairs):
            reps = [self.pair_rep[now_all[p]], self.pair_rep[p], self.pair_rep[now_all[q]]]
            if used[reps].any():
                continue
            used[reps] = True
            self.apply(np.array([now_all[p], now_all[q]]), np.array([p, q]))
            applied = True
        return applied

    def _change(self, rep: NDArray, delta: NDArray) -> NDArray:
        """Return the change in band violation of reps `rep` when their loads change by `delta`."""
        lower, upper = self.bounds()
        k = np.arange(self.load.shape[0])[:, None]
        load = self.load[k, rep]
        return (
            self._excess(load + delta, rep, lower, upper) - self._excess(load, rep, lower, upper)
        ).sum(axis=0)

    def _shortlist(self, a: int, moves: NDArray, now_all: NDArray, leaving: bool) -> NDArray:
        """Return the best few moves out of (or into) rep a, scored with and without a's side."""
        other = self.pair_rep[moves] if leaving else self.pair_rep[now_all[moves]]
        delta = self.coef[:, moves] if leaving else -self.coef[:, now_all[moves]]
        score = self.cost[moves] - self.cost[now_all[moves]]
        score += self.coupling.penalty * self._change(other, delta)
        at_a = -self.coef[:, now_all[moves]] if leaving else self.coef[:, moves]
        full = score + self.coupling.penalty * self._change(np.full(len(moves), a), at_a)
        width = self.tuning.swap_width
        return np.union1d(moves[np.argsort(score)[:width]], moves[np.argsort(full)[:width]])

    def _best_pair(
        self, a: int, out: NDArray, into: NDArray, pen: float
    ) -> tuple[float, tuple[int, int]] | None:
        """Return the best improving (score, (out move, in move)) through rep a, or None."""
        now_all = self.current[self.pair_unit]
        best: tuple[float, tuple[int, int]] | None = None
        step = max(1, self.tuning.swap_block // len(into))
        for lo in range(0, len(out), step):
            p, q = (
                np.repeat(out[lo : lo + step], len(into)),
                np.tile(into, len(out[lo : lo + step])),
            )
            distinct = self.pair_unit[p] != self.pair_unit[q]
            p, q = p[distinct], q[distinct]
            if not len(p):
                continue
            b, c = self.pair_rep[p], self.pair_rep[now_all[q]]
            same = b == c  # a swap: both changes land on one rep
            at_a = -self.coef[:, now_all[p]] + self.coef[:, q]
            at_b = self.coef[:, p] - np.where(same, self.coef[:, now_all[q]], 0.0)
            score = self.cost[p] - self.cost[now_all[p]] + self.cost[q] - self.cost[now_all[q]]
            score += pen * (
                self._change(np.full(len(p), a), at_a)
                + self._change(b, at_b)
                + np.where(same, 0.0, self._change(c, -self.coef[:, now_all[q]]))
            )
            if self.moved is not None and self.coupling.cap is not None:
                more = (
                    self.moved[p] - self.moved[now_all[p]] + self.moved[q] - self.moved[now_all[q]]
                )
                score = np.where(more > 0, np.inf, score)  # never trade into the cap
            i = int(np.argmin(score))
            if score[i] < -self.tuning.search_eps and (best is None or score[i] < best[0]):
                best = (float(score[i]), (int(p[i]), int(q[i])))
        return best
