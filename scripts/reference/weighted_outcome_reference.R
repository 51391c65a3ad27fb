#!/usr/bin/env Rscript
# Reference values for a weighted outcome_table, end to end, from R's survey package.
#
# Input: Tests/OutcomesAnalysesTests/Fixtures/small-poet.csv with a non-response weight added per row
# (0.5 to 3, a fixed pattern), written as weighted-poet.csv beside it, and population totals of the
# age bands (weighted-poet-margins.csv). Two designs, as analyses in the test give them:
#   clustered: weight survey_weight, sites as clusters, Korn-Graubard (beta) intervals;
#   raked:     weight survey_weight, strata support_need, raked to the age-band totals, logit intervals.
# For each design, overall and by age band, each outcome item's % positive, no change and negative
# among those answering on the scale (codes 1-5; 8 and empty excluded), with svyciprop's interval,
# svymean's SE and design effect (deff = "replace").
#
#   Rscript scripts/reference/weighted_outcome_reference.R   (run from the repository's top folder)
suppressMessages({ library(survey); library(jsonlite) })
dir <- "Tests/OutcomesAnalysesTests/Fixtures"
d <- read.csv(file.path(dir, "small-poet.csv"), colClasses = "character")
d$survey_weight <- 0.5 + ((seq_len(nrow(d)) * 37) %% 11) / 4
write.csv(d, file.path(dir, "weighted-poet.csv"), row.names = FALSE, quote = FALSE, na = "")
margins <- data.frame(item = "age_band", code = 1:3, total = c(400, 700, 900))
write.csv(margins, file.path(dir, "weighted-poet-margins.csv"), row.names = FALSE, quote = FALSE)

d$w <- as.numeric(d$survey_weight)
d$age <- as.integer(d$age_band)
items <- c("outcome_independence", "outcome_safety", "outcome_paid_job", "outcome_volunteering")
category <- function(x) ifelse(x %in% c("1", "2"), 0L, ifelse(x == "3", 1L, ifelse(x %in% c("4", "5"), 2L, NA)))
for (item in items) d[[paste0(item, "_cat")]] <- category(d[[item]])

estimate <- function(des, interval) {
  out <- list()
  for (group in c("All respondents", "1", "2", "3")) {
    for (item in items) {
      cat_var <- paste0(item, "_cat")
      for (k in 0:2) {
        des$variables$hit <- ifelse(is.na(des$variables[[cat_var]]), 0, as.numeric(des$variables[[cat_var]] == k))
        des$variables$answering <- !is.na(des$variables[[cat_var]])
        sub <- if (group == "All respondents") subset(des, answering) else subset(des, answering & age == as.integer(group))
        m <- svymean(~hit, sub, deff = "replace")
        ci <- svyciprop(~hit, sub, method = interval)
        out[[length(out) + 1]] <- list(group = group, item = item, share = c("positive", "no_change", "negative")[k + 1],
          pct = 100 * unname(coef(m)), se = 100 * unname(SE(m)), deff = unname(deff(m)),
          lower = 100 * unname(attr(ci, "ci")[1]), upper = 100 * unname(attr(ci, "ci")[2]),
          weighted_n = sum(weights(sub)))
      }
    }
  }
  out
}

clustered <- svydesign(ids = ~site, weights = ~w, data = d)
stratified <- svydesign(ids = ~1, strata = ~support_need, weights = ~w, data = d)
raked <- rake(stratified, list(~age), list(data.frame(age = 1:3, Freq = margins$total)))
cat(toJSON(list(source = paste("R", getRversion(), "survey", packageVersion("survey")),
                clustered = estimate(clustered, "beta"), raked = estimate(raked, "logit"),
                raked_weights = range(weights(raked))),
           auto_unbox = TRUE, digits = NA))
