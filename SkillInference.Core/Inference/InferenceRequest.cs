namespace SkillInference.Inference;

/// <summary>A request to score one student on one skill.</summary>
/// <param name="Skill">The skill id.</param>
/// <param name="Features">Feature values by name; a null value or an absent name means missing.</param>
/// <param name="StudentId">The student, for sticky variant routing and caching; never logged.</param>
/// <param name="Explain">Whether to return per-feature contributions for this prediction.</param>
public sealed record InferenceRequest(
    string Skill,
    IReadOnlyDictionary<string, double?> Features,
    string? StudentId = null,
    bool Explain = false);
