"""Reference values for Fisher's exact test on k x 2 tables (k groups by positive / not).

SciPy's fisher_exact handles tables larger than 2 x 2 by Monte Carlo (10,000 tables by default), so
it cannot give an exact reference. This script enumerates every table with the observed margins and
sums exact hypergeometric probabilities with Python's fractions (no floating point until the end),
counting tables whose probability is at most the observed one times (1 + 1e-7), as R's fisher.test.
Each exact value is cross-checked against SciPy's Monte Carlo estimate with 200,000 tables
(agreement within 5 standard errors), and 2 x 2 tables against scipy.stats.fisher_exact exactly.

Writes Tests/OutcomesStatisticsTests/Fixtures/reference-fisher-groups.json.
Run: python3 scripts/reference/fisher_groups_reference.py   (needs scipy >= 1.15, numpy)
"""
import itertools
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy import stats

OUT = Path(__file__).resolve().parents[2] / "Tests/OutcomesStatisticsTests/Fixtures/reference-fisher-groups.json"
TABLES = [
    [[3, 5], [7, 2], [10, 1], [4, 4]],
    [[1, 9], [4, 6], [8, 2]],
    [[0, 5], [2, 3], [5, 0]],
    [[6, 2], [1, 4]],
    [[12, 30], [2, 11], [1, 1], [20, 25], [0, 3]],
    [[9, 1], [9, 1], [9, 1]],
]


def exact_p(table):
    rows = [a + b for a, b in table if a + b > 0]
    successes = sum(a for a, b in table)
    n = sum(rows)
    weight = lambda xs: math.prod(math.comb(r, x) for r, x in zip(rows, xs))
    observed = weight([a for a, b in table if a + b > 0])
    total = Fraction(0)
    for xs in itertools.product(*[range(r + 1) for r in rows[:-1]]):
        last = successes - sum(xs)
        if not 0 <= last <= rows[-1]:
            continue
        w = weight(list(xs) + [last])
        if Fraction(w) <= Fraction(observed) * (1 + Fraction(1, 10**7)):
            total += w
    return float(total / math.comb(n, successes)), float(Fraction(observed, math.comb(n, successes)))


def main():
    out = []
    for table in TABLES:
        p, probability = exact_p(table)
        mc = stats.fisher_exact(table, method=stats.MonteCarloMethod(n_resamples=200_000, rng=np.random.default_rng(1)))
        se = math.sqrt(max(p * (1 - p), 1e-6) / 200_000)
        assert abs(mc.pvalue - p) < 5 * se + 1e-5, (table, p, mc.pvalue)
        if len(table) == 2:
            assert math.isclose(stats.fisher_exact(table).pvalue, p, rel_tol=1e-12), table
        out.append({"table": table, "p": p, "table_probability": probability, "scipy_monte_carlo_p": float(mc.pvalue)})
    OUT.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
