#!/usr/bin/env Rscript
# Reference values for OutcomesStatistics' SurveyDesign and Raking, from R's survey package
# (Debian r-cran-survey; Lumley, "Analysis of complex survey samples", JSS 2004).
#
# Data: the California Academic Performance Index samples that ship with the survey package
# (data(api): apistrat, apiclus1, apisrs and the population apipop; survey is GPL-2 | GPL-3).
# Each design below is estimated as the toolkit does: the share of each category of a variable among
# those answering, in each domain (svyciprop on subset(design, domain == d)), with svymean's
# linearisation SE and design effect (deff = "replace"), and a mean with its t interval.
#
#   Rscript scripts/reference/survey_reference.R > Tests/OutcomesStatisticsTests/Fixtures/reference-survey.json
suppressMessages({ library(survey); library(jsonlite) })
data(api)

# A three-category variable from the real scores, with a few answers removed (as "not answered").
band <- function(d) {
  b <- cut(d$api00, c(-Inf, 600, 800, Inf), labels = FALSE, right = FALSE) - 1L
  b[seq(7, nrow(d), by = 23)] <- NA
  b
}

estimates <- function(des, d, domains, interval) {
  out <- list()
  for (dom in sort(unique(domains))) {
    for (cat in 0:2) {
      # Rows outside the domain keep zero weight in a calibrated subset, so their value only must not be NA.
      des$variables$hit <- ifelse(is.na(des$variables$band), 0, as.numeric(des$variables$band == cat))
      sub <- subset(des, domain == dom & !is.na(band))
      m <- svymean(~hit, sub, deff = "replace")
      ci <- svyciprop(~hit, sub, method = interval, level = 0.95)
      out[[length(out) + 1]] <- list(domain = dom, category = cat, estimate = unname(coef(m)),
                                     se = unname(SE(m)), deff = unname(deff(m)), df = degf(sub),
                                     lower = unname(attr(ci, "ci")[1]), upper = unname(attr(ci, "ci")[2]))
    }
  }
  out
}

means <- function(des, domains) {
  out <- list()
  for (dom in sort(unique(domains))) {
    sub <- subset(des, domain == dom)
    m <- svymean(~api00, sub, deff = "replace")
    ci <- confint(m, df = degf(sub))
    out[[length(out) + 1]] <- list(domain = dom, estimate = unname(coef(m)), se = unname(SE(m)),
                                   deff = unname(deff(m)), df = degf(sub), lower = ci[1], upper = ci[2])
  }
  out
}

case <- function(name, d, des, strata, clusters, interval, raking = NULL) {
  list(name = name, weights = weights(des), base_weights = d$pw, strata = strata, clusters = clusters,
       domain = d$domain, band = ifelse(is.na(d$band), -1L, d$band), api00 = d$api00, interval = interval,
       raking = raking, shares = estimates(des, d, d$domain, interval), means = means(des, d$domain))
}

# Population totals of school type and of "met the award target", from apipop.
pop_stype <- data.frame(stype = c("E", "H", "M"), Freq = as.vector(table(apipop$stype)))
pop_awards <- data.frame(awards = c("No", "Yes"), Freq = as.vector(table(apipop$awards)))
rake_margins <- function(d) list(
  list(name = "stype", levels = match(d$stype, c("E", "H", "M")) - 1L, totals = pop_stype$Freq),
  list(name = "awards", levels = match(d$awards, c("No", "Yes")) - 1L, totals = pop_awards$Freq))
raked <- function(des) rake(des, list(~stype, ~awards), list(pop_stype, pop_awards),
                            control = list(maxit = 50, epsilon = 1e-9))

cases <- list()

# 1. Stratified by school type, no clusters; domains: whether the school met both targets.
d <- apistrat; d$band <- band(d); d$domain <- as.integer(d$both == "Yes")
des <- svydesign(ids = ~1, strata = ~stype, weights = ~pw, data = d)
for (interval in c("logit", "beta"))
  cases[[length(cases) + 1]] <- case(paste("stratified", interval), d, des,
                                     match(d$stype, c("E", "H", "M")) - 1L, NULL, interval)

# 2. One-stage cluster sample of school districts; domains: school type.
d <- apiclus1; d$band <- band(d); d$domain <- match(d$stype, c("E", "H", "M")) - 1L
des <- svydesign(ids = ~dnum, weights = ~pw, data = d)
clusters <- match(d$dnum, sort(unique(d$dnum))) - 1L
for (interval in c("logit", "beta"))
  cases[[length(cases) + 1]] <- case(paste("clustered", interval), d, des, NULL, clusters, interval)

# 3. The clustered sample raked to the population's school types and award status.
rk <- raked(des)
cases[[length(cases) + 1]] <- case("clustered raked logit", d, rk, NULL, clusters, "logit",
                                   list(margins = rake_margins(d), epsilon = 1e-9, max_passes = 50))

# 4. The simple random sample raked, with strata by school type kept in the design; domains: both targets.
d <- apisrs; d$band <- band(d); d$domain <- as.integer(d$both == "Yes")
des <- svydesign(ids = ~1, weights = ~pw, data = d)
rk <- raked(des)
cases[[length(cases) + 1]] <- case("random raked logit", d, rk, NULL, NULL, "logit",
                                   list(margins = rake_margins(d), epsilon = 1e-9, max_passes = 50))

cat(toJSON(list(source = paste("R", getRversion(), "survey", packageVersion("survey"),
                               "on data(api) from the survey package (GPL-2 | GPL-3)"),
                cases = cases), auto_unbox = TRUE, digits = NA, null = "null", na = "null"))
