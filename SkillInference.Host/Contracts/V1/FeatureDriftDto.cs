namespace SkillInference.Host.Contracts.V1;

/// <summary>One feature's drift.</summary>
public sealed record FeatureDriftDto
{
    /// <summary>The feature.</summary>
    public required string Name { get; init; }

    /// <summary>PSI against the reference histogram.</summary>
    public required double Psi { get; init; }

    /// <summary>Jensen–Shannon divergence (base 2).</summary>
    public required double JensenShannon { get; init; }

    /// <summary>Live values counted.</summary>
    public required long N { get; init; }
}
