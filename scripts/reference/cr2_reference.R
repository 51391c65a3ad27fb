# Reference values for CR2 cluster-robust errors with Satterthwaite degrees of freedom (issue #22):
# R's clubSandwich (Debian r-cran-clubsandwich) on seeded data generated here, written with the data to
# Tests/OutcomesStatisticsTests/Fixtures/reference-cr2.json so that CI needs no R.
#   Rscript scripts/reference/cr2_reference.R
suppressMessages({ library(clubSandwich); library(jsonlite) })

make <- function(sites, seed, binary) {
  set.seed(seed)
  size <- sample(6:40, sites, replace = TRUE)
  site <- rep(seq_len(sites), size)
  arm <- as.numeric(site %% 2 == 1)           # allocated by site, as a cluster trial is
  n <- length(site)
  effect <- rnorm(sites, sd = 0.6)[site]
  group <- sample(1:3, n, replace = TRUE)
  if (binary) {
    baseline <- rbinom(n, 1, 0.4)
    age <- sample(1:5, n, replace = TRUE)
    y <- rbinom(n, 1, plogis(-0.4 + 0.5 * arm + 0.9 * baseline + 0.15 * age + effect))
    data.frame(y, arm, baseline, g2 = as.numeric(group == 2), g3 = as.numeric(group == 3), age, site)
  } else {
    baseline <- round(rnorm(n, 20, 5), 1)
    y <- round(5 + 1.5 * arm + 0.6 * baseline + 0.8 * (group == 2) - 0.5 * (group == 3) + 2 * effect +
               rnorm(n, sd = 3), 2)
    data.frame(y, arm, baseline, g2 = as.numeric(group == 2), g3 = as.numeric(group == 3), site)
  }
}

result <- function(name, data, formula, binary) {
  fit <- if (binary) glm(formula, data = data, family = binomial, control = glm.control(epsilon = 1e-14, maxit = 100)) else lm(formula, data = data)
  vc <- vcovCR(fit, cluster = data$site, type = "CR2")
  test <- coef_test(fit, vcov = vc, test = "Satterthwaite")
  ci <- conf_int(fit, vcov = vc, level = 0.95, test = "Satterthwaite")
  predictors <- attr(terms(formula), "term.labels")
  list(name = name, binary = binary, predictors = I(predictors),
       data = lapply(data[c("y", predictors, "site")], as.numeric),
       estimate = unname(coef(fit)), se = unname(test$SE), df = unname(test$df_Satt),
       t = unname(test$tstat), p = unname(test$p_Satt),
       lower = unname(ci$CI_L), upper = unname(ci$CI_U),
       vcov = unname(as.vector(t(as.matrix(vc)))))
}

cases <- list(
  result("ancova_6_sites", make(6, 11, FALSE), y ~ arm + baseline + g2 + g3, FALSE),
  result("difference_6_sites", make(6, 12, FALSE), y ~ arm, FALSE),
  result("ancova_20_sites", make(20, 13, FALSE), y ~ arm + baseline + g2 + g3, FALSE),
  result("logistic_8_sites", make(8, 14, TRUE), y ~ arm + baseline + g2 + g3, TRUE),
  result("logistic_12_sites", make(12, 15, TRUE), y ~ arm + baseline + age, TRUE)
)
out <- list(source = paste("clubSandwich", packageVersion("clubSandwich"), "vcovCR(type = 'CR2'),",
                           "coef_test and conf_int(test = 'Satterthwaite')"), cases = cases)
write_json(out, "Tests/OutcomesStatisticsTests/Fixtures/reference-cr2.json", digits = NA, auto_unbox = TRUE,
           pretty = FALSE)
cat("wrote", length(cases), "cases\n")

# The one-way ANOVA intra-class correlation with sites nested in arms, from R's own mean squares
# (anova of y ~ arm + site), and Eldridge's design effect for unequal cluster sizes.
icc_case <- function(name, data) {
  a <- anova(lm(y ~ factor(arm) + factor(site), data = data))
  msb <- a["factor(site)", "Mean Sq"]; msw <- a["Residuals", "Mean Sq"]
  sizes <- table(data$site); total <- nrow(data); G <- length(sizes)
  arm_of <- tapply(data$arm, data$site, function(a) a[1])
  n0 <- (total - sum(tapply(as.numeric(sizes)^2, arm_of, sum) / tapply(as.numeric(sizes), arm_of, sum))) /
    (G - length(unique(arm_of)))
  icc <- max(0, (msb - msw) / (msb + (n0 - 1) * msw))
  m <- mean(sizes); cv <- sd(sizes) / m
  list(name = name, data = lapply(data[c("y", "arm", "site")], as.numeric), icc = icc,
       design_effect = 1 + ((1 + cv^2) * m - 1) * icc, mean_size = m, cv = cv)
}
iccs <- list(icc_case("ancova_6_sites", make(6, 11, FALSE)), icc_case("ancova_20_sites", make(20, 13, FALSE)),
             icc_case("logistic_8_sites", make(8, 14, TRUE)))
write_json(list(source = "anova(lm(y ~ factor(arm) + factor(site))) mean squares", cases = iccs),
           "Tests/OutcomesStatisticsTests/Fixtures/reference-icc.json", digits = NA, auto_unbox = TRUE)
cat("wrote", length(iccs), "ICC cases\n")
