# The pilot-versus-control figures when arms are allocated by site (the default), from R's clubSandwich:
# CR2 errors by site with Satterthwaite degrees of freedom for the unadjusted difference (y ~ arm among
# everyone at follow-up), the difference in change (change ~ arm among the linked) and the adjusted model
# (follow-up ~ arm + baseline + age group, least squares or logistic), Holm across outcomes, Hedges' g
# of the adjusted difference, and each outcome's intra-class correlation at follow-up (ANOVA, sites in
# arms). Called by pilot_vs_control_reference.py with the scored data it writes:
#   Rscript scripts/reference/pilot_vs_control_sites.R FOLLOWUP.csv LINKED.csv OUT.json
suppressMessages({ library(clubSandwich); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
follow <- read.csv(args[1]); linked <- read.csv(args[2])
arm_effect <- function(fit, cluster) {
  vc <- vcovCR(fit, cluster = cluster, type = "CR2")
  test <- coef_test(fit, vcov = vc, test = "Satterthwaite", coefs = "arm")
  ci <- conf_int(fit, vcov = vc, level = 0.95, test = "Satterthwaite", coefs = "arm")
  list(estimate = unname(coef(fit)["arm"]), lower = ci$CI_L, upper = ci$CI_U, p = test$p_Satt, df = test$df_Satt)
}
icc <- function(y, arm, site) {
  a <- anova(lm(y ~ factor(arm) + factor(site)))
  msb <- a["factor(site)", "Mean Sq"]; msw <- a["Residuals", "Mean Sq"]
  sizes <- as.numeric(table(site)); arm_of <- tapply(arm, site, function(v) v[1])
  n0 <- (length(y) - sum(tapply(sizes^2, arm_of, sum) / tapply(sizes, arm_of, sum))) / (length(sizes) - 2)
  value <- max(0, (msb - msw) / (msb + (n0 - 1) * msw))
  m <- mean(sizes); cv <- sd(sizes) / m
  c(value, 1 + ((1 + cv^2) * m - 1) * value)
}
outcomes <- list()
for (outcome in c("qol_index", "wellbeing_score", "unplanned_admission")) {
  binary <- outcome == "unplanned_admission"
  f <- data.frame(y = follow[[outcome]], arm = follow$arm, site = follow$site)
  entry <- list(outcome = outcome, unadjusted = arm_effect(lm(y ~ arm, data = f), f$site),
                icc = icc(f$y, f$arm, f$site))
  l <- data.frame(y = linked[[paste0(outcome, "_f")]], baseline = linked[[paste0(outcome, "_b")]],
                  arm = linked$arm, site = linked$site, age2 = as.numeric(linked$age_group == 2),
                  age3 = as.numeric(linked$age_group == 3))
  if (!binary) {
    l$change <- l$y - l$baseline
    entry$did <- arm_effect(lm(change ~ arm, data = l), l$site)
  }
  model <- if (binary) glm(y ~ arm + baseline + age2 + age3, data = l, family = binomial,
                           control = glm.control(epsilon = 1e-14, maxit = 100))
           else lm(y ~ arm + baseline + age2 + age3, data = l)
  adjusted <- arm_effect(model, l$site)
  if (binary) {
    adjusted$estimate <- exp(adjusted$estimate); adjusted$lower <- exp(adjusted$lower)
    adjusted$upper <- exp(adjusted$upper)
  } else {
    a <- l$y[l$arm == 1]; b <- l$y[l$arm == 0]; m <- length(a) + length(b) - 2
    pooled <- sqrt(((length(a) - 1) * var(a) + (length(b) - 1) * var(b)) / m)
    j <- exp(lgamma(m / 2) - lgamma((m - 1) / 2)) / sqrt(m / 2)
    entry$hedges_g <- j * c(adjusted$estimate, adjusted$lower, adjusted$upper) / pooled
  }
  entry$adjusted <- adjusted
  outcomes[[length(outcomes) + 1]] <- entry
}
holm <- p.adjust(sapply(outcomes, function(o) o$adjusted$p), method = "holm")
for (k in seq_along(outcomes)) outcomes[[k]]$holm <- holm[k]
write_json(list(source = paste("clubSandwich", packageVersion("clubSandwich")), outcomes = outcomes), args[3],
           digits = NA, auto_unbox = TRUE)

# model: mixed, continuous outcomes: y ~ arm + baseline + age group + (1 | site) by REML, the arm's
# estimate, SE, df, p and interval on Satterthwaite and Kenward-Roger df (lmerTest, pbkrtest).
suppressMessages(library(lmerTest))
mixed <- list()
for (outcome in c("qol_index", "wellbeing_score")) {
  l <- data.frame(y = linked[[paste0(outcome, "_f")]], baseline = linked[[paste0(outcome, "_b")]],
                  arm = linked$arm, site = factor(linked$site), age2 = as.numeric(linked$age_group == 2),
                  age3 = as.numeric(linked$age_group == 3))
  fit <- lmer(y ~ arm + baseline + age2 + age3 + (1 | site), data = l, REML = TRUE,
              control = lmerControl(optimizer = "nloptwrap",
                                    optCtrl = list(xtol_abs = 1e-13, ftol_abs = 1e-15, xtol_rel = 1e-13)))
  entry <- list(outcome = outcome)
  for (ddf in c("Satterthwaite", "Kenward-Roger")) {
    row <- summary(fit, ddf = ddf)$coefficients["arm", ]
    q <- qt(0.975, row[["df"]])
    entry[[ddf]] <- list(estimate = row[["Estimate"]], se = row[["Std. Error"]], df = row[["df"]],
                         p = row[["Pr(>|t|)"]], lower = row[["Estimate"]] - q * row[["Std. Error"]],
                         upper = row[["Estimate"]] + q * row[["Std. Error"]])
  }
  mixed[[length(mixed) + 1]] <- entry
}
write_json(list(source = paste("clubSandwich", packageVersion("clubSandwich"), "lmerTest",
                               packageVersion("lmerTest"), "pbkrtest", packageVersion("pbkrtest")),
                outcomes = outcomes, mixed = mixed), args[3], digits = NA, auto_unbox = TRUE)
