"""Reference values for the cost-effectiveness bootstrap that resamples sites (clusters).

Writes a fixed data set of 2,400 people at 60 sites (30 pilot, 30 control; 20 to 60 people a site)
whose costs and changes in outcome carry strong site effects, as real sites' do, and computes with
statsmodels the cluster-robust standard errors of the incremental cost and effect: OLS of each on a
pilot indicator, errors clustered by site without the small-sample factor (CR0: cov_type="cluster",
use_correction=False), which is what resampling sites estimates. Also the standard errors that
ignore the sites (HC0), which resampling people estimates. Percentile intervals depend on the random
stream, so the Swift test compares the spread of its replicates with these standard errors.

Writes Tests/OutcomesAnalysesTests/Fixtures/clustered-costs.csv and clustered-costs.expected.json.
Run: python3 scripts/reference/cluster_bootstrap_reference.py   (needs numpy, pandas, statsmodels)
"""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm

FIXTURES = Path(__file__).resolve().parents[2] / "Tests/OutcomesAnalysesTests/Fixtures"


def main():
    rng = np.random.default_rng(20261123)
    rows = []
    for site in range(60):
        pilot = site < 30
        size = int(rng.integers(20, 61))
        site_cost, site_change = rng.normal(0, 1500), rng.normal(0, 0.08)
        for _ in range(size):
            cost = 8000 + (400 if pilot else 0) + site_cost + rng.normal(0, 2500)
            change = (0.05 if pilot else 0.01) + site_change + rng.normal(0, 0.15)
            rows.append({"site": site, "pilot": int(pilot), "cost": round(cost, 2), "change": round(change, 6)})
    data = pd.DataFrame(rows)
    data.to_csv(FIXTURES / "clustered-costs.csv", index=False)
    expected = {}
    design = sm.add_constant(data["pilot"].astype(float))
    for outcome in ("cost", "change"):
        clustered = sm.OLS(data[outcome], design).fit(cov_type="cluster",
                                                     cov_kwds={"groups": data["site"], "use_correction": False})
        independent = sm.OLS(data[outcome], design).fit(cov_type="HC0")
        expected[outcome] = {"estimate": float(clustered.params["pilot"]), "se_sites": float(clustered.bse["pilot"]),
                             "se_people": float(independent.bse["pilot"])}
    expected["people"] = {"pilot": int(data.pilot.sum()), "control": int((1 - data.pilot).sum())}
    (FIXTURES / "clustered-costs.expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main()
