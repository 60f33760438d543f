namespace SkillInference.Host.Contracts.V1;

/// <summary>A version serving a skill.</summary>
public sealed record ServingVersionDto
{
    /// <summary>The skill id.</summary>
    public string? Skill { get; init; }

    /// <summary>The bundle version.</summary>
    public string? Version { get; init; }
}
