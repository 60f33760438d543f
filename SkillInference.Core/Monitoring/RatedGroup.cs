namespace SkillInference.Monitoring;

/// <summary>
/// The rated pairs of one skill, model version and variant: for each rating, the assessment closest in time. Groups
/// with assessments but no rating have no pairs.
/// </summary>
/// <param name="Skill">The skill.</param>
/// <param name="ModelVersion">The model version.</param>
/// <param name="Variant">The variant.</param>
/// <param name="Scores">The paired assessments' scores.</param>
/// <param name="Ratings">The paired ratings (1-5), in the same order.</param>
/// <param name="DelaySeconds">Rated at − assessed at, in seconds, in the same order.</param>
/// <param name="AssessedStudents">Students the version and variant assessed on the skill.</param>
internal sealed record RatedGroup(string Skill, string ModelVersion, string Variant, double[] Scores, double[] Ratings, double[] DelaySeconds, int AssessedStudents);
