/**
 * The distribution functions the tests of model comparison need: normal, Student t, chi-square and
 * binomial, with their special functions (log-gamma, log-beta, the regularized incomplete gamma and beta
 * functions). Written for accuracy in the tails, because a p-value is read in the tail: each survival
 * function is computed directly (a continued fraction or series for the small side), never as 1 - cdf.
 * Checked against scipy to 1e-10 relative in distributions.test.ts, and against mpmath at 40 digits far
 * into the tails and at degrees of freedom up to 1e12 (test/fixtures/stats/extremes.json).
 */

const EPS = 1e-16;
/** Lentz's method replaces zero denominators by this, so the continued fraction never divides by 0. */
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;
const LN_SQRT_2PI = 0.9189385332046727;

/**
 * ln Γ(x) for x > 0: the Lanczos approximation with g = 671/128 and 14 terms (Numerical Recipes, 3rd
 * edition), relative error below 1e-15.
 *
 * @example
 * logGamma(0.5); // 0.5723649429247001 (ln √π)
 */
export function logGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  let y = x;
  const tmp0 = x + 5.2421875;
  const tmp = (x + 0.5) * Math.log(tmp0) - tmp0;
  let ser = 0.999999999999997092;
  for (let j = 0; j < LANCZOS.length; j++) ser += LANCZOS[j]! / ++y;
  return tmp + Math.log((2.5066282746310005 * ser) / x);
}

const LANCZOS = [
  57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199, 0.339946499848118887e-4,
  0.465236289270485756e-4, -0.983744753048795646e-4, 0.158088703224912494e-3, -0.210264441724104883e-3,
  0.217439618115212643e-3, -0.16431810653676389e-3, 0.844182239838527433e-4, -0.261908384015814087e-4,
  0.368991826595316234e-5,
];

/**
 * ln Γ(x) - ((x - 1/2) ln x - x + ln √(2π)) for x >= 10: the Stirling series to x^-15, whose next term
 * is below 1e-17 there. Used to take differences of ln Γ at large arguments without cancellation.
 */
function stirlingCorrection(x: number): number {
  const r = 1 / x;
  const r2 = r * r;
  return (
    r *
    (1 / 12 +
      r2 *
        (-1 / 360 +
          r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188 + r2 * (-691 / 360360 + r2 * (1 / 156 + r2 * (-3617 / 122400))))))))
  );
}

/**
 * ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a + b), computed as R's `lbeta` does: when an argument is large
 * the Γ terms nearly cancel, so their Stirling corrections are subtracted instead, keeping full relative
 * accuracy for the degrees of freedom of a t-test on 10^6 rows.
 *
 * @example
 * logBeta(2, 3); // Math.log(1 / 12)
 */
export function logBeta(a: number, b: number): number {
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  if (p >= 10) {
    const corr = stirlingCorrection(p) + stirlingCorrection(q) - stirlingCorrection(p + q);
    return -0.5 * Math.log(q) + LN_SQRT_2PI + corr + (p - 0.5) * Math.log(p / (p + q)) + q * Math.log1p(-p / (p + q));
  }
  if (q >= 10) {
    const corr = stirlingCorrection(q) - stirlingCorrection(p + q);
    return logGamma(p) + corr + p - p * Math.log(p + q) + (q - 0.5) * Math.log1p(-p / (p + q));
  }
  return logGamma(p) + logGamma(q) - logGamma(p + q);
}

/**
 * The regularized lower incomplete gamma function P(a, x) = γ(a, x) / Γ(a), and its complement
 * Q(a, x) = 1 - P(a, x), each computed directly: the series where x < a + 1 (where P is the small one),
 * Lentz's continued fraction elsewhere (where Q is).
 */
