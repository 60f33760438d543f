namespace SkillInference.Batch;

/// <summary>
/// A row of <c>skill_assessments</c>: one skill score of one student by one model version, before fusion with other
/// evidence. Unique on (<see cref="StudentId"/>, <see cref="Skill"/>, <see cref="ModelVersion"/>,
/// <see cref="FeatureHash"/>): scoring the same features with the same model again writes nothing.
/// </summary>
/// <param name="StudentId">The student.</param>
/// <param name="Skill">The skill id.</param>
/// <param name="Score">The probability of the "high skill" class, in [0, 1].</param>
/// <param name="Confidence">The confidence, in [0, 1] (see docs/models.md).</param>
/// <param name="ModelVersion">The bundle version that scored.</param>
/// <param name="Variant"><c>deployed</c> or <c>variant</c>.</param>
/// <param name="FeatureHash">The stable hash of the prepared features (<see cref="Inference.FeatureHash"/>).</param>
/// <param name="RunId">The run that first wrote the row.</param>
/// <param name="AssessedAt">When it was scored.</param>
internal sealed record SkillAssessment(
    string StudentId,
    string Skill,
    double Score,
    double Confidence,
    string ModelVersion,
    string Variant,
    string FeatureHash,
    Guid RunId,
    DateTimeOffset AssessedAt);
