namespace SkillInference.Host.Contracts.V1;

/// <summary>Score many (student, skill) items in one call.</summary>
public sealed record BatchInferRequest
{
    /// <summary>The items; at most the configured batch limit (10,000 by default).</summary>
    public List<InferRequest?>? Items { get; init; }
}
