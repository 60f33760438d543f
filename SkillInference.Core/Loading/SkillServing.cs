namespace SkillInference.Loading;

/// <summary>
/// The models serving one skill: the deployed (stable) one and, during an experiment, the traffic variants with the
/// experiment's id. Each candidate (a variant other than the deployed version) owns a range of [0, 1) starting at 0,
/// in list order, as wide as its share of the total weight; stable owns the rest. A candidate whose model failed to
/// load keeps its range empty, so its share falls to stable.
/// </summary>
internal sealed class SkillServing
{
    public SkillServing(string skill, LoadedModel deployed, IReadOnlyList<(LoadedModel Model, double Weight)> variants, string? experimentId = null, double? totalWeight = null)
    {
        Skill = skill;
        Deployed = deployed;
        Variants = variants;
        ExperimentId = experimentId;
        TotalWeight = totalWeight ?? variants.Sum(v => v.Weight);
        var candidates = new List<(LoadedModel, double)>();
        var upper = 0.0;
        if (TotalWeight > 0)
        {
            foreach (var (model, weight) in variants)
            {
                if (!ReferenceEquals(model, deployed))
                {
                    upper += weight / TotalWeight;
                    candidates.Add((model, Math.Min(upper, 1)));
                }
            }
        }

        Candidates = candidates;
    }

    public string Skill { get; }

    public LoadedModel Deployed { get; }

    public IReadOnlyList<(LoadedModel Model, double Weight)> Variants { get; }

    /// <summary>The experiment's id (the router's hash salt); null without an experiment.</summary>
    public string? ExperimentId { get; }

    public double TotalWeight { get; }

    /// <summary>The candidates with the upper end of each one's range in [0, 1) (cumulative shares, in list order).</summary>
    public IReadOnlyList<(LoadedModel Model, double Upper)> Candidates { get; }

    /// <summary>The share of identified traffic <paramref name="version"/> takes as a candidate; 0 when it is not one.</summary>
    public double CandidateShare(string version)
    {
        var lower = 0.0;
        foreach (var (model, upper) in Candidates)
        {
            if (model.Version == version)
            {
                return upper - lower;
            }

            lower = upper;
        }

        return 0;
    }

    public IEnumerable<LoadedModel> AllModels => Variants.Select(v => v.Model).Append(Deployed).Distinct();
}
