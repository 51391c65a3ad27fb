#!/usr/bin/env Rscript
# Reference values for the weighted one-wave kinds other than outcome_table (distribution,
# multiple_choice, scale_summary, outcome_index), end to end, from R's survey package.
#
# Input: Tests/OutcomesAnalysesTests/Fixtures/weighted-poet.csv (weighted_outcome_reference.R) with
# answers added to a multiple-choice question (planning_helpers, codes 1-4 joined by ";") and a
# four-item wellbeing scale (wb_1..wb_4, 1-4), a fixed pattern, written as weighted-kinds.csv; the
# instrument is weighted-kinds.yaml. The designs are those of the outcome table's reference:
#   clustered: weight survey_weight, sites as clusters, Korn-Graubard (beta) intervals;
#   raked:     weight survey_weight, strata support_need, raked to the age-band totals, logit intervals;
#   trimmed, trimmed_raked: as clustered and raked with the weights first trimmed to 0.75-2.5
#              (trimWeights, strict = TRUE).
# Overall and by age band:
#   distribution confidence_needs_met: each answer's share, and the top two answers' (svyciprop);
#   multiple_choice planning_helpers: each option's share among those choosing at least one;
#   scale_summary wellbeing (mean of 3+ answered items, 1-4 rescaled to 0-100; levels up to 40, up to
#     55, above): svymean with confint(df = degf), svyvar's SD, svyquantile's quartiles (qrule "math"),
#     and each level's share;
#   outcome_index of the four outcome items (better minus worse among those answered on the scale): as
#     the scale's mean;
#   Rao-Scott tests by age band (svychisq, statistic "F"): the distribution's top share, and each
#     outcome item's % positive among those answering on the scale (subgroup_comparison);
#   process_associations: per outcome item, svyglm(positive ~ views + age band, quasibinomial), its
#     coefficients, SEs, t p-values and confint (Wald, t on df.residual);
#   site_benchmark (the designs without sites as clusters, where a site is a whole cluster and its share
#     has no design variance): per outcome item and site, among those answering on the scale: the site's and
#     the other sites' % positive (svyciprop), the difference (svycontrast of the ratio of svytotals,
#     confint(df = degf(design))), the pooled % of every site, and the site's Kish effective sample size
#     sum(w)^2 / sum(w^2) with the funnel's normal limits p0 +- z sqrt(p0 (1 - p0) / n_eff) at 95% and
#     99.8% (Spiegelhalter 2005's approximation; the toolkit's stated method for weighted funnels).
#
#   Rscript scripts/reference/weighted_kinds_reference.R > \
#     Tests/OutcomesAnalysesTests/Fixtures/weighted-kinds.expected.json   (from the repository's top folder)
# svyciprop's logit fits warn of zero weights outside the subset, and of not converging at a share of 0%.
suppressMessages({ library(survey); library(jsonlite) })
dir <- "Tests/OutcomesAnalysesTests/Fixtures"
d <- read.csv(file.path(dir, "weighted-poet.csv"), colClasses = "character")
i <- seq_len(nrow(d))
helpers <- sapply((i * 13) %% 17, function(bits) {
  if (bits >= 16) return("")                       # asked and not answered
  paste(which(bitwAnd(bits, c(1, 2, 4, 8)) > 0), collapse = ";")
})
d$planning_helpers <- helpers
for (k in 1:4) {
  v <- (i * (2 * k + 1) + k) %% 5                  # 0: not answered
  d[[paste0("wb_", k)]] <- ifelse(v == 0 | (k <= 2 & i %% 9 == 0), "", as.character(v))  # some too few
}
write.csv(d, file.path(dir, "weighted-kinds.csv"), row.names = FALSE, quote = FALSE, na = "")

d$w <- as.numeric(d$survey_weight)
d$age <- as.integer(d$age_band)
d$confidence <- as.integer(d$confidence_needs_met)
d$helpers_answered <- d$planning_helpers != ""
for (k in 1:4) d[[paste0("helper_", k)]] <- as.numeric(sapply(strsplit(d$planning_helpers, ";"),
                                                                function(x) as.character(k) %in% x))
wb <- sapply(1:4, function(k) as.numeric(d[[paste0("wb_", k)]]))
answered <- rowSums(!is.na(wb))
d$wellbeing <- ifelse(answered >= 3, (rowMeans(wb, na.rm = TRUE) - 1) / 3 * 100, NA)
d$wellbeing_level <- ifelse(is.na(d$wellbeing), NA, ifelse(d$wellbeing <= 40, 1, ifelse(d$wellbeing <= 55, 2, 3)))
outcomes <- c("outcome_independence", "outcome_safety", "outcome_paid_job", "outcome_volunteering")
direction <- function(x) ifelse(x %in% c("1", "2"), 1, ifelse(x == "3", 0, ifelse(x %in% c("4", "5"), -1, NA)))
dirs <- sapply(outcomes, function(item) direction(d[[item]]))
d$index <- ifelse(rowSums(!is.na(dirs)) > 0, rowSums(dirs, na.rm = TRUE), NA)