function incompleteGamma(a: number, x: number): { p: number; q: number } {
  if (x <= 0) return { p: 0, q: 1 };
  if (x === Infinity) return { p: 1, q: 0 };
  const front = Math.exp(logGammaFront(a, x));
  if (x < a + 1) {
    let ap = a;
    let term = 1 / a;
    let sum = term;
    for (let i = 0; i < MAX_ITERATIONS; i++) {
      ap += 1;
      term *= x / ap;
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    const p = sum * front;
    return { p, q: 1 - p };
  }
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  const q = front * h;
  return { p: 1 - q, q };
}

/**
 * ln(x^a e^-x / Γ(a)), the factor both branches of incompleteGamma scale by. For a >= 10 the terms
 * -x + a ln x and ln Γ(a) are each about a ln a and cancel (at a = 5e5, 7e6 against a difference of
 * order 1: 7e-10 of relative error in P and Q); written as a (ln(1 + d) - d) + ln a / 2 - ln √(2π) -
 * stirlingCorrection(a) with d = (x - a) / a, nothing large is subtracted.
 */
function logGammaFront(a: number, x: number): number {
  if (a < 10) return -x + a * Math.log(x) - logGamma(a);
  const d = (x - a) / a;
  // Far from a, ln(x / a) keeps the digits that 1 + d would lose when x is much smaller than a.
  const main = Math.abs(d) < 0.25 ? a * log1pMinus(d) : a * Math.log(x / a) - (x - a);
  return main + 0.5 * Math.log(a) - LN_SQRT_2PI - stirlingCorrection(a);
}

/** ln(1 + d) - d for |d| < 1/4, by its series -d²/2 + d³/3 - ... (the direct difference cancels there). */
function log1pMinus(d: number): number {
  // Terms fall by |d| < 1/4 each: 26 reach 2^-52 of the first.
  let power = d * d;
  let sum = 0;
  for (let k = 2; k < 40; k++) {
    const term = power / k;
    sum += k % 2 === 0 ? -term : term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
    power *= d;
  }
  return sum;
}

/**
 * The regularized lower incomplete gamma function P(a, x).
 *
 * @example
 * regularizedGammaP(1, 2); // 1 - Math.exp(-2)
 */
export function regularizedGammaP(a: number, x: number): number {
  return incompleteGamma(a, x).p;
}

/**
 * The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x), accurate when it is tiny.
 *
 * @example
 * regularizedGammaQ(1, 2); // Math.exp(-2)
 */
export function regularizedGammaQ(a: number, x: number): number {
  return incompleteGamma(a, x).q;
}

/** The continued fraction of I_x(a, b) (Numerical Recipes' betacf, modified Lentz); converges fast for x < (a+1)/(a+b+2). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return h;
}

/** ln x, taken as log1p(-y) when x = 1 - y is close to 1 so that the digits of a small y are kept. */
function logOf(x: number, y: number): number {
  return y < 0.5 ? Math.log1p(-y) : Math.log(x);
}

/**
 * The regularized incomplete beta function I_x(a, b). `y` is 1 - x; pass it when you have it more
 * accurately than 1 - x can give (a t statistic's t²/(df + t²)), because the small side is computed
 * from it directly.
 *
 * @example
 * regularizedBeta(0.5, 2, 3); // 0.6875
 */
export function regularizedBeta(x: number, a: number, b: number, y = 1 - x): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  const front = Math.exp(a * logOf(x, y) + b * logOf(y, x) - logBeta(a, b));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, y)) / b;
}

/**
 * The standard normal survival function P(Z > z), accurate to the last digits far into the upper tail
 * (it is Q(1/2, z²/2) / 2, never 1 - cdf).
 *
 * @example
 * normalSf(1.959963984540054); // 0.025
 */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const { p, q } = incompleteGamma(0.5, (z * z) / 2);
  return z >= 0 ? 0.5 * q : 0.5 * (1 + p);
}

/**
 * The standard normal cumulative distribution function P(Z <= z).
 *
 * @example
 * normalCdf(0); // 0.5
 */
export function normalCdf(z: number): number {
  return normalSf(-z);
}

/**
 * The standard normal density.
 *
 * @example
 * normalPdf(0); // 0.3989422804014327
 */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LN_SQRT_2PI);
}

/**
 * The standard normal quantile: z with P(Z <= z) = p. Acklam's rational approximation (relative error
 * 1e-9) refined by Newton steps on `normalCdf`, to about 1e-15.
 *
 * @example
 * normalQuantile(0.975); // 1.959963984540054
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  let x: number;
  const pLow = 0.02425;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) / ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
  } else if (p <= 1 - pLow) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * q) /
      (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    x = -(((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) / ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
  }
  // Newton on the smaller tail, so the residual is computed without cancellation.
  for (let i = 0; i < 3; i++) {
    const residual = x < 0 ? normalCdf(x) - p : (1 - p) - normalSf(x);
    const step = residual / normalPdf(x);
    x -= step;
    if (Math.abs(step) <= 1e-16 * Math.abs(x)) break;
  }
  return x;
}

const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/**
 * P(|T| > |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2), the two-sided
 * p-value of a t statistic.
 *
 * @example
 * studentTTwoSidedP(2.2281388519649385, 10); // 0.05
 */
export function studentTTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (!Number.isFinite(t)) return 0;
  if (df >= HILL_MIN_DF) return hillTwoSidedP(t, df);
  const t2 = t * t;
  // x = df / (df + t²) and y = 1 - x, each from its own formula so neither loses digits.
  const x = df / (df + t2);
  const y = t2 / (df + t2);
  return regularizedBeta(x, df / 2, 0.5, y);
}

