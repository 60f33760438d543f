using SkillInference.Batch;
using SkillInference.Loading;

namespace SkillInference.Monitoring;

/// <summary>
/// Drift of one batch run: the scores the run stored, per skill and model version, binned into the bundle's reference
/// score histogram and compared by PSI and Jensen–Shannon, judged by the same thresholds and minimum sample as the
/// online window. Read from the database, so it is the same whichever instances scored the run's shards.
/// </summary>
internal static class BatchRunDrift
{
    /// <summary>One (skill, version) of the run; versions no longer loaded have no reference (<c>no_reference</c>).</summary>
    public static async Task<IReadOnlyList<DriftSnapshot>> ComputeAsync(IAssessmentStore store, ServingSnapshot serving, Guid runId, MonitoringOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(serving);
        ArgumentNullException.ThrowIfNull(options);
        var models = serving.Skills.Values.SelectMany(s => s.AllModels).ToDictionary(m => (m.Skill, m.Version));
        var counts = new Dictionary<(string Skill, string Version), (double[] Edges, long[] Counts, long N)>();
        await foreach (var assessment in store.ReadAssessmentsAsync(runId, cancellationToken).ConfigureAwait(false))
        {
            var key = (assessment.Skill, assessment.ModelVersion);
            if (!counts.TryGetValue(key, out var entry))
            {
                var edges = models.TryGetValue(key, out var model) && model.Manifest.Reference.Score is { } score ? [.. score.Edges] : Array.Empty<double>();
                entry = (edges, new long[Math.Max(0, edges.Length - 1)], 0);
            }

            if (entry.Edges.Length >= 2)
            {
                entry.Counts[Bin(entry.Edges, assessment.Score)]++;
            }

            counts[key] = entry with { N = entry.N + 1 };
        }

        var result = new List<DriftSnapshot>(counts.Count);
        foreach (var ((skill, version), (edges, live, n)) in counts.OrderBy(c => c.Key.Skill, StringComparer.Ordinal).ThenBy(c => c.Key.Version, StringComparer.Ordinal))
        {
            var reference = models.TryGetValue((skill, version), out var model) && model.Manifest.Reference.Score is { } s ? s.Counts.ToArray() : [];
            double? psi = null, js = null;
            if (reference.Length == live.Length && live.Length > 0)
            {
                psi = Statistics.PopulationStabilityIndex(reference, live);
                js = Statistics.JensenShannon(reference, live);
            }

            var state = psi is null ? "no_reference"
                : n < options.DriftMinimumSample ? ValidationStates.InsufficientData
                : psi >= options.PsiAlert ? ValidationStates.Alert : psi >= options.PsiWatch ? "watch" : ValidationStates.Ok;
            result.Add(new DriftSnapshot(skill, version, n, psi, js, [], state, live, reference, edges, null, null, 0, 0, []));
        }

        return result;
    }

    /// <summary>The bin of a score: [edge i, edge i+1), the last bin closed; values outside go to the end bins.</summary>
    internal static int Bin(double[] edges, double value)
    {
        var bins = edges.Length - 1;
        var i = Array.BinarySearch(edges, value);
        var bin = i >= 0 ? i : ~i - 1;
        return Math.Clamp(bin, 0, bins - 1);
    }
}
