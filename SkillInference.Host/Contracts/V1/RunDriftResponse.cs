namespace SkillInference.Host.Contracts.V1;

/// <summary>Drift of one batch run's stored scores against each bundle's reference score histogram.</summary>
public sealed record RunDriftResponse
{
    /// <summary>The run.</summary>
    public required Guid RunId { get; init; }

    /// <summary>The run's status (<c>running</c>, <c>succeeded</c>, <c>failed</c>).</summary>
    public required string Status { get; init; }

    /// <summary>PSI from which a model is watched.</summary>
    public required double PsiWatch { get; init; }

    /// <summary>PSI from which a model alerts.</summary>
    public required double PsiAlert { get; init; }

    /// <summary>Scores below which the state is <c>insufficient_data</c>.</summary>
    public required int MinimumSample { get; init; }

    /// <summary>Per skill and version: n, score PSI and Jensen–Shannon, state (<c>no_reference</c> when the version is no longer loaded), the histograms.</summary>
    public required IReadOnlyList<DriftDto> Models { get; init; }
}
