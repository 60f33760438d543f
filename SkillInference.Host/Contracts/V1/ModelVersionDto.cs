using SkillInference.Bundles;

namespace SkillInference.Host.Contracts.V1;

/// <summary>A published bundle version.</summary>
public sealed record ModelVersionDto
{
    /// <summary>The semantic version.</summary>
    public required string Version { get; init; }

    /// <summary>The model format.</summary>
    public required string Format { get; init; }

    /// <summary>When it was trained.</summary>
    public DateTimeOffset? TrainedAt { get; init; }

    /// <summary>Held-out metrics (AUC, accuracy, log loss, Pearson r against teacher ratings, split sizes).</summary>
    public required ModelMetrics Metrics { get; init; }

    /// <summary>What this version changed.</summary>
    public string Description { get; init; } = "";

    /// <summary>The trainer library and algorithm.</summary>
    public string? Trainer { get; init; }
}
