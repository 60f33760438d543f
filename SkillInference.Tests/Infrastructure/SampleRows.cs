using SkillInference.Bundles;
using SkillInference.Schema;

namespace SkillInference.Tests.Infrastructure;

/// <summary>Rows of the synthetic training data as request dictionaries and raw vectors in a skill's schema order.</summary>
public static class SampleRows
{
    /// <summary>The first <paramref name="count"/> rows for a skill; NaN cells are left out (missing).</summary>
    public static IReadOnlyList<Dictionary<string, double?>> Requests(FeatureSchema schema, int count, int skip = 0)
    {
        var rows = new List<Dictionary<string, double?>>();
        for (var r = skip; r < skip + count; r++)
        {
            var features = new Dictionary<string, double?>(StringComparer.Ordinal);
            foreach (var f in schema.Features)
            {
                var v = SampleStore.Data.Column(f.Name)[r];
                if (!double.IsNaN(v))
                {
                    features[f.Name] = v;
                }
            }

            rows.Add(features);
        }

        return rows;
    }

    /// <summary>Rows where every feature of the schema is present (no imputation involved).</summary>
    public static IReadOnlyList<Dictionary<string, double?>> CompleteRequests(FeatureSchema schema, int count) =>
        [.. Requests(schema, SampleStore.Data.RowCount).Where(r => r.Count == schema.Count).Take(count)];

    /// <summary>Every feature of every skill for the student at a row (union), NaN cells left out.</summary>
    public static Dictionary<string, double?> Student(int row) =>
        SampleStore.Catalog.Features.Keys
            .Where(name => !double.IsNaN(SampleStore.Data.Column(name)[row]))
            .ToDictionary(name => name, name => (double?)SampleStore.Data.Column(name)[row], StringComparer.Ordinal);

    /// <summary>A request's raw values in schema order with the manifest's imputation applied by hand (native features stay NaN).</summary>
    public static double[] Imputed(ModelBundle bundle, IReadOnlyDictionary<string, double?> row) =>
        [.. bundle.Schema.Features.Select((f, i) => row.TryGetValue(f.Name, out var v) ? v!.Value : f.Missing.Rule switch
        {
            MissingValueStrategy.Median => bundle.Manifest.Statistics[i].Median,
            MissingValueStrategy.Mean => bundle.Manifest.Statistics[i].Mean,
            MissingValueStrategy.Constant => f.Missing.Value!.Value,
            _ => double.NaN,
        })];

    /// <summary>Raw values in schema order scaled by the documented formula <c>(x - mean) / scale</c> in double, then cast to float (NaN stays NaN).</summary>
    public static float[] Scaled(BundleManifest manifest, IReadOnlyList<double> raw)
    {
        var x = new float[raw.Count];
        for (var i = 0; i < raw.Count; i++)
        {
            x[i] = manifest.Scaler is { } s ? (float)((raw[i] - s.Mean[i]) / s.Scale[i]) : (float)raw[i];
        }

        return x;
    }
}