/**
 * From this many degrees of freedom on, the two-sided p-value is Hill's normalising expansion: the
 * incomplete beta function's continued fraction needs about sqrt(df) terms there and its rounding grows
 * with them (relative error 4e-10 at df = 1e7, 2e-8 at 1e9, 4e-5 at 1e12 against mpmath), while Hill's
 * neglected terms are of order z^8 / (48 (df - 1/2)^2)^2, below 1e-15 for every z whose tail a double
 * holds (|z| < 38) once df >= 1e6.
 */
const HILL_MIN_DF = 1e6;

/**
 * P(|T| > |t|) for large df by Hill's transformation to a normal deviate (G. W. Hill, "Algorithm 395:
 * Student's t-distribution", CACM 13, 1970): z^2 = (df - 1/2) ln(1 + t^2/df), then a correction in
 * powers of 1 / (48 (df - 1/2)^2).
 */
function hillTwoSidedP(t: number, df: number): number {
  const a = df - 0.5;
  const b = 48 * a * a;
  const y = a * Math.log1p((t * t) / df);
  const z = (((((-0.4 * y - 3.3) * y - 24) * y - 85.5) / (0.8 * y * y + 100 + b) + y + 3) / b + 1) * Math.sqrt(y);
  return 2 * normalSf(z);
}

/**
 * The survival function of Student's t, P(T > t).
 *
 * @example
 * studentTSf(1.812461122811676, 10); // 0.05
 */
export function studentTSf(t: number, df: number): number {
  const half = 0.5 * studentTTwoSidedP(t, df);
  return t >= 0 ? half : 1 - half;
}

/**
 * The cumulative distribution function of Student's t, P(T <= t).
 *
 * @example
 * studentTCdf(0, 5); // 0.5
 */
export function studentTCdf(t: number, df: number): number {
  return studentTSf(-t, df);
}

/**
 * The density of Student's t: (1 + t²/df)^(-(df+1)/2) / (√df B(df/2, 1/2)).
 *
 * @example
 * studentTPdf(0, 1); // 1 / Math.PI
 */
export function studentTPdf(t: number, df: number): number {
  return Math.exp(-((df + 1) / 2) * Math.log1p((t * t) / df) - 0.5 * Math.log(df) - logBeta(df / 2, 0.5));
}

/**
 * The quantile of Student's t: t with P(T <= t) = p. Newton steps from the normal quantile, kept inside
 * a bracket that bisection shrinks whenever a step would leave it.
 *
 * @example
 * studentTQuantile(0.975, 10); // 2.2281388519649385
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p >= 0 && p <= 1) || !(df > 0)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  // Solve in the upper half and reflect: the t distribution is symmetric.
  const upper = p > 0.5;
  const tail = upper ? 1 - p : p;
  let lo = 0;
  let hi = Math.max(1, normalQuantile(1 - tail));
  while (studentTSf(hi, df) > tail) {
    lo = hi;
    hi *= 2;
  }
  let x = Math.min(Math.max(normalQuantile(1 - tail), lo), hi);
  for (let i = 0; i < 200; i++) {
    const residual = studentTSf(x, df) - tail;
    if (residual === 0) break;
    if (residual > 0) lo = x;
    else hi = x;
    let next = x + residual / studentTPdf(x, df);
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - x) <= 1e-15 * Math.abs(x)) {
      x = next;
      break;
    }
    x = next;
  }
  return upper ? x : -x;
}

/**
 * The survival function of the chi-square distribution with `df` degrees of freedom, P(X > x) =
 * Q(df/2, x/2): the p-value of a chi-square statistic.
 *
 * @example
 * chiSquareSf(3.841458820694124, 1); // 0.05
 */
export function chiSquareSf(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return NaN;
  return regularizedGammaQ(df / 2, x / 2);
}

/**
 * The cumulative distribution function of the chi-square distribution, P(X <= x).
 *
 * @example
 * chiSquareCdf(2, 2); // 1 - Math.exp(-1)
 */
export function chiSquareCdf(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return NaN;
  return regularizedGammaP(df / 2, x / 2);
}

/**
 * P(X <= k) for X ~ Binomial(n, p): I_{1-p}(n - k, k + 1).
 *
 * @example
 * binomialCdf(2, 12, 0.5); // 79 / 4096
 */
export function binomialCdf(k: number, n: number, p: number): number {
  k = Math.floor(k);
  if (k < 0) return 0;
  if (k >= n) return 1;
  return regularizedBeta(1 - p, n - k, k + 1, p);
}
