using System.Globalization;
using SkillInference.Catalog;
using SkillInference.Schema;

namespace SkillInference.Training;

/// <summary>
/// A deterministic generator of students, features, labels and teacher ratings, following the generative story in
/// docs/features.md: correlated latent skill levels; features driven by them through the catalog's loadings, with
/// noise and realistic missingness; a "high skill" label and a 1–5 teacher rating, both noisy views of the latent level.
/// Each student depends only on the seed and its index, so any range of students can be generated independently.
/// </summary>
public sealed class SyntheticDataGenerator
{
    private readonly SyntheticDataOptions _options;
    private readonly (FeatureSpec Spec, SyntheticFeatureModel Model, double[] Loadings)[] _features;
    private readonly SyntheticSkillModel[] _skills;
    private readonly double[] _labelThresholds;

    /// <summary>Creates a generator for the features and skills of a catalog that have synthetic models.</summary>
    public SyntheticDataGenerator(SkillCatalog catalog, SyntheticDataOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _options = options ?? new SyntheticDataOptions();
        SkillIds = [.. catalog.Skills.Select(s => s.Id)];
        _skills = [.. catalog.Skills.Select(s => s.Synthetic ?? new SyntheticSkillModel())];
        _features = [.. catalog.Features.Values
            .Where(f => f.Synthetic is not null)
            .Select(f => (f.Spec, f.Synthetic!, SkillIds.Select(id => f.Synthetic!.Loadings.GetValueOrDefault(id)).ToArray()))];
        FeatureNames = [.. _features.Select(f => f.Spec.Name)];
        Groups = [.. _features.Select(f => f.Spec.Group)];

        // label = 1 when z + noise exceeds the (1 - positiveRate) quantile of its N(0, 1 + noise²) distribution.
        _labelThresholds = [.. _skills.Select(s => InverseNormalCdf(1 - s.PositiveRate) * Math.Sqrt(1 + (s.LabelNoise * s.LabelNoise)))];
    }

    /// <summary>The generated features, in output order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Each generated feature's group, in <see cref="FeatureNames"/> order.</summary>
    public IReadOnlyList<FeatureGroup> Groups { get; }

    /// <summary>The skills, in catalog order.</summary>
    public IReadOnlyList<string> SkillIds { get; }

    /// <summary>The id of the student at an index.</summary>
    public static string StudentIdOf(long index) => "S" + (index + 1).ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>Generates the student at an index.</summary>
    public SyntheticStudent Generate(long index)
    {
        var rng = new Random(unchecked((int)Mix((ulong)(uint)_options.Seed ^ Mix((ulong)index))));
        var k = SkillIds.Count;
        var general = Gaussian(rng);
        var rho = _options.SkillCorrelation;
        var latent = new double[k];
        for (var s = 0; s < k; s++)
        {
            latent[s] = (Math.Sqrt(rho) * general) + (Math.Sqrt(1 - rho) * Gaussian(rng));
        }

        var writes = rng.NextDouble() >= _options.NoWritingRate;
        var features = new double[_features.Length];
        for (var f = 0; f < _features.Length; f++)
        {
            var (spec, model, loadings) = _features[f];
            var signal = model.Noise * Gaussian(rng);
            for (var s = 0; s < k; s++)
            {
                signal += loadings[s] * latent[s];
            }

            var value = Shape(spec, model, signal, rng);
            var missing = (spec.Group == FeatureGroup.Linguistic && !writes) | (rng.NextDouble() < model.MissingRate);
            features[f] = missing ? double.NaN : value;
        }

        var labels = new bool[k];
        var ratings = new int?[k];
        for (var s = 0; s < k; s++)
        {
            labels[s] = latent[s] + (_skills[s].LabelNoise * Gaussian(rng)) > _labelThresholds[s];
            var rating = (int)Math.Round(3 + latent[s] + (_skills[s].RatingNoise * Gaussian(rng)), MidpointRounding.AwayFromZero);
            ratings[s] = rng.NextDouble() < _options.UnratedRate ? null : Math.Clamp(rating, 1, 5);
        }

        return new SyntheticStudent(StudentIdOf(index), features, latent, labels, ratings);
    }

