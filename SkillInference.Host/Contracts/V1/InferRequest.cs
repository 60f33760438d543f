namespace SkillInference.Host.Contracts.V1;

/// <summary>Score one student on one skill.</summary>
public sealed record InferRequest
{
    /// <summary>The skill id, e.g. <c>collaboration</c>.</summary>
    public string? Skill { get; init; }

    /// <summary>Feature values by name (see GET /api/v1/skills/models for each skill's features). null or absent = missing.</summary>
    public Dictionary<string, double?>? Features { get; init; }

    /// <summary>The student, for sticky variant routing and caching. Optional; never logged.</summary>
    public string? StudentId { get; init; }

    /// <summary>Return per-feature contributions for this prediction.</summary>
    public bool Explain { get; init; }
}
