namespace SkillInference.Host.Contracts.V1;

/// <summary>The latest validation per skill, version and variant, and (when asked with <c>since</c>) the time series.</summary>
public sealed record ValidationResponse
{
    /// <summary>The latest result of each skill, model version and variant.</summary>
    public required IReadOnlyList<ValidationResultDto> Results { get; init; }

    /// <summary>Every result since the requested time, oldest first (absent unless <c>since</c> was given).</summary>
    public IReadOnlyList<ValidationResultDto>? History { get; init; }
}
