namespace SkillInference.Host.Contracts.V1;

/// <summary>Drift per skill and version over the rolling window, as this instance counted it.</summary>
public sealed record DriftResponse
{
    /// <summary>The rolling window in hours.</summary>
    public required double WindowHours { get; init; }

    /// <summary>The time bucket in minutes.</summary>
    public required double BucketMinutes { get; init; }

    /// <summary>PSI at or above this is <c>watch</c>.</summary>
    public required double PsiWatch { get; init; }

    /// <summary>PSI at or above this is <c>alert</c>.</summary>
    public required double PsiAlert { get; init; }

    /// <summary>Drift is judged only above this many rows.</summary>
    public required int MinimumSample { get; init; }

    /// <summary>One entry per skill and version scored in this process since it started.</summary>
    public required IReadOnlyList<DriftDto> Models { get; init; }
}
