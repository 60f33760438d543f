namespace SkillInference.Training;

/// <summary>How <see cref="SkillModelTrainer"/> trains one skill's model.</summary>
public sealed record SkillTrainingOptions
{
    /// <summary>The bundle version to write.</summary>
    /// <value>Defaults to 1.0.0.</value>
    public string Version { get; init; } = "1.0.0";

    /// <summary>A description of this version for the manifest.</summary>
    public string Description { get; init; } = "";

    /// <summary>The number of boosted trees.</summary>
    /// <value>
    /// Defaults to 150. With <see cref="NumberOfLeaves"/> 8, the best held-out log loss and AUC on the synthetic students of
    /// <c>samples/skills.json</c> among 60–200 trees of 8 or 16 leaves (200 × 16 overfits: AUC 0.865 against 0.870); see docs/models.md.
    /// </value>
    public int NumberOfTrees { get; init; } = 150;

    /// <summary>The maximum number of leaves per tree.</summary>
    /// <value>Defaults to 8.</value>
    public int NumberOfLeaves { get; init; } = 8;

    /// <summary>The minimum number of training rows in a leaf.</summary>
    /// <value>Defaults to 20.</value>
    public int MinimumExampleCountPerLeaf { get; init; } = 20;

    /// <summary>The learning rate (shrinkage).</summary>
    /// <value>Defaults to 0.05.</value>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>The share of rows held out for evaluation.</summary>
    /// <value>Defaults to 0.2.</value>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>The seed of the split and of the trainer.</summary>
    /// <value>Defaults to 42.</value>
    public int Seed { get; init; } = 42;
}
