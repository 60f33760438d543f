namespace SkillInference.Host.Contracts.V1;

/// <summary>A student whose features changed (in the body, so the id never lands in a URL or an access log).</summary>
public sealed record InvalidateRequest
{
    /// <summary>The student's id.</summary>
    public string? StudentId { get; init; }
}
