namespace SkillInference.Host.Contracts.V1;

/// <summary>The open alerts and the recent ones, newest first.</summary>
public sealed record AlertsResponse
{
    /// <summary>The alerts.</summary>
    public required IReadOnlyList<AlertDto> Alerts { get; init; }
}