groups <- c("All respondents", "1", "2", "3")
in_group <- function(des, group, keep) {
  if (group == "All respondents") subset(des, keep) else subset(des, keep & des$variables$age == as.integer(group))
}
share <- function(des, hit, keep, group, interval) {
  des$variables$hit <- ifelse(keep, hit, 0)
  des$variables$keep <- keep
  sub <- in_group(des, group, des$variables$keep)
  m <- svymean(~hit, sub, deff = "replace")
  ci <- svyciprop(~hit, sub, method = interval)
  list(pct = 100 * unname(coef(m)), se = 100 * unname(SE(m)), deff = unname(deff(m)),
       lower = 100 * unname(attr(ci, "ci")[1]), upper = 100 * unname(attr(ci, "ci")[2]), n = sum(weights(sub) > 0))
}
mean_of <- function(des, variable, group) {
  keep <- !is.na(des$variables[[variable]])
  des$variables$y <- ifelse(keep, des$variables[[variable]], 0)   # a raked subset keeps rows, at weight 0
  sub <- in_group(des, group, keep)
  m <- svymean(~y, sub, deff = "replace")
  ci <- confint(m, df = degf(sub))
  q <- svyquantile(~y, sub, c(0.25, 0.5, 0.75), ci = FALSE)
  list(mean = unname(coef(m)), se = unname(SE(m)), deff = unname(deff(m)), df = degf(sub),
       lower = ci[1], upper = ci[2], sd = sqrt(unname(coef(svyvar(~y, sub)))[1]),  # n: nonzero weights
       q1 = unname(q$y[1]), median = unname(q$y[2]), q3 = unname(q$y[3]), n = sum(weights(sub) > 0))
}

rao_scott <- function(des, hit, keep) {
  des$variables$hit <- ifelse(keep, hit, 0)
  des$variables$keep <- keep
  t <- svychisq(~age + hit, subset(des, keep), statistic = "F")
  list(f = unname(t$statistic), ndf = unname(t$parameter[1]), ddf = unname(t$parameter[2]), p = unname(t$p.value))
}

# process_associations: per outcome item, svyglm(positive ~ views + age band, quasibinomial) among
# those answering on the scale with both answered; views' reference "Fully" (code 1), age's "Under 45".
process_models <- function(des) {
  lapply(outcomes, function(item) {
    answer <- des$variables[[item]]
    keep <- answer %in% c("1", "2", "3", "4", "5") & !is.na(des$variables$process_views) &
      des$variables$process_views != ""
    des$variables$y <- as.numeric(answer %in% c("1", "2"))
    des$variables$views <- factor(des$variables$process_views, levels = c("1", "2", "3"))
    des$variables$age_f <- factor(des$variables$age_band, levels = c("1", "2", "3"))
    des$variables$keep <- keep
    fit <- suppressWarnings(svyglm(y ~ views + age_f, design = subset(des, keep), family = quasibinomial()))
    fitted <- fitted(fit)[weights(fit) > 0]
    # Separation (fitted probabilities of 0 or 1) or no degrees of freedom left: no model to compare.
    if (fit$df.residual <= 0 || min(fitted) < 1e-8 || max(fitted) > 1 - 1e-8)
      return(list(item = item, fitted = FALSE, df = fit$df.residual))
    s <- summary(fit)$coefficients
    ci <- confint(fit)
    list(item = item, fitted = TRUE, df = fit$df.residual,
         names = rownames(s), estimate = unname(s[, 1]), se = unname(s[, 2]), p = unname(s[, 4]),
         lower = unname(ci[, 1]), upper = unname(ci[, 2]))
  })
}

