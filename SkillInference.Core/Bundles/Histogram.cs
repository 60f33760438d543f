using System.Text.Json.Serialization;

namespace SkillInference.Bundles;

/// <summary>
/// A reference distribution: <c>Counts[i]</c> values fell in <c>[Edges[i], Edges[i+1])</c> (the last bin is closed),
/// and <see cref="Missing"/> values were absent. Used to measure drift (PSI) of live traffic.
/// </summary>
public sealed record Histogram
{
    /// <summary>The bin edges, ascending; one more than the bins.</summary>
    [JsonPropertyName("edges")]
    public required IReadOnlyList<double> Edges { get; init; }

    /// <summary>The count in each bin.</summary>
    [JsonPropertyName("counts")]
    public required IReadOnlyList<long> Counts { get; init; }

    /// <summary>The number of missing values.</summary>
    [JsonPropertyName("missing")]
    public long Missing { get; init; }

    /// <summary>Builds a histogram of the finite values over the given edges; NaN counts as missing.</summary>
    public static Histogram Build(IEnumerable<double> values, IReadOnlyList<double> edges)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(edges);
        if (edges.Count < 2)
        {
            throw new ArgumentException("A histogram needs at least two edges.", nameof(edges));
        }

        var counts = new long[edges.Count - 1];
        long missing = 0;
        foreach (var v in values)
        {
            if (double.IsNaN(v))
            {
                missing++;
                continue;
            }

            counts[BinOf(v, edges)]++;
        }

        return new Histogram { Edges = edges, Counts = counts, Missing = missing };
    }

    /// <summary>The bin a value falls into; values outside the edges go to the first or last bin.</summary>
    public static int BinOf(double value, IReadOnlyList<double> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        var bins = edges.Count - 1;
        if (value < edges[1])
        {
            return 0;
        }

        if (value >= edges[bins - 1])
        {
            return bins - 1;
        }

        // Binary search for the last edge <= value.
        int lo = 1, hi = bins - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (edges[mid] <= value)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return lo;
    }
}
