using SkillInference.Inference;

namespace SkillInference.Host.Contracts.V1;

/// <summary>A skill score.</summary>
public sealed record SkillScore
{
    /// <summary>The skill id.</summary>
    public required string Skill { get; init; }

    /// <summary>Probability of the "high skill" class, in [0, 1].</summary>
    public required double Score { get; init; }

    /// <summary>|2p - 1| reduced by the importance share of imputed features (docs/models.md).</summary>
    public required double Confidence { get; init; }

    /// <summary>The bundle version that scored.</summary>
    public required string ModelVersion { get; init; }

    /// <summary><c>deployed</c> or <c>variant</c>.</summary>
    public required string Variant { get; init; }

    /// <summary>The five most important features with the values used.</summary>
    public required IReadOnlyList<TopFeatureDto> TopFeatures { get; init; }

    /// <summary>Features filled in by their missing-value rule.</summary>
    public required IReadOnlyList<string> ImputedFeatures { get; init; }

    /// <summary>With <c>explain: true</c>: each feature's contribution to the log-odds (TreeSHAP) and the bias.</summary>
    public ExplanationDto? Explanation { get; init; }

    /// <summary>Whether the score came from the cache.</summary>
    public bool Cached { get; init; }

    internal static SkillScore From(InferenceResult r) => new()
    {
        Skill = r.Skill,
        Score = r.Score,
        Confidence = r.Confidence,
        ModelVersion = r.ModelVersion,
        Variant = r.Variant,
        TopFeatures = [.. r.TopFeatures.Select(t => new TopFeatureDto(t.Name, t.Importance, t.Value, t.Imputed))],
        ImputedFeatures = r.ImputedFeatures,
        Explanation = r.Explanation is { } e ? new ExplanationDto(e.Bias, e.Contributions, e.LogOdds) : null,
        Cached = r.Cached,
    };
}
