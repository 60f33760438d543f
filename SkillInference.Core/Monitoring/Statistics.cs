namespace SkillInference.Monitoring;

/// <summary>
/// The statistics monitoring and rollouts judge models by: distribution shift (PSI, Jensen–Shannon), agreement with
/// ground truth (Pearson r with Fisher's z interval, Spearman ρ), and the sample-ratio-mismatch test (chi-squared).
/// Pure functions over counts and pairs; see docs/monitoring.md for the formulas.
/// </summary>
internal static class Statistics
{
    /// <summary>The proportion given to an empty bin so that PSI stays finite (a common choice; documented).</summary>
    public const double EmptyBinProportion = 1e-4;

    /// <summary>
    /// The population stability index of <paramref name="actual"/> against <paramref name="expected"/> (counts per bin):
    /// Σ (a − e) · ln(a / e) over the bins' proportions, empty bins counted as <see cref="EmptyBinProportion"/>.
    /// 0 when the distributions are equal; by convention below 0.1 is stable, 0.1–0.25 a shift to watch, above 0.25 a shift.
    /// </summary>
    /// <exception cref="ArgumentException">The bin counts differ, or a side has no observations.</exception>
    public static double PopulationStabilityIndex(ReadOnlySpan<long> expected, ReadOnlySpan<long> actual)
    {
        var (e, a) = Proportions(expected, actual);
        var psi = 0.0;
        for (var i = 0; i < e.Length; i++)
        {
            var ei = Math.Max(e[i], EmptyBinProportion);
            var ai = Math.Max(a[i], EmptyBinProportion);
            psi += (ai - ei) * Math.Log(ai / ei);
        }

        return psi;
    }

    /// <summary>
    /// The Jensen–Shannon divergence of two binned distributions (base 2, in [0, 1]): the mean Kullback–Leibler
    /// divergence of each from their average. 0 when equal, 1 when they share no bin.
    /// </summary>
    public static double JensenShannon(ReadOnlySpan<long> p, ReadOnlySpan<long> q)
    {
        var (pp, qq) = Proportions(p, q);
        var js = 0.0;
        for (var i = 0; i < pp.Length; i++)
        {
            var m = (pp[i] + qq[i]) / 2;
            if (pp[i] > 0)
            {
                js += pp[i] * Math.Log2(pp[i] / m) / 2;
            }

            if (qq[i] > 0)
            {
                js += qq[i] * Math.Log2(qq[i] / m) / 2;
            }
        }

        return Math.Clamp(js, 0, 1);
    }

    /// <summary>Pearson's correlation of paired values; NaN when there are fewer than two pairs or a side is constant.</summary>
    public static double Pearson(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException("The two samples must be paired (the same length).", nameof(y));
        }

        var n = x.Length;
        if (n < 2)
        {
            return double.NaN;
        }

        double mx = 0, my = 0;
        for (var i = 0; i < n; i++)
        {
            mx += x[i];
            my += y[i];
        }

