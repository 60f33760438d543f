namespace SkillInference.Batch;

/// <summary>
/// What the assessments of one shard share by the thousand: the skill, the version that scored, its variant, the run
/// and the time. An <see cref="AssessmentBlock"/> stores each such combination once and an index to it per row.
/// </summary>
/// <param name="Skill">The skill id.</param>
/// <param name="ModelVersion">The bundle version that scored.</param>
/// <param name="Variant"><c>deployed</c> or <c>variant</c>.</param>
/// <param name="RunId">The run that wrote the rows.</param>
/// <param name="AssessedAt">When they were scored.</param>
internal sealed record AssessmentKind(string Skill, string ModelVersion, string Variant, Guid RunId, DateTimeOffset AssessedAt);
