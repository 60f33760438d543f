namespace SkillInference.Host.Contracts.V1;

/// <summary>One validation of one skill, model version and variant against teacher ratings.</summary>
public sealed record ValidationResultDto
{
    /// <summary>The skill.</summary>
    public required string Skill { get; init; }

    /// <summary>The model version that scored the assessments.</summary>
    public required string ModelVersion { get; init; }

    /// <summary>The variant that scored them: <c>deployed</c> or <c>variant</c>.</summary>
    public required string Variant { get; init; }

    /// <summary>Pearson r of scores against ratings; absent when undefined (fewer than two pairs, or a constant side).</summary>
    public double? PearsonR { get; init; }

    /// <summary>Rated pairs (each rating with the assessment closest in time).</summary>
    public required int N { get; init; }

    /// <summary>The 95 % confidence interval of r by Fisher's z, [low, high]; absent when n &lt; 4.</summary>
    public IReadOnlyList<double>? Ci { get; init; }

    /// <summary>Spearman ρ.</summary>
    public double? Spearman { get; init; }

    /// <summary>Rated share of the students this version and variant assessed on the skill.</summary>
    public double? Coverage { get; init; }

    /// <summary>Students this version and variant assessed on the skill.</summary>
    public required int AssessedStudents { get; init; }

    /// <summary>The median of (rated at − assessed at) over the pairs, in seconds.</summary>
    public double? MedianLabelDelaySeconds { get; init; }

    /// <summary><c>ok</c>, <c>alert</c> (a correlation alert is open) or <c>insufficient_data</c> (n below the minimum).</summary>
    public required string State { get; init; }

    /// <summary>The r threshold of the alert rule.</summary>
    public required double Threshold { get; init; }

    /// <summary>The fewest pairs the rule judges.</summary>
    public required int MinimumN { get; init; }

    /// <summary>When the validation ran.</summary>
    public required DateTimeOffset EvaluatedAt { get; init; }
}