        mx /= n;
        my /= n;
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < n; i++)
        {
            var dx = x[i] - mx;
            var dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }

        return sxx == 0 || syy == 0 ? double.NaN : Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
    }

    /// <summary>Spearman's rank correlation (Pearson's r of the ranks; ties get their average rank).</summary>
    public static double Spearman(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException("The two samples must be paired (the same length).", nameof(y));
        }

        return Pearson(Ranks(x), Ranks(y));
    }

    /// <summary>
    /// The confidence interval of a correlation by Fisher's z transform: z = atanh(r), z ± q / √(n − 3), back through
    /// tanh, with q the normal quantile of the level (1.96 for 95 %). Needs n ≥ 4.
    /// </summary>
    public static (double Low, double High) FisherInterval(double r, int n, double confidence = 0.95)
    {
        if (n < 4 || double.IsNaN(r))
        {
            return (double.NaN, double.NaN);
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(confidence, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(confidence, 1);
        var z = Math.Atanh(Math.Clamp(r, -0.999999999, 0.999999999));
        var half = NormalQuantile(0.5 + (confidence / 2)) / Math.Sqrt(n - 3);
        return (Math.Tanh(z - half), Math.Tanh(z + half));
    }

    /// <summary>
    /// The p-value that two correlations from independent samples are equal, against the alternative that the first is
    /// lower (one-sided, Fisher's z): small when <paramref name="r1"/> is significantly below <paramref name="r2"/>.
    /// </summary>
    public static double CorrelationLowerPValue(double r1, int n1, double r2, int n2)
    {
        if (n1 < 4 || n2 < 4 || double.IsNaN(r1) || double.IsNaN(r2))
        {
            return double.NaN;
        }

        var z = (Math.Atanh(Math.Clamp(r1, -0.999999999, 0.999999999)) - Math.Atanh(Math.Clamp(r2, -0.999999999, 0.999999999)))
            / Math.Sqrt((1.0 / (n1 - 3)) + (1.0 / (n2 - 3)));
        return NormalCdf(z);
    }

    /// <summary>
    /// The sample-ratio-mismatch test: the p-value of Pearson's chi-squared goodness of fit of the observed counts per
    /// group to the shares the weights give. Small (e.g. below 0.001) when assignment does not follow the weights.
    /// </summary>
    public static double SampleRatioMismatchPValue(ReadOnlySpan<long> observed, ReadOnlySpan<double> weights)
    {
        if (observed.Length != weights.Length || observed.Length < 2)
        {
            throw new ArgumentException("One weight per group, and at least two groups.", nameof(weights));
        }

        double total = 0, weightSum = 0;
        for (var i = 0; i < observed.Length; i++)
        {
            total += observed[i];
            weightSum += weights[i];
        }

        if (total == 0 || weightSum <= 0)
        {
            return 1;
        }

        var chi2 = 0.0;
        for (var i = 0; i < observed.Length; i++)
        {
            var expected = total * weights[i] / weightSum;
            if (expected > 0)
            {
                chi2 += (observed[i] - expected) * (observed[i] - expected) / expected;
            }
        }

        return ChiSquaredSurvival(chi2, observed.Length - 1);
    }

    /// <summary>P(X ≥ x) for X chi-squared with k degrees of freedom: the regularized upper incomplete gamma Q(k/2, x/2).</summary>
    public static double ChiSquaredSurvival(double x, int degreesOfFreedom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreesOfFreedom, 1);
        return x <= 0 ? 1 : UpperIncompleteGammaRegularized(degreesOfFreedom / 2.0, x / 2);
    }

    /// <summary>The standard normal CDF (Abramowitz–Stegun 7.1.26 via erfc's complement, accurate to about 1e-7).</summary>
    public static double NormalCdf(double z) => 0.5 * Erfc(-z / Math.Sqrt(2));

    /// <summary>The standard normal quantile (Acklam's rational approximation with one Newton step).</summary>
    public static double NormalQuantile(double p)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(p, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(p, 1);
        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        double x;
        if (p < 0.02425)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            x = Horner(c, q) / (Horner(d, q) * q + 1);
        }
        else if (p <= 1 - 0.02425)
        {
            var q = p - 0.5;
            var r = q * q;
            x = Horner(a, r) * q / (Horner(b, r) * r + 1);
        }
        else
        {
            var q = Math.Sqrt(-2 * Math.Log(1 - p));
            x = -Horner(c, q) / (Horner(d, q) * q + 1);
        }

        // One Newton step on the CDF tightens the approximation.
        var e = NormalCdf(x) - p;
        return x - (e * Math.Sqrt(2 * Math.PI) * Math.Exp(x * x / 2));
    }

    private static (double[] P, double[] Q) Proportions(ReadOnlySpan<long> p, ReadOnlySpan<long> q)
    {
        if (p.Length != q.Length || p.Length == 0)
        {
            throw new ArgumentException("Both distributions need the same bins.", nameof(q));
        }

        double sp = 0, sq = 0;
        for (var i = 0; i < p.Length; i++)
        {
            sp += p[i];
            sq += q[i];
        }

        if (sp <= 0 || sq <= 0)
        {
            throw new ArgumentException("Both distributions need at least one observation.", nameof(q));
        }

        var pp = new double[p.Length];
        var qq = new double[q.Length];
        for (var i = 0; i < p.Length; i++)
        {
            pp[i] = p[i] / sp;
            qq[i] = q[i] / sq;
        }

        return (pp, qq);
    }

    private static double[] Ranks(ReadOnlySpan<double> values)
    {
        var order = new int[values.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var copy = values.ToArray();
        Array.Sort(order, (i, j) => copy[i].CompareTo(copy[j]));
        var ranks = new double[values.Length];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && copy[order[end + 1]] == copy[order[start]])
            {
                end++;
            }

            var rank = ((start + end) / 2.0) + 1;
            for (var k = start; k <= end; k++)
            {
                ranks[order[k]] = rank;
            }

            start = end + 1;
        }

        return ranks;
    }

    private static double Erfc(double x)
    {
        // Numerical Recipes' erfc via Chebyshev fit, fractional error < 1.2e-7 everywhere.
        var z = Math.Abs(x);
        var t = 1 / (1 + (0.5 * z));
        double[] k = [0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223];
        var r = t * Math.Exp((-z * z) + Horner(k, t));
        return x >= 0 ? r : 2 - r;
    }

    /// <summary>Evaluates a polynomial with coefficients from the highest power down (Horner's rule).</summary>
    private static double Horner(double[] coefficients, double x)
    {
        var value = 0.0;
        foreach (var c in coefficients)
        {
            value = (value * x) + c;
        }

        return value;
    }

    private static double UpperIncompleteGammaRegularized(double a, double x)
    {
        var lnGammaA = LogGamma(a);
        if (x < a + 1)
        {
            // Series for P(a, x), then Q = 1 - P.
            var sum = 1 / a;
            var term = sum;
            for (var n = 1; n < 1000; n++)
            {
                term *= x / (a + n);
                sum += term;
                if (Math.Abs(term) < Math.Abs(sum) * 1e-15)
                {
                    break;
                }
            }

            return Math.Clamp(1 - (sum * Math.Exp((-x) + (a * Math.Log(x)) - lnGammaA)), 0, 1);
        }

        // Continued fraction for Q(a, x) (Lentz).
        const double tiny = 1e-300;
        var b = x + 1 - a;
        var c = 1 / tiny;
        var d = 1 / b;
        var h = d;
        for (var i = 1; i < 1000; i++)
        {
            var an = -i * (i - a);
            b += 2;
            d = (an * d) + b;
            d = Math.Abs(d) < tiny ? tiny : d;
            c = b + (an / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-15)
            {
                break;
            }
        }

        return Math.Clamp(Math.Exp((-x) + (a * Math.Log(x)) - lnGammaA) * h, 0, 1);
    }

    private static double LogGamma(double x)
    {
        // Lanczos approximation (g = 7, n = 9).
        double[] g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
        if (x < 0.5)
        {
            return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        }

        x -= 1;
        var a = g[0];
        var t = x + 7.5;
        for (var i = 1; i < 9; i++)
        {
            a += g[i] / (x + i);
        }

        return (0.5 * Math.Log(2 * Math.PI)) + ((x + 0.5) * Math.Log(t)) - t + Math.Log(a);
    }
}
