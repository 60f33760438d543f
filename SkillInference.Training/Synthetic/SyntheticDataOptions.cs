namespace SkillInference.Training;

/// <summary>Global parameters of the synthetic generator. Per-feature and per-skill parameters live in the catalog.</summary>
public sealed record SyntheticDataOptions
{
    /// <summary>The seed: the same seed, catalog and student index always give the same student.</summary>
    /// <value>Defaults to 42.</value>
    public int Seed { get; init; } = 42;

    /// <summary>The correlation of any two latent skills, through a general factor.</summary>
    /// <value>Defaults to 0.35.</value>
    public double SkillCorrelation { get; init; } = 0.35;

    /// <summary>The share of students with no written work: all their linguistic features are missing.</summary>
    /// <value>Defaults to 0.08.</value>
    public double NoWritingRate { get; init; } = 0.08;

    /// <summary>The share of (student, skill) pairs without a teacher rating.</summary>
    /// <value>Defaults to 0.1.</value>
    public double UnratedRate { get; init; } = 0.1;
}
