"""Reference values for the wild cluster bootstrap (WildClusterBootstrap.swift), from wildboottest.

wildboottest 0.3.2 (the Python port of fwildclusterboot / Stata's boottest) runs the restricted
wild cluster bootstrap "11" (WCR11: the null imposed on the bootstrap samples, CR1 standard errors
with the factor G/(G-1) (N-1)/(N-k)), as Roodman, Nielsen, MacKinnon & Webb (2019) and MacKinnon,
Nielsen & Webb (2023) describe it. Three fixed data sets, drawn here with a seeded numpy generator
and rounded to 6 decimals before fitting (the fixture holds exactly the numbers that were fitted):

  six      6 sites, 3 of them treated: Rademacher weights, 2^6 = 64 draws < B, so wildboottest
           enumerates them all; the p-values are deterministic and the Swift test matches them exactly.
  eleven   11 sites, 5 treated: Webb weights with B = 99,999 random draws (Monte Carlo tolerance), and
           Rademacher with B = 9,999 > 2^11 = 2,048 (enumerated: exact).
  twenty   20 sites, 10 treated: Rademacher and Webb with B = 99,999 random draws (2^20 > B).

wildboottest tests β_k = 0 only; a null β_k = r is tested on the outcome y - r x_k, which has the same
residuals, restricted fit and bootstrap samples, with β_k shifted by r.

Ties: wildboottest's p-value is the share of draws with |t*| > |t| (strict). The draws v = ±1 reproduce
the sample (t* = ±t) and so tie exactly in theory; in floating point they land 1e-16 either side of
|t|, so whether wildboottest counts them is rounding. The fixture's "pValue" counts strictly greater
draws with ties (| |t*| - |t| | <= 1e-9 |t|) not counted, recounted from wildboottest's own t* and t;
"pValueWildboottest" is its raw value and "ties" the number of such draws.

Writes Tests/OutcomesStatisticsTests/Fixtures/reference-wild-bootstrap.json.
Run: python3 scripts/reference/wild_bootstrap_reference.py   (numpy >= 2, pandas, statsmodels, numba,
wildboottest 0.3.2)
"""
import json
import warnings
from pathlib import Path

import numpy as np
import wildboottest
from wildboottest.wildboottest import WildboottestCL

FIXTURE = Path(__file__).resolve().parents[2] / "Tests/OutcomesStatisticsTests/Fixtures/reference-wild-bootstrap.json"
TIE = 1e-9


def dataset(rng, sites, treated, low, high):
    """Sites of low..high people, the first `treated` sites treated; a site effect and two person-level
    covariates (one continuous, one binary), rounded to 6 decimals."""
    sizes = rng.integers(low, high + 1, size=sites)
    cluster = np.repeat(np.arange(sites), sizes)
    site_effect = rng.normal(0, 0.6, size=sites)[cluster]
    treat = (cluster < treated).astype(float)
    age = np.round(rng.normal(0, 1, size=cluster.size), 6)
    female = (rng.uniform(size=cluster.size) < 0.55).astype(float)
    # Heteroskedastic errors, larger at some sites, as real sites' are.
    scale = rng.uniform(0.6, 1.6, size=sites)[cluster]
    y = 2 + 0.35 * treat + 0.4 * age - 0.2 * female + site_effect + rng.normal(0, 1, cluster.size) * scale
    # Site ids that are not 0..<G, in an order not of first appearance, so the Swift side renumbers them.
    ids = (cluster * 7 + 3) % 101
    return {"y": np.round(y, 6), "clusters": ids, "names": ["treat", "age", "female"],
            "predictors": [treat, age, female]}


def run(data, coefficient, r, weights, B, seed):
    X = np.column_stack([np.ones(len(data["y"]))] + data["predictors"])
    k = 1 + data["names"].index(coefficient)
    y = data["y"] - r * X[:, k]
    R = np.zeros(X.shape[1])
    R[k] = 1
    boot = WildboottestCL(X=X, Y=y, cluster=data["clusters"], R=R, B=B, seed=seed, parallel=False)
    boot.get_scores(bootstrap_type="11", impose_null=True, adj=True, cluster_adj=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot.get_weights(weights_type=weights)
    boot.get_numer()
    boot.get_denom()
    boot.get_tboot()
    boot.get_vcov()
    boot.get_tstat()
    boot.get_pvalue(pval_type="two-tailed")
    t = float(np.ravel(boot.t_stat)[0])
    gap = np.abs(boot.t_boot) - abs(t)
    ties = int(np.sum(np.abs(gap) <= TIE * abs(t)))
    exceeding = int(np.sum(gap > TIE * abs(t)))
    return {"coefficient": coefficient, "null": r, "weights": weights, "B": B, "seed": seed,
            "enumerated": bool(boot.full_enumeration), "replicates": int(boot.B),
            "estimate": float(boot.beta_hat[k]) + r, "t": t,
            "se": float(np.sqrt(boot.ssc * boot.vcov[k, k])),
            "pValue": exceeding / boot.B, "pValueWildboottest": float(boot.pvalue), "ties": ties}


def main():
    rng = np.random.default_rng(20261203)
    datasets = {"six": dataset(rng, 6, 3, 20, 60), "eleven": dataset(rng, 11, 5, 15, 50),
                "twenty": dataset(rng, 20, 10, 10, 40)}
    plan = [("six", c, r, "rademacher", 999, 1) for c in ("treat", "age", "female") for r in (0,)]
    plan += [("six", "treat", r, "rademacher", 999, 1) for r in (-1.0, -0.4, 0.25, 0.6, 1.2)]
    plan += [("six", "age", r, "rademacher", 999, 1) for r in (0.3, 0.45)]
    plan += [("eleven", c, 0, "rademacher", 9999, 2) for c in ("treat", "age")]
    plan += [("eleven", "treat", 0.8, "rademacher", 9999, 2)]
    plan += [("eleven", c, 0, "webb", 99999, 3) for c in ("treat", "age")]
    plan += [("eleven", "treat", 0.8, "webb", 99999, 4)]
    plan += [("twenty", c, 0, w, 99999, 5) for c in ("treat", "female") for w in ("rademacher", "webb")]
    plan += [("twenty", "treat", 0.7, "rademacher", 99999, 6)]
    cases = []
    for name, coefficient, r, weights, B, seed in plan:
        case = run(datasets[name], coefficient, r, weights, B, seed)
        case["dataset"] = name
        cases.append(case)
        print(f"{name:7} {coefficient:7} r={r:5} {weights:10} B={case['replicates']:6} enumerated={case['enumerated']!s:5} "
              f"t={case['t']:9.5f} p={case['pValue']:.6f} (wildboottest {case['pValueWildboottest']:.6f}, ties {case['ties']})")
    out = {"source": f"wildboottest {getattr(wildboottest, '__version__', '0.3.2')}, numpy {np.__version__}; "
                     "scripts/reference/wild_bootstrap_reference.py",
           "tieTolerance": TIE,
           "datasets": {name: {"y": d["y"].tolist(), "clusters": d["clusters"].tolist(), "names": d["names"],
                               "predictors": [np.round(p, 6).tolist() for p in d["predictors"]]}
                        for name, d in datasets.items()},
           "cases": cases}
    FIXTURE.write_text(json.dumps(out, indent=None, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
