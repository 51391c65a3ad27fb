"""The analyst's baseline for the scale benchmark: every table of every analysis in analyses/*.yaml,
computed with pandas, NumPy, SciPy and statsmodels straight from the CSV files, as a competent
analyst would write it: vectorised, with loops over analyses, subgroup variables, domains and groups
but never over respondents.

Each CSV file is read once (the columns its analyses need); each analysis is timed on its own, and
so is coding the outcome answers that the budget-holder (and carer) analyses share. The analysis
files, and the instrument files (item order, answer labels, valences, special codes, scales), are
read from DATA_DIR/analyses and DATA_DIR/instruments when present (scripts/benchmark-scale copies
them there), otherwise from the repository. Each table has the toolkit's file name (without .csv)
and column names, so that scripts/benchmark/compare.py can check it cell by cell.

- outcome_table (budget-holder-outcomes, carer-outcomes): per group (everyone; each level of each
  subgroup variable, and "Not stated" when anyone is in it) and outcome domain: counts of positive,
  no change, negative, not applicable, don't know and missing; the three shares of those answering
  on the scale with Wilson intervals (statsmodels proportion_confint on whole arrays at once).
- subgroup_comparison (budget-holder-subgroups, carer-subgroups): % positive per level with Wilson
  intervals; per domain, a test over the levels with a substantive answer: Pearson's chi-square
  (scipy chi2_contingency, Yates for 2 x 2), or, when an expected count is below 5, Fisher's exact
  test for the k x 2 table (every table with the same margins enumerated with NumPy; SciPy is exact
  for 2 x 2 only; beyond 20 million tables SciPy's Monte Carlo estimate, as the toolkit estimates it);
  p-values adjusted across domains (statsmodels multipletests: Holm, or Benjamini-Hochberg).
- process_associations (budget-holder-processes): per domain, statsmodels Logit of "positive"
  (against no change or negative) on the process levels and the covariate levels (indicators, the
  reference left out); odds ratios with Wald intervals and p, adjusted across domains per contrast;
  standard errors clustered by site (cov_type="cluster") when standard_errors says so, or when it is
  auto (the default) and the responses come from 20 sites or more;
  a model with (quasi-)separation or no convergence is not computed; the summary of each contrast
  (domains better / worse at adjusted p < 0.05, range of the odds ratios).
- outcome_index (budget-holder-index): per respondent, domains better minus worse among those
  answered on the scale; mean (t interval), SD, median, quartiles and range overall and by group;
  the distribution of the index.
- distribution (budget-holder-confidence): the share giving each answer and the "top" answers, with
  Wilson intervals, overall and by group; the top share tested between groups as above.
- scale_change (activation-change): scores as the instrument defines them (mean of the answered
  items, at least min_answered, rescaled to 0-100; levels from the cutpoints); baseline linked to
  follow-up by site and respondent (same arm at both, scored at both); per group (everyone, each
  arm, each subgroup level as at baseline): means, paired t (scipy ttest_rel), Wilcoxon signed-rank
  (scipy wilcoxon), level up / same / down with Wilson intervals, Stuart-Maxwell (statsmodels
  SquareTable.homogeneity, levels empty at both waves left out), level distributions, transitions,
  and mean change by baseline level (t intervals).
- pilot_vs_control (pilot-vs-control): per group (everyone; each subgroup level as at baseline) and
  outcome (scale scores, or a 0/1 event): n and mean by arm and wave; the unadjusted difference at
  follow-up (Welch's t; for an event, the risk difference with Newcombe's interval and chi-square, or
  Fisher's exact test with an expected count below 5); change by arm and the difference in
  differences (Welch's t); the baseline-adjusted effect (OLS, or Logit for an event, on arm, the
  baseline value and the covariate levels at baseline, cluster-robust by site) with Hedges' g of the
  adjusted difference; Holm across the outcomes of the group. Baseline balance and attrition
  (standardised differences). Cost-effectiveness: incremental cost and effect, ICER and net benefit
  at each threshold, with percentile intervals and the probability of a positive net benefit from a
  cluster (site) bootstrap stratified by arm, seeded from the analysis file (NumPy's generator).

Needs pandas, NumPy, SciPy, statsmodels and PyYAML.
Writes OUT/baseline.json (the tables, a few counts the toolkit writes outside its CSV files, the
timings) and OUT/timings.txt (one line per step, then the total).
Run: python3 scripts/benchmark/pandas_baseline.py DATA_DIR OUT_DIR
"""
import json
import math
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats
from scipy.special import gammaln
from statsmodels.discrete.discrete_model import Logit
from statsmodels.regression.linear_model import OLS
from statsmodels.stats.contingency_tables import SquareTable
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

REPO = Path(__file__).resolve().parents[2]
# Answer categories of an outcome item, as small codes (the order of the toolkit's OutcomeCategory).
POSITIVE, NEUTRAL, NEGATIVE, NOT_APPLICABLE, DONT_KNOW, MISSING = range(6)
FISHER_ENUMERATION_LIMIT = 20_000_000       # larger k x 2 tables: Monte Carlo p, as the toolkit
FISHER_MONTE_CARLO_TABLES = 100_000
timings = {}


def timed(name, function, *args, **options):
    """Runs function(*args, **options), recording its wall time under `name`."""
    start = time.perf_counter()
    result = function(*args, **options)
    timings[name] = time.perf_counter() - start
    return result


# ---------------------------------------------------------------------------------------------
# The codebook (instrument files) and small statistical helpers
# ---------------------------------------------------------------------------------------------

class Instrument:
    """Items, answer codes and labels, domains and scales of one instrument file."""

    # PyYAML reads YAML 1.1, where a "?" inside an unquoted value of a flow mapping ("{..., text: Which
    # group are you in?}") starts a key; the toolkit's reader (Yams, YAML 1.2) does not. Question wording
    # is not needed here, but it is quoted before parsing so that the files read as the toolkit reads them.
    PLAIN_TEXT = re.compile(r"(?<=[{,] )text: (?![\"'])(.*?)(?=, [a-z_]+: |\}\s*$)", re.M)

    def __init__(self, path):
        text = self.PLAIN_TEXT.sub(lambda m: "text: " + json.dumps(m.group(1)), path.read_text())
        spec = yaml.safe_load(text)
        self.id = spec["id"]
        self.choice_sets = spec.get("choice_sets", {})
        self.items = {item["id"]: item for section in spec["sections"] for item in section["items"]}
        self.domains = spec.get("domains", {})
        self.scales = {scale["id"]: scale for scale in spec.get("scales", [])}

    def choices(self, item):
        return self.choice_sets.get(self.items[item].get("choices"), [])

    def special_codes(self, item):
        return {c["code"] for c in self.choices(item) if c.get("special")}

    def outcome_items(self, analysis):
        return analysis.get("items") if isinstance(analysis.get("items"), list) else \
            [i for i, item in self.items.items() if "domain" in item]

    def domain_label(self, item):
        domain = self.items[item]["domain"]
        return self.domains.get(domain, domain)


def humanized(name):
    words = name.replace("_", " ")
    return words[:1].upper() + words[1:]


def wilson(count, n, confidence):
    """Share and Wilson interval for arrays of counts (NaN where n is 0), clamped to [0, 1]."""
    count, n = np.asarray(count, dtype=float), np.asarray(n, dtype=float)
    safe = np.where(n > 0, n, 1)
    low, high = proportion_confint(count, safe, alpha=1 - confidence, method="wilson")
    empty = n == 0
    return (np.where(empty, np.nan, count / safe), np.where(empty, np.nan, np.clip(low, 0, 1)),
            np.where(empty, np.nan, np.clip(high, 0, 1)))


