"""Reference values for funnel-plot control limits (Tests/OutcomesStatisticsTests/Fixtures/reference-funnel.json).

Exact binomial limits with Spiegelhalter's interpolation (Statistics in Medicine 2005;24:1185-1202,
appendix A.1.1): for a target proportion p0, n people and a probability P, r_P is the smallest r with
P(R <= r) >= P for R ~ Binomial(n, p0); alpha = (P(R <= r_P) - P) / (P(R <= r_P) - P(R <= r_P - 1));
the limit is (r_P - alpha) / n. Computed here with SciPy's binomial distribution (binom.ppf, binom.cdf),
independently of GSL. Run: python3 scripts/reference/funnel_reference.py
"""
import json
from pathlib import Path

from scipy.stats import binom

cases = []
for p0 in (0.02, 0.12, 0.5, 0.73, 0.98):
    for n in (1, 5, 10, 23, 50, 137, 400, 1000, 25000):
        for probability in (0.001, 0.025, 0.975, 0.999):
            r = int(binom.ppf(probability, n, p0))
            # ppf is the smallest r with cdf(r) >= P; guard against floating error at the boundary.
            while r > 0 and binom.cdf(r - 1, n, p0) >= probability:
                r -= 1
            while binom.cdf(r, n, p0) < probability:
                r += 1
            upper, lower = binom.cdf(r, n, p0), binom.cdf(r - 1, n, p0) if r > 0 else 0.0
            alpha = (upper - probability) / (upper - lower)
            cases.append({"p0": p0, "n": n, "probability": probability, "quantile": r, "limit": (r - alpha) / n})

out = Path(__file__).resolve().parents[2] / "Tests/OutcomesStatisticsTests/Fixtures/reference-funnel.json"
out.write_text(json.dumps({"method": "Spiegelhalter 2005 interpolated exact binomial limits, SciPy", "cases": cases}, indent=1) + "\n")
print(f"{len(cases)} cases -> {out}")