site_benchmark <- function(des, interval) {
  lapply(outcomes, function(item) {
    answer <- des$variables[[item]]
    keep <- answer %in% c("1", "2", "3", "4", "5")
    pooled <- share(des, answer %in% c("1", "2"), keep, "All respondents", interval)
    p0 <- pooled$pct / 100
    sites <- lapply(sort(unique(des$variables$site)), function(s) {
      at <- des$variables$site == s
      own <- share_where(des, answer %in% c("1", "2"), keep, at, interval)
      rest <- share_where(des, answer %in% c("1", "2"), keep, !at, interval)
      # The difference of the two domain means by linearisation, as the delta method on four totals
      # (svyby(covmat = TRUE) fails on a raked design in this version of survey).
      des$variables$site_n <- as.numeric(at & keep)
      des$variables$rest_n <- as.numeric(!at & keep)
      des$variables$site_y <- des$variables$site_n * (answer %in% c("1", "2"))
      des$variables$rest_y <- des$variables$rest_n * (answer %in% c("1", "2"))
      totals <- svytotal(~site_y + site_n + rest_y + rest_n, des)
      difference <- svycontrast(totals, quote(site_y / site_n - rest_y / rest_n))
      ci <- confint(difference, df = degf(des))
      w <- weights(des)[at & keep]
      neff <- sum(w)^2 / sum(w^2)
      limit <- function(p) min(1, max(0, p0 + qnorm(p) * sqrt(p0 * (1 - p0) / neff)))
      list(site = s, pct = own$pct, lower = own$lower, upper = own$upper, n = own$n, rest_pct = rest$pct,
           difference = 100 * unname(coef(difference)), difference_se = 100 * unname(SE(difference)),
           difference_lower = 100 * ci[1], difference_upper = 100 * ci[2], effective_n = neff,
           limits = 100 * c(limit(0.025), limit(0.975), limit(0.001), limit(0.999)))
    })
    list(item = item, pooled = pooled$pct, sites = sites)
  })
}
share_where <- function(des, hit, keep, where, interval) {
  des$variables$hit <- ifelse(keep, hit, 0)
  sub <- subset(des, keep & where)
  ci <- svyciprop(~hit, sub, method = interval)
  list(pct = 100 * unname(coef(svymean(~hit, sub))), lower = 100 * unname(attr(ci, "ci")[1]),
       upper = 100 * unname(attr(ci, "ci")[2]), n = sum(weights(sub) > 0))
}

estimate <- function(des, interval) {
  v <- des$variables
  out <- list(distribution = list(), multiple_choice = list(), scale_summary = list(), outcome_index = list())
  out$distribution_test <- rao_scott(des, v$confidence <= 2, !is.na(v$confidence))
  out$process_models <- process_models(des)
  if (is.null(des$cluster) || length(unique(des$cluster[, 1])) == nrow(des$variables))
    out$site_benchmark <- site_benchmark(des, interval)
  out$subgroup_tests <- lapply(outcomes, function(item) {
    answer <- v[[item]]
    c(list(item = item), rao_scott(des, answer %in% c("1", "2"), answer %in% c("1", "2", "3", "4", "5")))
  })
  for (group in groups) {
    answering <- !is.na(v$confidence)
    for (code in 1:3) out$distribution[[length(out$distribution) + 1]] <-
      c(list(group = group, answer = as.character(code)), share(des, v$confidence == code, answering, group, interval))
    out$distribution[[length(out$distribution) + 1]] <-
      c(list(group = group, answer = "top"), share(des, v$confidence <= 2, answering, group, interval))
    for (k in 1:4) out$multiple_choice[[length(out$multiple_choice) + 1]] <-
      c(list(group = group, option = as.character(k)),
        share(des, v[[paste0("helper_", k)]], v$helpers_answered, group, interval))
    out$scale_summary[[length(out$scale_summary) + 1]] <- c(list(group = group), mean_of(des, "wellbeing", group))
    for (level in 1:3) out$scale_summary[[length(out$scale_summary) + 1]] <-
      c(list(group = group, level = as.character(level)),
        share(des, v$wellbeing_level == level, !is.na(v$wellbeing_level), group, interval))
    out$outcome_index[[length(out$outcome_index) + 1]] <- c(list(group = group), mean_of(des, "index", group))
  }
  out
}

clustered <- svydesign(ids = ~site, weights = ~w, data = d)
stratified <- svydesign(ids = ~1, strata = ~support_need, weights = ~w, data = d)
margins <- read.csv(file.path(dir, "weighted-poet-margins.csv"))
raked <- rake(stratified, list(~age), list(data.frame(age = margins$code, Freq = margins$total)))
trimmed <- trimWeights(clustered, lower = 0.75, upper = 2.5, strict = TRUE)
trimmed_raked <- rake(trimWeights(stratified, lower = 0.75, upper = 2.5, strict = TRUE), list(~age),
                      list(data.frame(age = margins$code, Freq = margins$total)))
cat(toJSON(list(source = paste("R", getRversion(), "survey", packageVersion("survey")),
                clustered = estimate(clustered, "beta"), raked = estimate(raked, "logit"),
                trimmed = estimate(trimmed, "beta"), trimmed_raked = estimate(trimmed_raked, "logit"),
                trimmed_weights = range(weights(trimmed)), trimmed_raked_weights = range(weights(trimmed_raked))),
           auto_unbox = TRUE, digits = NA))