def adjust(p, method):
    """Holm or Benjamini-Hochberg across a family; NaN (no test) stays NaN and is not counted."""
    p = np.asarray(p, dtype=float)
    out = np.full(len(p), np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm" if method == "holm" else "fdr_bh")[1]
    return out


def logit(y, x, check_rank=True, **options):
    """statsmodels Logit, or None (with the reason) where the maximum likelihood estimates do not exist
    or were not reached: no convergence, or (quasi-)complete separation, i.e. fitted probabilities of
    0 or 1 (the toolkit reports those models as not computed rather than print huge odds ratios)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = Logit(y, x, check_rank=check_rank).fit(disp=0, maxiter=100, **options)
        except (np.linalg.LinAlgError, ValueError) as error:
            return None, str(error)
    fitted = fit.predict(x)
    if (not fit.mle_retvals["converged"] or (fitted < 1e-8).any() or (fitted > 1 - 1e-8).any()
            or any(issubclass(w.category, (PerfectSeparationWarning, ConvergenceWarning)) for w in caught)):
        return None, "separation, or no convergence"
    return fit, None


def mean_interval(values, confidence):
    """n, mean, SD and t interval of the mean (NaN with fewer than 2 values)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n < 2:
        return n, np.nan, np.nan, np.nan, np.nan
    mean, sd = values.mean(), values.std(ddof=1)
    half = stats.t.ppf(1 - (1 - confidence) / 2, n - 1) * sd / math.sqrt(n)
    return n, mean, sd, mean - half, mean + half


def fisher_groups(rows):
    """Fisher's exact test for a k x 2 table: the probability of every table with the observed margins
    that is no more likely than the observed one (relative tolerance 1e-7), enumerated with NumPy
    (log hypergeometric weights broadcast row by row). Returns (p, Monte Carlo tables or None)."""
    rows = rows[np.argsort(rows.sum(axis=1), kind="stable")]
    sizes, successes = rows.sum(axis=1), int(rows[:, 0].sum())
    n = int(sizes.sum())
    if successes in (0, n):
        return 1.0, None

    def log_choose(total, x):
        return gammaln(total + 1) - gammaln(x + 1) - gammaln(total - x + 1)

    observed = log_choose(sizes, rows[:, 0]).sum()
    threshold = observed + math.log1p(1e-7)
    arrangements = float(np.prod([min(int(s), successes) + 1 for s in sizes[:-1]]))
    if arrangements > FISHER_ENUMERATION_LIMIT:  # too many tables: SciPy's Monte Carlo estimate
        result = stats.fisher_exact(rows, method=stats.MonteCarloMethod(
            n_resamples=FISHER_MONTE_CARLO_TABLES, rng=np.random.default_rng(2026)))
        return float(result.pvalue), FISHER_MONTE_CARLO_TABLES
    weight, taken = np.zeros(1), np.zeros(1, dtype=np.int64)
    for size in sizes[:-1]:
        x = np.arange(min(int(size), successes) + 1)
        weight = (weight[:, None] + log_choose(size, x)[None, :]).ravel()
        taken = (taken[:, None] + x[None, :]).ravel()
        keep = taken <= successes
        weight, taken = weight[keep], taken[keep]
    last = successes - taken
    fits = last <= sizes[-1]
    value = weight[fits] + log_choose(sizes[-1], last[fits])
    p = np.exp(value[value <= threshold] - log_choose(n, successes)).sum()
    return float(min(1.0, p)), None


def independence(table):
    """The toolkit's test that a share is the same in every group (k x 2 counts): chi-square when every
    expected count is 5 or more, else Fisher's exact test; None when there is nothing to test."""
    rows = np.asarray(table, dtype=np.int64).reshape(-1, 2)
    rows = rows[rows.sum(axis=1) > 0]
    if len(rows) < 2 or rows[:, 0].sum() == 0 or rows[:, 1].sum() == 0:
        return None
    chi = stats.chi2_contingency(rows, correction=True)
    smallest = float(chi.expected_freq.min())
    if smallest >= 5:
        return {"method": "chi_square", "statistic": float(chi.statistic), "df": int(chi.dof),
                "smallest_expected": smallest, "monte_carlo_tables": None, "p": float(chi.pvalue)}
    p, tables = fisher_groups(rows)
    return {"method": "fisher_exact", "statistic": None, "df": None, "smallest_expected": smallest,
            "monte_carlo_tables": tables, "p": p}


class Grouping:
    """A subgroup variable coded per row: level labels (the last: rows with no value) and the levels
    left out of tests (special answers such as "don't know", and "Not stated")."""

    def __init__(self, frame, subgroup, instrument):
        if subgroup is None:
            self.label, self.levels, self.untested = None, ["All respondents"], set()
            self.codes = np.zeros(len(frame), dtype=np.int64)
        elif "item" in subgroup and "cuts" in subgroup:
            # A number's answers banded: level k holds values with k cut points at or below them.
            item, cuts = subgroup["item"], [float(c) for c in subgroup["cuts"]]
            text = [f"{int(c):,}" if float(c).is_integer() else str(c) for c in cuts]
            self.label = subgroup.get("label") or humanized(item)
            self.levels = ([f"Under {text[0]}"] + [f"{a} to under {b}" for a, b in zip(text, text[1:])]
                           + [f"{text[-1]} and over", "Not stated"])
            self.untested = {len(cuts) + 1}
            values = pd.to_numeric(frame[item], errors="coerce").to_numpy(dtype=float)
            banded = np.searchsorted(np.array(cuts), values, side="right")
            self.codes = np.where(np.isnan(values), len(cuts) + 1, banded).astype(np.int64)
        elif "item" in subgroup and "levels" in subgroup:
            item = subgroup["item"]
            self.label = subgroup.get("label") or humanized(item)
            self.levels = list(subgroup["levels"]) + ["Not stated"]
            self.untested = {len(self.levels) - 1}
            position = {code: i for i, codes in enumerate(subgroup["levels"].values())
                        for code in (codes if isinstance(codes, list) else [codes])}
            self.codes = frame[item].map(position).fillna(len(self.levels) - 1).to_numpy(dtype=np.int64)
        elif "item" in subgroup:
            item = subgroup["item"]
            choices = instrument.choices(item)
            self.label = subgroup.get("label") or humanized(item)
            self.levels = [c["label"] for c in choices] + ["Not stated"]
            self.untested = {i for i, c in enumerate(choices) if c.get("special")} | {len(choices)}
            position = {c["code"]: i for i, c in enumerate(choices)}
            self.codes = frame[item].map(position).fillna(len(choices)).to_numpy(dtype=np.int64)
        else:
            field = subgroup["field"]
            values = frame[field].astype(object)
            order = sorted(values.dropna().unique(), key=(lambda a: a != "pilot") if field == "arm" else None)
            self.label = subgroup.get("label") or field.capitalize()
            self.levels = list(order) + ["No arm" if field == "arm" else "Not recorded"]
            self.untested = {len(order)}
            self.codes = values.map({v: i for i, v in enumerate(order)}).fillna(len(order)).to_numpy(dtype=np.int64)
        self.sizes = np.bincount(self.codes, minlength=len(self.levels))

    def shown(self):
        """Every named level, and the last one only when someone is in it."""
        last = len(self.levels) - 1
        return [level for level in range(len(self.levels)) if level < last or self.sizes[last] > 0 or self.label is None]


def answer_categories(frame, items, instrument):
    """Each answer's category (positive ... missing) as int8, respondents x items, from the valences."""
    def category(choice):
        if choice.get("valence"):
            return {"positive": POSITIVE, "neutral": NEUTRAL, "negative": NEGATIVE}[choice["valence"]]
        return NOT_APPLICABLE if choice.get("special") == "not_applicable" else DONT_KNOW

    out = np.empty((len(frame), len(items)), dtype=np.int8)
    for j, item in enumerate(items):
        lookup = {c["code"]: category(c) for c in instrument.choices(item)}
        out[:, j] = frame[item].map(lookup).fillna(MISSING).to_numpy(dtype=np.int8)
    return out


def tally(grouping, categories):
    """Counts per level, item and category: an array levels x items x 6, one bincount per item."""
    levels = len(grouping.levels)
    return np.stack([np.bincount(grouping.codes * 6 + categories[:, j], minlength=levels * 6).reshape(levels, 6)
                     for j in range(categories.shape[1])], axis=1)


# ---------------------------------------------------------------------------------------------
# Single-wave survey analyses (budget holders, carers)
# ---------------------------------------------------------------------------------------------

def outcome_table(frame, categories, analysis, instrument):
    items, confidence = instrument.outcome_items(analysis), analysis.get("confidence", 0.95)
    parts = []
    for subgroup in [None] + analysis.get("subgroups", []):
        grouping = Grouping(frame, subgroup, instrument)
        shown = grouping.shown()
        counts = tally(grouping, categories)[shown]                      # shown levels x items x 6
        answering = counts[..., :3].sum(axis=-1).ravel()
        part = pd.DataFrame({
            "subgroup": grouping.label or "Overall", "group": np.repeat(np.array(grouping.levels, dtype=object)[shown], len(items)),
            "item": np.tile(items, len(shown)), "domain": np.tile([instrument.domain_label(i) for i in items], len(shown)),
            "group_responses": np.repeat(grouping.sizes[shown], len(items)), "n_answering": answering})
        for k, share in enumerate(["positive", "no_change", "negative"]):
            p, low, high = wilson(counts[..., k].ravel(), answering, confidence)
            part[f"{share}_n"], part[f"{share}_pct"] = counts[..., k].ravel(), 100 * p
            part[f"{share}_ci_low"], part[f"{share}_ci_high"] = 100 * low, 100 * high
        part["not_applicable_n"], part["dont_know_n"], part["missing_n"] = (counts[..., c].ravel() for c in (3, 4, 5))
        parts.append(part)
    return {analysis["id"]: pd.concat(parts, ignore_index=True)}


def subgroup_comparison(frame, categories, analysis, instrument):
    items, confidence = instrument.outcome_items(analysis), analysis.get("confidence", 0.95)
    levels_parts, tests = [], []
    for subgroup in analysis["subgroups"]:
        grouping = Grouping(frame, subgroup, instrument)
        counts = tally(grouping, categories)                             # levels x items x 6
        answering, positive = counts[..., :3].sum(axis=-1), counts[..., POSITIVE]
        tested = [level for level in range(len(grouping.levels)) if level not in grouping.untested]
        family = []
        for j, item in enumerate(items):
            table = np.column_stack([positive[tested, j], answering[tested, j] - positive[tested, j]])
            n = int(table.sum())
            test = independence(table)
            family.append({"subgroup": grouping.label, "item": item, "domain": instrument.domain_label(item), "n": n,
                           "excluded": len(frame) - n, **(test or {"method": "none", "p": np.nan})})
        for row, q in zip(family, adjust([row["p"] for row in family], analysis.get("adjust", "holm"))):
            row["p_adjusted"] = q
        tests += family
        keep = grouping.shown()
        p, low, high = wilson(positive[keep], answering[keep], confidence)
        levels_parts.append(pd.DataFrame({
            "subgroup": grouping.label, "group": np.repeat(np.array(grouping.levels, dtype=object)[keep], len(items)),
            "item": np.tile(items, len(keep)), "domain": np.tile([instrument.domain_label(i) for i in items], len(keep)),
            "tested": np.repeat(["no" if level in grouping.untested else "yes" for level in keep], len(items)),
            "group_responses": np.repeat(grouping.sizes[keep], len(items)), "n_answering": answering[keep].ravel(),
            "positive_n": positive[keep].ravel(), "positive_pct": 100 * p.ravel(), "positive_ci_low": 100 * low.ravel(),
            "positive_ci_high": 100 * high.ravel(), "not_applicable_n": counts[keep][..., NOT_APPLICABLE].ravel(),
            "dont_know_n": counts[keep][..., DONT_KNOW].ravel(), "missing_n": counts[keep][..., MISSING].ravel()}))
    return {analysis["id"]: pd.concat(levels_parts, ignore_index=True), analysis["id"] + "-tests": pd.DataFrame(tests)}


def distribution(frame, analysis, instrument):
    item, confidence = analysis["item"], analysis.get("confidence", 0.95)
    scale = [c for c in instrument.choices(item) if not c.get("special")]
    m = len(scale)
    position = {c["code"]: i for i, c in enumerate(scale)} | {code: m for code in instrument.special_codes(item)}
    answer = frame[item].map(position).fillna(m + 1).to_numpy(dtype=np.int64)   # m: special, m + 1: missing
    top = analysis.get("top")
    top_positions = [position[code] for code in top["codes"]] if top else []
    rows, tests = [], []
    for subgroup in [None] + analysis.get("subgroups", []):
        grouping = Grouping(frame, subgroup, instrument)
        shown = grouping.shown()
        counts = np.bincount(grouping.codes * (m + 2) + answer, minlength=len(grouping.levels) * (m + 2))
        counts = counts.reshape(-1, m + 2)[shown]
        n = counts[:, :m].sum(axis=1)
        top_count = counts[:, top_positions].sum(axis=1)
        shares = [wilson(counts[:, k], n, confidence) for k in range(m)] + ([wilson(top_count, n, confidence)] if top else [])
        codes = [str(c["code"]) for c in scale] + ([";".join(map(str, top["codes"]))] if top else [])
        labels = [c["label"] for c in scale] + ([top["label"]] if top else [])
        for g, level in enumerate(shown):
            for k, (code, label) in enumerate(zip(codes, labels)):
                p, low, high = (s[g] for s in shares[k])
                rows.append({"subgroup": grouping.label or "Overall", "group": grouping.levels[level],
                             "responses": int(grouping.sizes[level]), "n_answering": int(n[g]), "answer_code": code,
                             "answer": label, "n": int(counts[g, k] if k < m else top_count[g]), "pct": 100 * p,
                             "ci_low": 100 * low, "ci_high": 100 * high, "special_n": int(counts[g, m]),
                             "missing_n": int(counts[g, m + 1])})
        if subgroup is not None:
            tested = [g for g, level in enumerate(shown) if level not in grouping.untested]
            test = independence(np.column_stack([top_count[tested], n[tested] - top_count[tested]])) if top else None
            tests.append({"subgroup": grouping.label, "n": int(n[tested].sum()), **(test or {"method": "none"})})
    return {analysis["id"]: pd.DataFrame(rows), analysis["id"] + "-tests": pd.DataFrame(tests)}


def outcome_index(frame, categories, analysis, instrument):
    confidence = analysis.get("confidence", 0.95)
    answered = (categories <= NEGATIVE).sum(axis=1)
    index = pd.Series(np.where(answered > 0, (categories == POSITIVE).sum(axis=1) - (categories == NEGATIVE).sum(axis=1),
                               np.nan))
    parts = []
    for subgroup in [None] + analysis.get("subgroups", []):
        grouping = Grouping(frame, subgroup, instrument)
        shown = grouping.shown()
        by = index.groupby(grouping.codes)
        summary = pd.DataFrame({"n": by.count(), "mean": by.mean(), "sd": by.std(), "median": by.median(),
                                "q1": by.quantile(0.25), "q3": by.quantile(0.75), "min": by.min(), "max": by.max()})
        summary = summary.reindex(shown)
        summary["n"] = summary["n"].fillna(0).astype(int)
        half = stats.t.ppf(1 - (1 - confidence) / 2, summary["n"] - 1) * summary["sd"] / np.sqrt(summary["n"])
        summary["ci_low"], summary["ci_high"] = summary["mean"] - half, summary["mean"] + half
        summary.loc[summary["n"] < 2, ["mean", "ci_low", "ci_high", "sd", "median", "q1", "q3", "min", "max"]] = np.nan
        summary.insert(0, "subgroup", grouping.label or "Overall")
        summary.insert(1, "group", [grouping.levels[level] for level in shown])
        summary.insert(2, "responses", grouping.sizes[shown])
        summary.insert(4, "unscored", summary["responses"] - summary["n"])
        parts.append(summary)
    counts = index.value_counts().sort_index()
    scored = counts.sum()
    histogram = pd.DataFrame({"index": counts.index.astype(int), "n": counts.to_numpy(), "pct": 100 * counts.to_numpy() / scored,
                              "cumulative_pct": 100 * counts.cumsum().to_numpy() / scored})
    return {analysis["id"]: pd.concat(parts, ignore_index=True), analysis["id"] + "-distribution": histogram}


class Predictor:
    """A choice item as levels (each answer, or answers grouped), with a reference level."""

    def __init__(self, frame, spec, instrument):
        self.item, self.label = spec["item"], spec.get("label") or humanized(spec["item"])
        grouped = spec.get("levels")
        groups = list(grouped.items()) if grouped else \
            [(c["label"], [c["code"]]) for c in instrument.choices(self.item) if not c.get("special")]
        self.levels = [str(label) for label, _ in groups]
        # The reference: the level with that label (or, for ungrouped answers, that code); else the first.
        reference = str(spec["reference"]) if "reference" in spec else None
        self.reference = next((i for i, (label, codes) in enumerate(groups) if reference is not None
                               and (str(label) == reference or (not grouped and [str(c) for c in codes] == [reference]))), 0)
        self.codes = frame[self.item].map({code: i for i, (_, codes) in enumerate(groups) for code in codes}).to_numpy()


def process_associations(frame, categories, analysis, instrument):
    items, confidence = instrument.outcome_items(analysis), analysis.get("confidence", 0.95)
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    processes = [Predictor(frame, spec, instrument) for spec in analysis["processes"]]
    covariates = [Predictor(frame, spec, instrument) for spec in analysis.get("covariates", [])]
    contrasts = [(p, level) for p in processes for level in range(len(p.levels)) if level != p.reference]
    complete = ~np.isnan(np.column_stack([p.codes for p in processes + covariates])).any(axis=1)
    site_codes = pd.factorize(frame["site"])[0]
    errors = analysis.get("standard_errors", "auto")
    clustered = errors == "clustered_by_site" or (errors == "auto" and len(np.unique(site_codes)) >= 20)
    # One indicator column per level of every predictor, for the respondents with every predictor
    # answered; each domain's model takes its rows and the columns of the levels it can estimate.
    indicators = {(q.item, level): (q.codes[complete] == level) for q in processes + covariates for level in range(len(q.levels))}
    rows = []
    estimates = {}                                                      # (domain index, contrast index) -> figures
    for j, item in enumerate(items):
        category = categories[:, j]
        answered = category <= NEGATIVE
        use = answered & complete
        y = (category[use] == POSITIVE).astype(float)
        base = {"item": item, "domain": instrument.domain_label(item), "n": int(use.sum()), "positive_n": int(y.sum()),
                "not_applicable_n": int(((category == NOT_APPLICABLE) | (category == DONT_KNOW)).sum()),
                "outcome_missing_n": int((category == MISSING).sum()), "predictor_missing_n": int((answered & ~complete).sum())}
        model_rows = answered[complete]
        columns, estimable = [], {}
        for p in processes:
            level_counts = np.bincount(p.codes[use].astype(np.int64), minlength=len(p.levels))
            if level_counts[p.reference] == 0 or (level_counts > 0).sum() < 2:
                continue
            for level in range(len(p.levels)):
                if level != p.reference and level_counts[level] > 0:
                    columns.append((p.item, level))
                    estimable[(p.item, level)] = (int(level_counts[level]), int(level_counts[p.reference]))
        for c in covariates:
            present = np.flatnonzero(np.bincount(c.codes[use].astype(np.int64), minlength=len(c.levels)))
            if len(present) < 2:
                continue
            reference = c.reference if c.reference in present else present[0]
            columns += [(c.item, level) for level in present if level != reference]
        fit, not_computed = None, None
        if not estimable:
            not_computed = "no process item varies"
        else:
            # The design holds only levels present, so its rank is known (a collinear design would make
            # Newton's Hessian singular, reported as not computed): statsmodels' own rank check, a QR
            # decomposition of the whole design, would cost as much as the fit.
            design = np.column_stack([np.ones(len(y))] + [indicators[column][model_rows] for column in columns]).astype(float)
            options = {"cov_type": "cluster", "cov_kwds": {"groups": site_codes[use]}} if clustered else {}
            fit, not_computed = logit(y, design, check_rank=False, **options)
        for k, (p, level) in enumerate(contrasts):
            row = {**base, "process": p.item, "contrast": f"{p.label}: {p.levels[level]} vs {p.levels[p.reference]}",
                   "level": p.levels[level], "reference": p.levels[p.reference], "not_computed": not_computed}
            if fit is not None and (p.item, level) in estimable:
                column = 1 + columns.index((p.item, level))
                b, se = fit.params[column], fit.bse[column]
                row.update({"n_level": estimable[(p.item, level)][0], "n_reference": estimable[(p.item, level)][1],
                            "odds_ratio": math.exp(b), "ci_low": math.exp(b - z * se), "ci_high": math.exp(b + z * se),
                            "p": float(fit.pvalues[column])})
                estimates[(j, k)] = row
            rows.append(row)
    summaries = []
    for k, (p, level) in enumerate(contrasts):
        adjusted = adjust([estimates[(j, k)]["p"] if (j, k) in estimates else np.nan for j in range(len(items))],
                          analysis.get("adjust", "holm"))
        better, worse, unclear, ratios = [], [], 0, []
        for j in range(len(items)):
            if (j, k) not in estimates:
                continue
            estimate = estimates[(j, k)]
            estimate["p_adjusted"] = adjusted[j]
            ratios.append(estimate["odds_ratio"])
            if adjusted[j] < 0.05:
                (better if estimate["odds_ratio"] > 1 else worse).append(instrument.domain_label(items[j]))
            else:
                unclear += 1
        summaries.append({"contrast": f"{p.label}: {p.levels[level]} vs {p.levels[p.reference]}", "better_n": len(better),
                          "worse_n": len(worse), "unclear_n": unclear, "not_estimated_n": len(items) - len(ratios),
                          "odds_ratio_min": min(ratios, default=np.nan), "odds_ratio_max": max(ratios, default=np.nan),
                          "better_domains": "; ".join(better), "worse_domains": "; ".join(worse)})
    return {analysis["id"]: pd.DataFrame(rows), analysis["id"] + "-summary": pd.DataFrame(summaries)}


# ---------------------------------------------------------------------------------------------
# Two-wave analyses (controlled evaluation)
# ---------------------------------------------------------------------------------------------

def scale_scores(frame, scale, instrument):
    """A scale's score per row (NaN with too few answered items), as the instrument defines it:
    special codes unanswered; sum, mean or value table; then a linear rescale if any."""
    items = scale["items"]
    answers = frame[items]
    answers = answers.where(~answers.isin(list(set().union(*(instrument.special_codes(i) for i in items)))))
    if scale["method"] == "value_table":
        values = pd.concat([answers[item].map(scale["values"][item]) for item in items], axis=1)
        raw = scale.get("constant", 0) + sum(values[item] for item in items)   # item order, as the toolkit sums
        answered = values.notna().sum(axis=1)
    else:
        answered = answers.notna().sum(axis=1)
        raw = answers.sum(axis=1) / answered if scale["method"] == "mean" else answers.sum(axis=1)
    if "rescale" in scale:
        (a, b), (c, d) = scale["rescale"]["from"], scale["rescale"]["to"]
        raw = c + (raw - a) * (d - c) / (b - a)
    return raw.where(answered >= scale.get("min_answered", len(items))).to_numpy()


def levels_of(scores, scale):
    """Level index (0-based) of each score from the scale's cutpoints (a score up to and including a
    cutpoint, to 1e-9, is in that level)."""
    cutpoints = [level["max"] + 1e-9 for level in scale["levels"] if "max" in level]
    return np.searchsorted(np.array(cutpoints), scores, side="left")


def change_group(variable, level, b, f, lb, lf, rounded, k, confidence):
    """Every figure of one scale-change group, from its linked baseline and follow-up scores (and the
    changes rounded for ranking)."""
    n = len(b)
    transitions = np.bincount(lb * k + lf, minlength=k * k).reshape(k, k)
    d = f - b
    summary = {"subgroup": variable or "Overall", "group": level or "All linked respondents", "n": n,
               "mean_baseline": b.mean() if n else np.nan, "mean_followup": f.mean() if n else np.nan}
    if n >= 2 and d.std() > 0:
        t = stats.ttest_rel(f, b)
        ci = t.confidence_interval(confidence)
        summary.update({"mean_change": d.mean(), "change_ci_low": ci.low, "change_ci_high": ci.high, "paired_t": t.statistic,
                        "paired_t_df": t.df, "paired_t_p": t.pvalue})
    nonzero = rounded[rounded != 0]
    if len(nonzero):
        w = stats.wilcoxon(rounded)
        ties = len(np.unique(np.abs(nonzero))) < len(nonzero)
        method = "exact" if n <= 50 and not ties and len(nonzero) == n else "permutation" if n <= 13 else "normal"
        summary.update({"wilcoxon_statistic": w.statistic, "wilcoxon_p": w.pvalue, "wilcoxon_method": method})
    for name, count in (("up", (lf > lb).sum()), ("same", (lf == lb).sum()), ("down", (lf < lb).sum())):
        p, low, high = wilson(count, n, confidence)
        summary.update({f"{name}_n": int(count), f"{name}_pct": 100 * p, f"{name}_ci_low": 100 * low, f"{name}_ci_high": 100 * high})
    used = [i for i in range(k) if transitions[i].sum() + transitions[:, i].sum() > 0]
    reduced = transitions[np.ix_(used, used)]
    if len(used) >= 2:
        m = len(used) - 1
        v = -(reduced + reduced.T)[:m, :m].astype(float)
        np.fill_diagonal(v, reduced.sum(axis=1)[:m] + reduced.sum(axis=0)[:m] - 2 * np.diag(reduced)[:m])
        if np.linalg.matrix_rank(v) == m:   # a singular covariance has no test (the toolkit says why)
            test = SquareTable(reduced, shift_zeros=False).homogeneity()
            summary.update({"stuart_maxwell": test.statistic, "stuart_maxwell_df": int(test.df), "stuart_maxwell_p": test.pvalue})
    labels = [f"Level {i + 1}" for i in range(k)]
    levels = pd.DataFrame({"subgroup": summary["subgroup"], "group": summary["group"], "level": labels,
                           "baseline_n": transitions.sum(axis=1), "followup_n": transitions.sum(axis=0)})
    levels["baseline_pct"] = 100 * levels["baseline_n"] / n if n else np.nan
    levels["followup_pct"] = 100 * levels["followup_n"] / n if n else np.nan
    row_totals = transitions.sum(axis=1, keepdims=True)
    moves = pd.DataFrame({"subgroup": summary["subgroup"], "group": summary["group"], "baseline_level": np.repeat(labels, k),
                          "followup_level": np.tile(labels, k), "n": transitions.ravel(),
                          "row_pct": (100 * transitions / np.where(row_totals > 0, row_totals, np.nan)).ravel()})
    by_level = pd.DataFrame(
        [dict(zip(["n", "mean_change", "sd", "ci_low", "ci_high"], mean_interval(d[lb == i], confidence))) for i in range(k)])
    by_level["n"] = transitions.sum(axis=1)
    by_level.insert(0, "subgroup", summary["subgroup"])
    by_level.insert(1, "group", summary["group"])
    by_level.insert(2, "baseline_level", labels)
    return summary, levels, moves, by_level.drop(columns="sd")


def linked_waves(frame, analysis, values):
    """People (site and respondent id) with their baseline and follow-up rows side by side (an outer
    join of the two waves): the values given, suffixed _b and _f, and `seen_b` / `seen_f`.
    A person is numbered once (groupby ngroup) and each wave's rows are placed by that number: the
    same outer join as merging on the two string columns, at a fifth of the time for a million people."""
    person = frame.groupby(["site", "respondent_id"], sort=False).ngroup().to_numpy()
    wave = frame["wave"].to_numpy()
    parts = []
    for name, suffix in (("baseline_wave", "_b"), ("followup_wave", "_f")):
        rows = frame.loc[wave == str(analysis[name]), values].set_axis(person[wave == str(analysis[name])])
        rows = rows[~rows.index.duplicated()].assign(seen=True)     # one response per person and wave, as stored
        parts.append(rows.add_suffix(suffix))
    first = ~pd.Index(person).duplicated()                          # people are numbered as first seen
    ids = frame.loc[first, ["site", "respondent_id"]].set_axis(person[first])
    people = ids.join(pd.concat(parts, axis=1, join="outer"), how="inner").reset_index(drop=True)
    return people.assign(seen_b=people["seen_b"].notna(), seen_f=people["seen_f"].notna())


def scale_change(frame, analysis, instrument):
    confidence = analysis.get("confidence", 0.95)
    scale = instrument.scales[analysis["scale"]]
    k = len(scale["levels"])
    subgroup_items = [s["item"] for s in analysis.get("subgroups", []) if "item" in s]
    frame = frame.assign(score=scale_scores(frame, scale, instrument))
    people = linked_waves(frame, analysis, ["arm", "score"] + subgroup_items)
    has_b, has_f = people["seen_b"], people["seen_f"]
    same_arm = people["arm_b"].fillna("") == people["arm_f"].fillna("")
    pairs = people[has_b & has_f & same_arm & people["score_b"].notna() & people["score_f"].notna()]
    linking = {"linked": len(pairs), "baseline_only": int((has_b & ~has_f).sum()), "followup_only": int((~has_b & has_f).sum()),
               "unscored": int((has_b & has_f & same_arm).sum()) - len(pairs), "arm_changed": int((has_b & has_f & ~same_arm).sum())}
    b, f = pairs["score_b"].to_numpy(), pairs["score_f"].to_numpy()
    lb, lf = levels_of(b, scale), levels_of(f, scale)
    # Changes are ranked (Wilcoxon) after rounding to 12 significant digits, as the toolkit ranks them:
    # the same change reached by two routes differs in the last bits. Scores take few values, so each
    # distinct change is rounded once.
    distinct, position = np.unique(f - b, return_inverse=True)
    rounded = np.array([float(f"{v:.12g}") for v in distinct])[position]
    groups = [(None, None, np.ones(len(pairs), dtype=bool))]
    groups += [("Arm", arm.capitalize(), (pairs["arm_b"] == arm).to_numpy()) for arm in ("pilot", "control")
               if (pairs["arm_b"] == arm).any()]
    for subgroup in analysis.get("subgroups", []):
        if "item" not in subgroup:
            continue
        item = subgroup["item"]
        answer = pairs[item + "_b"].fillna(pairs[item + "_f"])      # as at baseline; else the follow-up answer
        label = subgroup.get("label") or humanized(item)
        groups += [(label, c["label"], (answer == c["code"]).to_numpy()) for c in instrument.choices(item)]
        if answer.isna().any():
            groups.append((label, "Not stated", answer.isna().to_numpy()))
    results = [change_group(variable, level, b[m], f[m], lb[m], lf[m], rounded[m], k, confidence) for variable, level, m in groups]
    name = analysis["id"]
    return ({name: pd.DataFrame([r[0] for r in results]), name + "-levels": pd.concat([r[1] for r in results]),
             name + "-transitions": pd.concat([r[2] for r in results]), name + "-by-baseline-level": pd.concat([r[3] for r in results])},
            {"linking": linking})


def standardised_rows(definition, first, second, outcome_columns, instrument):
    """Balance-table rows: each level of each categorical characteristic (share of those answering),
    then each outcome at baseline (mean, SD), with standardised differences first minus second."""
    rows = []
    for item in definition.get("balance", []):
        a, b = first[item + "_b"].dropna(), second[item + "_b"].dropna()
        for c in instrument.choices(item):
            p1 = (a == c["code"]).mean() if len(a) else np.nan
            p2 = (b == c["code"]).mean() if len(b) else np.nan
            pooled = math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
            rows.append({"characteristic": humanized(item), "level": c["label"], "first_n": len(a), "first_value": p1,
                         "first_sd": np.nan, "second_n": len(b), "second_value": p2, "second_sd": np.nan,
                         "smd": (p1 - p2) / pooled if pooled > 0 else 0.0})
    for label, column in outcome_columns:
        a, b = first[column + "_b"].dropna(), second[column + "_b"].dropna()
        s1, s2 = a.std(ddof=1), b.std(ddof=1)
        pooled, difference = math.sqrt((s1 ** 2 + s2 ** 2) / 2), a.mean() - b.mean()
        rows.append({"characteristic": label + " (baseline)", "level": "", "first_n": len(a), "first_value": a.mean(),
                     "first_sd": s1, "second_n": len(b), "second_value": b.mean(), "second_sd": s2,
                     "smd": difference / pooled if pooled > 0 else (0.0 if difference == 0 else np.nan)})
    return pd.DataFrame(rows)


def compare_arms(people, outcomes, design, analysis):
    """Every comparison of every outcome in one group of people (the toolkit's OutcomeComparison)."""
    confidence = analysis.get("confidence", 0.95)
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    pilot = (people["arm"] == "pilot").to_numpy()
    rows = []
    for outcome in outcomes:
        column, binary = outcome["column"], outcome["binary"]
        base, follow = people[column + "_b"].to_numpy(), people[column + "_f"].to_numpy()
        row = {"outcome": outcome["id"], "label": outcome["label"], "kind": "binary" if binary else "continuous"}
        for arm, members in (("pilot", pilot), ("control", ~pilot)):
            for wave, values in (("baseline", base[members]), ("followup", follow[members])):
                values = values[~np.isnan(values)]
                row[f"{wave}_{arm}_n"] = len(values) if len(values) else None
                row[f"{wave}_{arm}_mean"] = values.mean() if len(values) else np.nan
                if wave == "followup":
                    row[f"followup_{arm}_sd"] = values.std(ddof=1) if len(values) > 1 and not binary else np.nan
        a, c = follow[pilot & ~np.isnan(follow)], follow[~pilot & ~np.isnan(follow)]
        if len(a) == 0 or len(c) == 0:
            rows.append(row)
            continue
        if binary:
            e1, n1, e2, n2 = int(a.sum()), len(a), int(c.sum()), len(c)
            low, high = confint_proportions_2indep(e1, n1, e2, n2, method="newcomb", compare="diff", alpha=1 - confidence)
            table = np.array([[e1, n1 - e1], [e2, n2 - e2]])
            chi = None if (table.sum(axis=0) == 0).any() else stats.chi2_contingency(table, correction=False)
            small = chi is None or chi.expected_freq.min() < 5
            row.update({"unadjusted_difference": e1 / n1 - e2 / n2, "unadjusted_ci_low": low, "unadjusted_ci_high": high,
                        "unadjusted_p": stats.fisher_exact(table).pvalue if small else chi.pvalue,
                        "unadjusted_test": "Fisher's exact (an expected count below 5)" if small else "chi-square"})
        else:
            welch = stats.ttest_ind(a, c, equal_var=False)
            ci = welch.confidence_interval(confidence)
            row.update({"unadjusted_difference": a.mean() - c.mean(), "unadjusted_ci_low": ci.low, "unadjusted_ci_high": ci.high,
                        "unadjusted_p": welch.pvalue, "unadjusted_test": "Welch t-test"})
        linked = ~np.isnan(base) & ~np.isnan(follow)
        change = follow - base
        if not binary:
            for arm, members in (("pilot", pilot), ("control", ~pilot)):
                _, mean, _, low, high = mean_interval(change[linked & members], confidence)
                row.update({f"change_{arm}": mean, f"change_{arm}_ci_low": low, f"change_{arm}_ci_high": high})
            did = stats.ttest_ind(change[linked & pilot], change[linked & ~pilot], equal_var=False)
            ci = did.confidence_interval(confidence)
            did_estimate = change[linked & pilot].mean() - change[linked & ~pilot].mean()
            row.update({"difference_in_differences": did_estimate, "did_ci_low": ci.low, "did_ci_high": ci.high,
                        "did_p": did.pvalue})
        # ANCOVA (or logistic): follow-up ~ arm + baseline + covariates (as at baseline), clusters = sites.
        complete = linked & design.notna().all(axis=1).to_numpy()
        covariates = design[complete]
        covariates = covariates.loc[:, covariates.nunique() > 1]          # constant here: nothing to adjust for
        x = np.column_stack([np.ones(complete.sum()), pilot[complete], base[complete], covariates.to_numpy(dtype=float)])
        sites = people["site_code"].to_numpy()[complete]
        row["clusters"] = np.count_nonzero(np.bincount(sites))
        if binary:
            fit, _ = logit(follow[complete], x, cov_type="cluster", cov_kwds={"groups": sites})
            if fit is None:
                rows.append(row)
                continue
            low, high = np.exp(fit.params[1] + np.array([-z, z]) * fit.bse[1])
            row.update({"adjusted_effect": math.exp(fit.params[1]), "adjusted_ci_low": low, "adjusted_ci_high": high})
        else:
            fit = OLS(follow[complete], x).fit(cov_type="cluster", cov_kwds={"groups": sites}, use_t=True)
            low, high = fit.conf_int(1 - confidence)[1]
            row.update({"adjusted_effect": fit.params[1], "adjusted_ci_low": low, "adjusted_ci_high": high})
            # Hedges' g of the adjusted difference: over the pooled SD of the follow-up values, times J.
            ya, yc = follow[complete & pilot], follow[complete & ~pilot]
            m = len(ya) + len(yc) - 2
            pooled = math.sqrt(((len(ya) - 1) * ya.var(ddof=1) + (len(yc) - 1) * yc.var(ddof=1)) / m)
            j = math.exp(gammaln(m / 2) - gammaln((m - 1) / 2)) / math.sqrt(m / 2)
            row.update({"hedges_g": j * fit.params[1] / pooled, "hedges_g_ci_low": j * low / pooled,
                        "hedges_g_ci_high": j * high / pooled})
        row.update({"adjusted_p": float(fit.pvalues[1]), "adjusted_n": int(fit.nobs)})
        rows.append(row)
    for row, q in zip(rows, adjust([r.get("adjusted_p", np.nan) for r in rows], analysis.get("adjust", "holm"))):
        row["adjusted_p_multiplicity"] = q
    return rows


def cost_effectiveness(people, settings, confidence):
    """Incremental cost and effect, ICER and net benefits, with a bootstrap stratified by arm. By default
    (resample: sites) the resampled units are the (site, arm) pairs of the usable people, each carrying
    its people's summed cost and change and their number: a replicate draws, within each arm, as many
    sites as the arm has, with replacement, and an arm's mean is the drawn sums over the drawn people.
    With resample: people, each person is a unit."""
    effect, cost = settings["effect"], settings["item"] + "_f"
    usable = people[people[cost].notna() & people[effect + "_b"].notna() & people[effect + "_f"].notna()]
    usable = usable.assign(change=usable[effect + "_f"] - usable[effect + "_b"], pilot=usable["arm"] == "pilot")
    if usable["pilot"].sum() < 2 or (~usable["pilot"]).sum() < 2:   # the toolkit reports no cost-effectiveness
        return None, None
    mean = usable.groupby("pilot")[[cost, "change"]].mean()
    delta_cost, delta_effect = mean.loc[True, cost] - mean.loc[False, cost], mean.loc[True, "change"] - mean.loc[False, "change"]
    resample = settings.get("resample", "sites")
    if resample == "people":
        units = usable[["pilot", cost, "change"]].rename(columns={cost: "cost"}).assign(n=1).set_index("pilot")
    else:
        units = usable.groupby(["pilot", "site"]).agg(cost=(cost, "sum"), change=("change", "sum"), n=("change", "size"))
    counts = {arm: len(units.loc[arm == "pilot"]) for arm in ("pilot", "control")}
    if min(counts.values()) < 2:                                     # no bootstrap with one site in an arm
        return None, None
    rng = np.random.default_rng(settings.get("seed"))
    replicates = settings.get("replicates", 1000)
    means = {}
    for arm in ("pilot", "control"):
        sums = units.loc[arm == "pilot"]
        k = len(sums)
        values = sums[["cost", "change", "n"]].to_numpy(dtype=float)
        chunk = max(1, 4_000_000 // k)                               # replicates drawn at once (memory)
        totals = np.concatenate([values[rng.integers(0, k, size=(min(chunk, replicates - first), k))].sum(axis=1)
                                 for first in range(0, replicates, chunk)])
        means[arm] = totals[:, :2] / totals[:, 2:]                   # replicates x (mean cost, mean change)
    boot_cost, boot_effect = (means["pilot"] - means["control"]).T
    thresholds = np.array(settings["thresholds"], dtype=float)
    boot_net = thresholds[:, None] * boot_effect - boot_cost          # thresholds x replicates
    alpha = 1 - confidence
    q = [100 * alpha / 2, 100 * (1 - alpha / 2)]

    def interval(values):
        return dict(zip(["ci_low", "ci_high"], np.percentile(values, q)))   # linear interpolation

    rows = [{"quantity": "Mean cost, pilot", "estimate": mean.loc[True, cost]},
            {"quantity": "Mean cost, control", "estimate": mean.loc[False, cost]},
            {"quantity": "Incremental cost", "estimate": delta_cost, **interval(boot_cost)},
            {"quantity": "Incremental effect", "estimate": delta_effect, **interval(boot_effect)},
            {"quantity": "ICER (cost per unit of effect)", "estimate": delta_cost / delta_effect}]
    for threshold, net in zip(thresholds, boot_net):
        rows.append({"quantity": f"Net benefit at {threshold:.0f} per unit", "estimate": threshold * delta_effect - delta_cost,
                     **interval(net), "probability_cost_effective": (net > 0).mean()})
    return pd.DataFrame(rows), {"pilot": int(usable["pilot"].sum()), "control": int((~usable["pilot"]).sum()),
                                "replicates": replicates, "resample": resample, "units": counts}


def pilot_vs_control(frame, analysis, instrument):
    confidence = analysis.get("confidence", 0.95)
    everyone, frame = frame, frame[frame["arm"].notna()]             # responses with no arm are left out
    outcomes = []
    for spec in analysis["outcomes"]:
        if "scale" in spec:
            scale = instrument.scales[spec["scale"]]
            frame = frame.assign(**{spec["scale"]: scale_scores(frame, scale, instrument)})
            outcomes.append({"id": spec["scale"], "column": spec["scale"], "binary": False,
                             "label": spec.get("label") or scale.get("label", spec["scale"])})
        else:
            item, events = spec["item"], spec["event"] if isinstance(spec["event"], list) else [spec["event"]]
            answer = frame[item].where(~frame[item].isin(list(instrument.special_codes(item))))
            frame = frame.assign(**{item + "_event": answer.isin(events).astype(float).where(answer.notna())})
            outcomes.append({"id": item, "column": item + "_event", "binary": True, "label": spec.get("label") or humanized(item)})
    covariates, balance = analysis.get("covariates", []), analysis.get("balance", [])
    subgroup_items = [s["item"] for s in analysis.get("subgroups", []) if "item" in s]
    cost = analysis.get("cost")
    columns = list(dict.fromkeys(["arm"] + [o["column"] for o in outcomes] + covariates + balance + subgroup_items
                                 + ([cost["item"]] if cost else [])))
    people = linked_waves(frame, analysis, columns)
    # One arm per person: recorded in different arms at the two waves, a person is left out.
    people = people[~people["seen_b"] | ~people["seen_f"] | (people["arm_b"] == people["arm_f"])]
    people = people.assign(arm=people["arm_b"].fillna(people["arm_f"])).reset_index(drop=True)
    people["site_code"] = pd.factorize(people["site"])[0]            # the clusters of the adjusted models
    # Covariates as dummies of every level present in the data but the first, taken at baseline.
    design = {}
    for item in covariates:
        answer = people[item + "_b"].where(~people[item + "_b"].isin(list(instrument.special_codes(item))))
        present = [c for c in instrument.choices(item) if not c.get("special") and everyone[item].eq(c["code"]).any()]
        for c in present[1:]:
            design[f"{item}={c['label']}"] = (answer == c["code"]).astype(float).where(answer.notna())
    design = pd.DataFrame(design, index=people.index)
    groups = [("Overall", "All respondents", people.index)]
    for subgroup in analysis.get("subgroups", []):
        if "item" not in subgroup:
            continue
        answer = people[subgroup["item"] + "_b"].fillna(people[subgroup["item"] + "_f"])
        for c in instrument.choices(subgroup["item"]):
            members = people.index[answer == c["code"]]
            if len(members):
                groups.append((subgroup.get("label") or humanized(subgroup["item"]), c["label"], members))
    main = [{"subgroup": variable, "group": level, **row} for variable, level, members in groups
            for row in compare_arms(people.loc[members], outcomes, design.loc[members], analysis)]
    with_baseline = people[people["seen_b"]]
    outcome_columns = [(o["label"], o["column"]) for o in outcomes]
    balance_rows = standardised_rows(analysis, with_baseline[with_baseline["arm"] == "pilot"],
                                     with_baseline[with_baseline["arm"] == "control"], outcome_columns, instrument)
    lost, kept = ~with_baseline["seen_f"], with_baseline["seen_f"]
    attrition_rows = standardised_rows(analysis, with_baseline[lost], with_baseline[kept], outcome_columns, instrument)
    name = analysis["id"]
    out = {name: pd.DataFrame(main),
           name + "-balance": balance_rows.rename(columns=lambda c: c.replace("first", "pilot").replace("second", "control")),
           name + "-attrition": attrition_rows.rename(columns=lambda c: c.replace("first", "lost").replace("second", "followed_up"))}
    extra = {"attrition": {"baseline_pilot": int((with_baseline["arm"] == "pilot").sum()),
                           "baseline_control": int((with_baseline["arm"] == "control").sum()),
                           "lost_pilot": int((lost & (with_baseline["arm"] == "pilot")).sum()),
                           "lost_control": int((lost & (with_baseline["arm"] == "control")).sum()),
                           "followup_only": int((~people["seen_b"]).sum())}}
    if cost:
        table, extra["cost"] = cost_effectiveness(people, cost, confidence)
        if table is not None:
            out[name + "-cost"] = table
    return out, extra


# ---------------------------------------------------------------------------------------------

def multiple_choice(frame, analysis, instrument):
    """% choosing each option among those who chose at least one, overall and per shown group."""
    item, confidence = analysis["item"], analysis.get("confidence", 0.95)
    choices = instrument.choices(item)
    cells = frame[item].map(lambda v: [] if pd.isna(v) else str(int(v) if isinstance(v, float) else v).split(";"))
    chosen = np.column_stack([cells.map(lambda codes, code=str(c["code"]): code in codes).to_numpy() for c in choices])
    answered = chosen.any(axis=1)
    rows = []
    for subgroup in [None] + analysis.get("subgroups", []):
        grouping = Grouping(frame, subgroup, instrument)
        for level in grouping.shown():
            members = grouping.codes == level
            n = int((members & answered).sum())
            counts = chosen[members & answered].sum(axis=0)
            p, low, high = wilson(counts, np.full(len(choices), n), confidence)
            for k, choice in enumerate(choices):
                rows.append({"subgroup": grouping.label or "Overall", "group": grouping.levels[level],
                             "responses": int(members.sum()), "n_answering": n, "option_code": str(choice["code"]),
                             "option": choice["label"], "n": int(counts[k]), "pct": 100 * p[k], "ci_low": 100 * low[k],
                             "ci_high": 100 * high[k], "missing_n": int(members.sum()) - n})
    return {analysis["id"]: pd.DataFrame(rows)}


def funnel_limit(p0, n, probability):
    """Spiegelhalter's interpolated exact binomial limit (SciPy's binomial), as a proportion."""
    r = int(stats.binom.ppf(probability, n, p0))
    while r > 0 and stats.binom.cdf(r - 1, n, p0) >= probability:
        r -= 1
    while stats.binom.cdf(r, n, p0) < probability:
        r += 1
    upper, lower = stats.binom.cdf(r, n, p0), (stats.binom.cdf(r - 1, n, p0) if r > 0 else 0.0)
    alpha = (upper - probability) / (upper - lower) if upper > lower else 0.0
    return min(1.0, max(0.0, (r - alpha) / n))


def site_benchmark(frame, categories, analysis, instrument):
    """Each site's % positive against the other sites pooled, with funnel limits around the pooled %."""
    items, confidence = instrument.outcome_items(analysis), analysis.get("confidence", 0.95)
    sites = sorted(frame["site"].unique())
    rows = []
    for j, item in enumerate(items):
        answering_all = np.isin(categories[:, j], [POSITIVE, NEUTRAL, NEGATIVE])
        positive_all = categories[:, j] == POSITIVE
        total, total_n = int(positive_all.sum()), int(answering_all.sum())
        pooled = total / total_n
        for site in sites:
            at = (frame["site"] == site).to_numpy()
            n, k = int((at & answering_all).sum()), int((at & positive_all).sum())
            p, low, high = wilson(k, n, confidence)
            rest_p, _, _ = wilson(total - k, total_n - n, confidence)
            row = {"item": item, "domain": instrument.domain_label(item), "site": site, "responses": int(at.sum()),
                   "n_answering": n, "positive_n": k, "pct": 100 * float(p), "ci_low": 100 * float(low), "ci_high": 100 * float(high),
                   "rest_n_answering": total_n - n, "rest_pct": 100 * float(rest_p), "pooled_pct": 100 * pooled}
            if n > 0 and total_n > n:
                d_low, d_high = confint_proportions_2indep(k, n, total - k, total_n - n, method="newcomb", compare="diff",
                                                           alpha=1 - confidence)
                row |= {"difference": 100 * (k / n - (total - k) / (total_n - n)), "difference_ci_low": 100 * d_low,
                        "difference_ci_high": 100 * d_high}
            if n > 0:
                limits = [funnel_limit(pooled, n, q) for q in (0.025, 0.975, 0.001, 0.999)]
                row |= dict(zip(["limit95_low", "limit95_high", "limit998_low", "limit998_high"], [100 * v for v in limits]))
                share = k / n
                row["position"] = ("above 99.8% limit" if share > limits[3] else "above 95% limit" if share > limits[1]
                                   else "below 99.8% limit" if share < limits[2] else "below 95% limit" if share < limits[0]
                                   else "within limits")
            rows.append(row)
    return {analysis["id"]: pd.DataFrame(rows)}


def scale_summary(frame, analysis, instrument):
    """One wave's scores on a scale: mean with t interval, SD, median, quartiles; levels with Wilson."""
    scale, confidence = instrument.scales[analysis["scale"]], analysis.get("confidence", 0.95)
    scores = np.asarray(scale_scores(frame, scale, instrument), dtype=float)
    levels = np.where(np.isnan(scores), -1, levels_of(np.nan_to_num(scores), scale))
    rows, level_rows = [], []
    for subgroup in [None] + analysis.get("subgroups", []):
        grouping = Grouping(frame, subgroup, instrument)
        for level in grouping.shown():
            members = grouping.codes == level
            values = scores[members & ~np.isnan(scores)]
            n, mean, sd, low, high = mean_interval(values, confidence)
            row = {"subgroup": grouping.label or "Overall", "group": grouping.levels[level], "responses": int(members.sum()),
                   "n": int(len(values)), "unscored": int(members.sum()) - int(len(values))}
            if len(values) >= 2:
                q1, median, q3 = np.percentile(values, [25, 50, 75])
                row |= {"mean": mean, "ci_low": low, "ci_high": high, "sd": sd, "median": median, "q1": q1, "q3": q3}
            rows.append(row)
            at = levels[members]
            at = at[at >= 0]
            for k, spec in enumerate(scale["levels"]):
                count = int((at == k).sum())
                p, lo, hi = wilson(count, len(at), confidence)
                level_rows.append({"subgroup": row["subgroup"], "group": row["group"], "level": f"Level {spec['level']}", "n": count,
                                   "pct": 100 * float(p), "ci_low": 100 * float(lo), "ci_high": 100 * float(hi)})
    return {analysis["id"]: pd.DataFrame(rows), analysis["id"] + "-levels": pd.DataFrame(level_rows)}

# Analyses of one wave of a survey that take the coded outcome answers (distribution takes one item).
CODED_SURVEY = {"outcome_table": outcome_table, "subgroup_comparison": subgroup_comparison,
                "process_associations": process_associations, "outcome_index": outcome_index,
                "site_benchmark": site_benchmark}


def needed_columns(analyses, instrument):
    """Every column the analyses of one instrument read (one read per CSV file)."""
    columns = ["respondent_id", "site", "arm", "wave"]
    for a in analyses:
        if a["kind"] in ("outcome_table", "subgroup_comparison", "process_associations", "outcome_index", "site_benchmark"):
            columns += instrument.outcome_items(a)
        if a["kind"] in ("distribution", "multiple_choice"):
            columns.append(a["item"])
        columns += [s["item"] for s in a.get("subgroups", []) if "item" in s]
        columns += [p["item"] for p in a.get("processes", [])]
        columns += [c if isinstance(c, str) else c["item"] for c in a.get("covariates", [])] + a.get("balance", [])
        if a["kind"] in ("scale_change", "scale_summary"):
            columns += instrument.scales[a["scale"]]["items"]
        for outcome in a.get("outcomes", []):
            columns += instrument.scales[outcome["scale"]]["items"] if "scale" in outcome else [outcome["item"]]
        if a.get("cost"):
            columns.append(a["cost"]["item"])
    return list(dict.fromkeys(columns))


def run(data, out):
    specs = data / "analyses" if (data / "analyses").is_dir() else REPO / "analyses"
    codebook = data / "instruments" if (data / "instruments").is_dir() else REPO / "instruments"
    analyses = [yaml.safe_load(path.read_text()) for path in sorted(specs.glob("*.yaml")) if path.name not in ("defaults.yaml", "sites.yaml")]
    tables, extras = {}, {}
    start = time.perf_counter()
    for instrument_id in dict.fromkeys(a["instrument"] for a in analyses):
        instrument = Instrument(codebook / f"{instrument_id}.yaml")
        mine = [a for a in analyses if a["instrument"] == instrument_id]
        frame = timed(f"read {instrument_id}.csv", pd.read_csv, data / f"{instrument_id}.csv", usecols=needed_columns(mine, instrument),
                      dtype={"respondent_id": str, "site": str, "arm": str, "wave": str})
        # One wave of a survey per analysis (the one it names); the outcome answers of each wave are
        # coded once (positive ... missing) for all the analyses that use them.
        survey = {str(a["wave"]) if "wave" in a else None for a in mine
                  if a["kind"] in CODED_SURVEY or a["kind"] in ("distribution", "multiple_choice", "scale_summary")}
        waves = {wave: frame if wave is None else frame[frame["wave"] == wave] for wave in survey}
        coded = {}
        for wave in survey:
            items = list(dict.fromkeys(item for a in mine if a["kind"] in CODED_SURVEY and str(a.get("wave")) == str(wave)
                                       for item in instrument.outcome_items(a)))
            if items:
                coded[wave] = (items, timed(f"code {instrument_id} answers (shared by its analyses)", answer_categories,
                                            waves[wave], items, instrument))
        for a in mine:
            wave = str(a["wave"]) if "wave" in a else None
            if a["kind"] in CODED_SURVEY:
                items, codes = coded[wave]
                columns = [items.index(item) for item in instrument.outcome_items(a)]
                tables.update(timed(a["id"], CODED_SURVEY[a["kind"]], waves[wave], codes[:, columns], a, instrument))
            elif a["kind"] == "distribution":
                tables.update(timed(a["id"], distribution, waves[wave], a, instrument))
            elif a["kind"] == "multiple_choice":
                tables.update(timed(a["id"], multiple_choice, waves[wave], a, instrument))
            elif a["kind"] == "scale_summary":
                tables.update(timed(a["id"], scale_summary, waves[wave], a, instrument))
            else:
                function = scale_change if a["kind"] == "scale_change" else pilot_vs_control
                result, extras[a["id"]] = timed(a["id"], function, frame, a, instrument)
                tables.update(result)
    timings["total"] = time.perf_counter() - start
    out.mkdir(parents=True, exist_ok=True)

    def plain(value):
        if isinstance(value, (np.integer,)):
            return int(value)
        if isinstance(value, (float, np.floating)):
            return None if not np.isfinite(value) else float(value)
        return value

    payload = {"tables": {name: {"columns": list(t.columns), "rows": [[plain(v) for v in row] for row in t.itertuples(index=False)]}
                          for name, t in tables.items()},
               "extras": extras, "timings": timings}
    (out / "baseline.json").write_text(json.dumps(payload, indent=0, default=plain))
    (out / "timings.txt").write_text("".join(f"    pandas {name}: {seconds:.2f} s\n" for name, seconds in timings.items()))


if __name__ == "__main__":
    run(Path(sys.argv[1]), Path(sys.argv[2]))
