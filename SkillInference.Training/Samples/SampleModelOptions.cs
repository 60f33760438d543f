namespace SkillInference.Training;

/// <summary>How the sample bundles are made.</summary>
public sealed record SampleModelOptions
{
    /// <summary>Synthetic students to train on.</summary>
    /// <value>Defaults to 6,000.</value>
    public int Students { get; init; } = 6_000;

    /// <summary>The seed of the synthetic data and of training.</summary>
    /// <value>Defaults to 42.</value>
    public int Seed { get; init; } = 42;

    /// <summary>The version of every sample bundle.</summary>
    /// <value>Defaults to 1.0.0.</value>
    public string Version { get; init; } = "1.0.0";

    /// <summary>Whether to deploy the bundles after publishing them.</summary>
    /// <value>Defaults to true.</value>
    public bool Deploy { get; init; } = true;

    /// <summary>Who the registry history names as the actor.</summary>
    /// <value>Defaults to <c>skillinference-samples</c>.</value>
    public string Actor { get; init; } = "skillinference-samples";

    /// <summary>The training options (trees, leaves, learning rate); the version and seed above override theirs.</summary>
    public SkillTrainingOptions Training { get; init; } = new();
}