    /// <summary>Generates students <c>first</c> .. <c>first + count - 1</c>.</summary>
    public IEnumerable<SyntheticStudent> Generate(long first, int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return Generate(first + i);
        }
    }

    /// <summary>
    /// Writes students as CSV, the training-data export format: <c>student_id</c>, every feature, then
    /// <c>label_&lt;skill&gt;</c> (0/1) and <c>rating_&lt;skill&gt;</c> (1–5) per skill. An empty cell is missing.
    /// </summary>
    public void WriteCsv(TextWriter writer, int count, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write("student_id");
        foreach (var name in FeatureNames)
        {
            writer.Write(',');
            writer.Write(name);
        }

        foreach (var skill in SkillIds)
        {
            writer.Write(",label_");
            writer.Write(skill);
            writer.Write(",rating_");
            writer.Write(skill);
        }

        writer.Write('\n');
        for (var i = 0; i < count; i++)
        {
            var student = Generate(i);
            writer.Write(student.StudentId);
            foreach (var v in student.Features)
            {
                writer.Write(',');
                if (!double.IsNaN(v))
                {
                    writer.Write(v.ToString("0.####", CultureInfo.InvariantCulture));
                }
            }

            for (var s = 0; s < SkillIds.Count; s++)
            {
                writer.Write(student.Labels[s] ? ",1," : ",0,");
                if (student.Ratings[s] is { } r)
                {
                    writer.Write(r.ToString(CultureInfo.InvariantCulture));
                }
            }

            writer.Write('\n');
            if (progress is not null && (i + 1) % 10_000 == 0)
            {
                progress.Report(i + 1);
            }
        }
    }

    private static double Shape(FeatureSpec spec, SyntheticFeatureModel model, double signal, Random rng)
    {
        double value;
        switch (model.Kind)
        {
            case SyntheticFeatureKind.Rate:
                var center = Math.Clamp(model.Center, 1e-6, 1 - 1e-6);
                var p = 1 / (1 + Math.Exp(-(Math.Log(center / (1 - center)) + (model.Spread * signal))));
                value = Math.Round(spec.Min + (p * (spec.Max - spec.Min)), 4);
                break;
            case SyntheticFeatureKind.Count:
                value = Poisson(rng, Math.Max(model.Center, 1e-9) * Math.Exp(model.Spread * signal));
                break;
            default:
                value = Math.Round(model.Center + (model.Spread * signal), 4);
                break;
        }

        return Math.Clamp(value, spec.Min, spec.Max);
    }

    private static ulong Mix(ulong x)
    {
        // splitmix64's finalizer: nearby indices get unrelated seeds.
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private static double Gaussian(Random rng)
    {
        // Box-Muller; 1 - NextDouble() is in (0, 1], so the log is finite.
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static double Poisson(Random rng, double lambda)
    {
        if (lambda > 30)
        {
            return Math.Max(0, Math.Round(lambda + (Math.Sqrt(lambda) * Gaussian(rng))));
        }

        // Knuth's method.
        var limit = Math.Exp(-lambda);
        var product = rng.NextDouble();
        var count = 0;
        while (product > limit)
        {
            count++;
            product *= rng.NextDouble();
        }

        return count;
    }

    /// <summary>The standard normal quantile function (Acklam's rational approximation, relative error below 1.2e-9).</summary>
    internal static double InverseNormalCdf(double p)
    {
        if (p <= 0 || p >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), "p must be in (0, 1).");
        }

        ReadOnlySpan<double> a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        ReadOnlySpan<double> b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        ReadOnlySpan<double> c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        ReadOnlySpan<double> d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425;
        if (p < low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            return (((((((c[0] * q) + c[1]) * q) + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((((d[0] * q) + d[1]) * q) + d[2]) * q + d[3]) * q + 1);
        }

        if (p > 1 - low)
        {
            var q = Math.Sqrt(-2 * Math.Log(1 - p));
            return -(((((((c[0] * q) + c[1]) * q) + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((((d[0] * q) + d[1]) * q) + d[2]) * q + d[3]) * q + 1);
        }

        {
            var q = p - 0.5;
            var r = q * q;
            return (((((((a[0] * r) + a[1]) * r) + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((((b[0] * r) + b[1]) * r) + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        }
    }
}
