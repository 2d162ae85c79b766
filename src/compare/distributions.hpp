// The two reference distributions the comparison tests need: the standard normal and Student's t.
// Written here (not pulled from a statistics library) because Debian has no small C++ one and the
// whole need is a CDF and a quantile of each.
#pragma once

namespace leakscope::compare {

/// P(Z <= z) for a standard normal Z.
double normal_cdf(double z);
/// The z with normal_cdf(z) == p, for 0 < p < 1.
double normal_quantile(double p);

/// P(T <= t) for Student's t with `df` > 0 degrees of freedom (df need not be an integer: Welch's is not).
double student_t_cdf(double t, double df);
/// The t with student_t_cdf(t, df) == p, for 0 < p < 1.
double student_t_quantile(double p, double df);

/// The regularized incomplete beta function I_x(a, b), 0 <= x <= 1, a, b > 0.
double regularized_incomplete_beta(double x, double a, double b);

}  // namespace leakscope::compare
