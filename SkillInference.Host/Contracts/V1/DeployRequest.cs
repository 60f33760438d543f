namespace SkillInference.Host.Contracts.V1;

/// <summary>Deploy a published version.</summary>
public sealed record DeployRequest
{
    /// <summary>The version to deploy.</summary>
    public string? Version { get; init; }

    /// <summary>Why, recorded in the registry history.</summary>
    public string? Reason { get; init; }
}
