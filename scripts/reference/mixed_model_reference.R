#!/usr/bin/env Rscript
# Reference values for OutcomesStatistics' Regression.randomIntercept: a linear mixed model with a
# random intercept for site, fitted by REML with lme4 (1.1-31), Satterthwaite degrees of freedom from
# lmerTest (3.1-3) and Kenward-Roger ones from pbkrtest (0.5.2) through lmerTest's summary.
#
# The datasets are generated here (seeded) and written into the fixture with the fits, so the Swift
# tests need no R. Each is shaped like a cluster-allocated trial: an arm constant within site (except
# the "within-site" set), a baseline covariate, a three-level category as two 0/1 indicators.
#
#   Rscript scripts/reference/mixed_model_reference.R > Tests/OutcomesStatisticsTests/Fixtures/reference-mixed.json
suppressMessages({ library(lmerTest); library(jsonlite) })

# The optimiser's defaults stop about 1e-6 from the optimum in theta: tighter here, so that the reference
# is the REML optimum itself and not where BOBYQA happened to stop.
tight <- lmerControl(optimizer = "nloptwrap",
                     optCtrl = list(xtol_abs = 1e-13, ftol_abs = 1e-15, xtol_rel = 1e-13, maxeval = 1e5),
                     check.conv.singular = "ignore")

make <- function(seed, sizes, site_sd, arm_within_site = FALSE, centre_noise = FALSE) {
  set.seed(seed)
  g <- length(sizes)
  site <- rep(seq_len(g), sizes)
  n <- length(site)
  arm <- if (arm_within_site) rbinom(n, 1, 0.5) else rep(rep(0:1, length.out = g)[sample(g)], sizes)
  baseline <- round(rnorm(n, 50, 10), 1)
  category <- sample(0:2, n, replace = TRUE, prob = c(0.5, 0.3, 0.2))
  noise <- rnorm(n, 0, 8)
  # Noise centred within each site leaves less between-site variation than the residual variance
  # implies: the REML site variance is then 0 (a singular fit).
  if (centre_noise) noise <- noise - ave(noise, site)
  y <- 10 + 2.5 * arm + 0.6 * baseline + 1.5 * (category == 1) - 2 * (category == 2) +
    rnorm(g, 0, site_sd)[site] + noise
  data.frame(y = round(y, 3), site = site, arm = arm, baseline = baseline,
             cat1 = as.numeric(category == 1), cat2 = as.numeric(category == 2))
}

fit <- function(name, d, formula) {
  m <- lmerTest::lmer(formula, data = d, REML = TRUE, control = tight)
  s <- summary(m)$coefficients
  kr <- summary(m, ddf = "Kenward-Roger")$coefficients
  vc <- as.data.frame(VarCorr(m))
  predictors <- setdiff(all.vars(formula), c("y", "site"))
  coefficients <- lapply(seq_len(nrow(s)), function(j) list(
    name = rownames(s)[j], estimate = s[j, "Estimate"],
    se = s[j, "Std. Error"], df = s[j, "df"], t = s[j, "t value"], p = s[j, "Pr(>|t|)"],
    lower = s[j, "Estimate"] - qt(0.975, s[j, "df"]) * s[j, "Std. Error"],
    upper = s[j, "Estimate"] + qt(0.975, s[j, "df"]) * s[j, "Std. Error"],
    kr_se = kr[j, "Std. Error"], kr_df = kr[j, "df"], kr_t = kr[j, "t value"], kr_p = kr[j, "Pr(>|t|)"]))
  list(name = name, n = nrow(d), groups = length(unique(d$site)), site = d$site, y = d$y,
       predictors = predictors, data = lapply(setNames(predictors, predictors), function(v) d[[v]]),
       coefficients = coefficients,
       sigma_b2 = vc$vcov[vc$grp == "site"], sigma2 = sigma(m)^2, theta = unname(getME(m, "theta")),
       remlcrit = REMLcrit(m), singular = isSingular(m))
}

full <- y ~ arm + baseline + cat1 + cat2 + (1 | site)
cases <- list(
  fit("six sites", make(101, c(12, 30, 18, 45, 25, 9), site_sd = 4), full),
  fit("twenty sites", make(202, sample(c(5:60), 20, replace = TRUE), site_sd = 3), full),
  fit("within-site arm", make(303, c(40, 22, 35, 18, 50, 27, 31, 15, 44, 20, 26, 38), site_sd = 5,
                              arm_within_site = TRUE), full),
  fit("singular", make(404, c(20, 35, 15, 28, 22, 40, 18, 30), site_sd = 0, centre_noise = TRUE),
      y ~ arm + baseline + (1 | site))
)
cat(toJSON(list(source = paste("lme4", packageVersion("lme4"), "lmerTest", packageVersion("lmerTest"),
                                "pbkrtest", packageVersion("pbkrtest")),
                cases = cases), auto_unbox = TRUE, digits = NA, pretty = FALSE))
cat("\n")
