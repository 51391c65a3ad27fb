# Reference values for Firth's penalised logistic regression and exact separation detection (issue #22):
# estimates and standard errors from brglm2 (Debian r-cran-brglm2; type = "AS_mean" is Firth's method for
# the logit link), profile penalised-likelihood intervals and penalised likelihood-ratio p-values (logistf's
# method) computed here directly from ℓ*(β) = ℓ(β) + ½ log|X'WX| with optim and uniroot, and whether
# maximum likelihood diverges (separated), by construction or as published (endometrial: NV, Heinze and
# Schemper 2002), confirmed by Konis's linear program solved with lpSolve. Writes Tests/OutcomesStatisticsTests/Fixtures/reference-firth.json.
#   Rscript scripts/reference/firth_reference.R
suppressMessages({ library(brglm2); library(jsonlite) })

penalised <- function(beta, X, y) {
  eta <- drop(X %*% beta); p <- plogis(eta)
  sum(y * plogis(eta, log.p = TRUE) + (1 - y) * plogis(-eta, log.p = TRUE)) +
    0.5 * determinant(crossprod(X * sqrt(p * (1 - p))))$modulus[1]
}
profile_value <- function(j, b, X, y, start) {
  free <- setdiff(seq_len(ncol(X)), j)
  f <- function(g) { beta <- start; beta[free] <- g; beta[j] <- b; -penalised(beta, X, y) }
  # Start with the intercept moved so that the linear predictor at the mean of x_j is unchanged: from
  # the unmoved intercept the optimisers can stall on the flat far side of a separated profile.
  if (j != 1) start[1] <- start[1] - (b - start[j]) * mean(X[, j])
  start[j] <- b
  # BFGS, then nlminb from its end: far out on the profile BFGS alone can stop short of the maximum.
  first <- optim(start[free], f, method = "BFGS", control = list(reltol = 1e-15, maxit = 100000))
  -nlminb(first$par, f, control = list(rel.tol = 1e-15, eval.max = 100000, iter.max = 100000))$objective
}
case <- function(name, data, formula, separated, infinite) {
  fit <- glm(formula, data = data, family = binomial, method = "brglmFit", type = "AS_mean",
             control = list(epsilon = 1e-12, maxit = 1000))
  X <- model.matrix(fit); y <- fit$y; beta <- coef(fit); top <- penalised(beta, X, y)
  q <- qchisq(0.95, 1)
  stat <- function(j, b) 2 * (top - profile_value(j, b, X, y, beta))
  lower <- upper <- chi <- numeric(length(beta))
  for (j in seq_along(beta)) {
    se <- sqrt(diag(vcov(fit)))[j]
    bracket <- function(direction) {
      step <- se
      while (stat(j, beta[j] + direction * step) < q) step <- 2 * step
      sort(c(beta[j] + direction * step / 2 * (step > se), beta[j] + direction * step))
    }
    lower[j] <- uniroot(function(b) stat(j, b) - q, bracket(-1), tol = 1e-12)$root
    upper[j] <- uniroot(function(b) stat(j, b) - q, bracket(1), tol = 1e-12)$root
    chi[j] <- stat(j, 0)
  }
  # Konis's linear program, set up independently with lpSolve (detectseparation's is not packaged for
  # Debian): maximise colSums(Xs) b subject to Xs b >= 0 and -1 <= b <= 1, Xs = X with event rows as they
  # are and the others negated; b = b+ - b- as lpSolve's variables are non-negative.
  Xs <- X * ifelse(y == 1, 1, -1); k <- ncol(X)
  lp <- lpSolve::lp("max", c(colSums(Xs), -colSums(Xs)),
                    rbind(cbind(Xs, -Xs), cbind(diag(k), matrix(0, k, k)), cbind(matrix(0, k, k), diag(k))),
                    c(rep(">=", nrow(Xs)), rep("<=", 2 * k)), c(rep(0, nrow(Xs)), rep(1, 2 * k)))
  b <- lp$solution[1:k] - lp$solution[(k + 1):(2 * k)]
  stopifnot(lp$status == 0, (lp$objval > 1e-8) == separated)
  lp_infinite <- ifelse(abs(b) < 1e-8, 0, sign(b)) * (lp$objval > 1e-8)
  predictors <- attr(terms(formula), "term.labels")
  list(name = name, predictors = I(predictors), data = lapply(data[c(all.vars(formula)[1], predictors)], as.numeric),
       estimate = unname(beta), se = unname(sqrt(diag(vcov(fit)))), lower = lower, upper = upper,
       chisq = chi, p = pchisq(chi, 1, lower.tail = FALSE), separated = separated, infinite = I(infinite),
       lp_objective = lp$objval, lp_infinite = I(lp_infinite))
}
data(endometrial)
set.seed(22)
# A pilot-against-control subgroup: no events among 18 control people (quasi-complete separation by arm).
sub <- data.frame(arm = rep(c(1, 0), c(22, 18)), baseline = rbinom(40, 1, 0.4))
sub$event <- ifelse(sub$arm == 1, rbinom(40, 1, 0.35), 0)
# Complete separation: x above 0.5 always an event, below never.
comp <- data.frame(x = c(0.1, 0.2, 0.3, 0.4, 0.45, 0.6, 0.7, 0.8, 0.9, 1.0), z = c(1, 0, 1, 0, 1, 0, 1, 0, 1, 0))
comp$y <- as.numeric(comp$x > 0.5)
# Not separated.
ok <- data.frame(x = round(rnorm(60), 2), g = rbinom(60, 1, 0.5)); ok$y <- rbinom(60, 1, plogis(0.3 + ok$x))
cases <- list(
  case("endometrial", endometrial, HG ~ NV + PI + EH, TRUE, c(0, 1, 0, 0)),
  case("subgroup_no_control_events", sub, event ~ arm + baseline, TRUE, c(-1, 1, 0)),
  case("complete", comp, y ~ x + z, TRUE, c(-1, 1, 0)),
  case("not_separated", ok, y ~ x + g, FALSE, c(0, 0, 0)))
write_json(list(source = paste("brglm2", packageVersion("brglm2"), "AS_mean; profile penalised likelihood by",
                               "optim/uniroot on the penalised log-likelihood"), cases = cases),
           "Tests/OutcomesStatisticsTests/Fixtures/reference-firth.json", digits = NA, auto_unbox = TRUE)
cat("wrote", length(cases), "cases\n")
