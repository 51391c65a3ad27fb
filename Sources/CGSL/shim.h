// The GSL headers the statistics module uses. Only OutcomesStatistics imports CGSL.
#ifndef OUTCOMES_CGSL_SHIM_H
#define OUTCOMES_CGSL_SHIM_H
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_log.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_roots.h>

// Swift 6 rejects C globals of non-Sendable type; hand out the generator type through a function.
static inline const gsl_rng_type *outcomes_gsl_rng_mt19937(void) { return gsl_rng_mt19937; }
static inline const gsl_rng_type *outcomes_gsl_rng_taus2(void) { return gsl_rng_taus2; }
static inline const gsl_root_fsolver_type *outcomes_gsl_root_fsolver_brent(void) { return gsl_root_fsolver_brent; }
#endif
