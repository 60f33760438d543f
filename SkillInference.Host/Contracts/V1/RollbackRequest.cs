namespace SkillInference.Host.Contracts.V1;

/// <summary>Roll a skill back to the version deployed before the current one.</summary>
public sealed record RollbackRequest
{
    /// <summary>Why, recorded in the registry history.</summary>
    public string? Reason { get; init; }
}
