namespace SkillInference.Monitoring;

/// <summary>
/// One validation of one skill, model version and variant against teacher ratings: each rating paired with the
/// assessment of the same student, skill, version and variant closest in time (within the match window).
/// </summary>
/// <param name="Skill">The skill.</param>
/// <param name="ModelVersion">The model version that scored the assessments.</param>
/// <param name="Variant">The variant that scored them (<c>deployed</c> or <c>variant</c>).</param>
/// <param name="N">Rated assessments paired.</param>
/// <param name="PearsonR">Pearson r of scores against ratings; null when it is undefined (n &lt; 2 or a constant side).</param>
/// <param name="CiLow">The 95 % Fisher-z interval's lower end; null when n &lt; 4.</param>
/// <param name="CiHigh">The 95 % Fisher-z interval's upper end; null when n &lt; 4.</param>
/// <param name="Spearman">Spearman ρ (ties get their average rank).</param>
/// <param name="AssessedStudents">Students the version and variant assessed on the skill.</param>
/// <param name="Coverage">n / assessed students; null when none was assessed.</param>
/// <param name="MedianLabelDelay">The median of (rated at − assessed at) over the pairs; null when n = 0.</param>
/// <param name="State"><c>ok</c>, <c>alert</c> (an open correlation alert) or <c>insufficient_data</c> (n below the minimum).</param>
/// <param name="Threshold">The r threshold it was judged against.</param>
/// <param name="MinimumN">The fewest pairs judged.</param>
/// <param name="EvaluatedAt">When the validation ran.</param>
internal sealed record ValidationResult(
    string Skill,
    string ModelVersion,
    string Variant,
    int N,
    double? PearsonR,
    double? CiLow,
    double? CiHigh,
    double? Spearman,
    int AssessedStudents,
    double? Coverage,
    TimeSpan? MedianLabelDelay,
    string State,
    double Threshold,
    int MinimumN,
    DateTimeOffset EvaluatedAt)
{
    /// <summary>The result as the rollout guard reads it.</summary>
    public AgreementResult ToAgreement() => new(Skill, ModelVersion, Variant, PearsonR, N, CiLow, CiHigh, Spearman, Coverage, State, EvaluatedAt);
}
