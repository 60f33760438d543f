namespace SkillInference.Batch;

/// <summary>
/// A row of <c>student_features</c> to write (<see cref="IStudentDataWriter"/>): the student's latest features by group.
/// A feature absent from both groups (or null) is missing and its rule fills it in. The batch worker reads the stored
/// rows back as a <see cref="StudentFeatureBlock"/>.
/// </summary>
/// <param name="StudentId">The student.</param>
/// <param name="Linguistic">Features derived from the student's writing, by name.</param>
/// <param name="Behavioral">Features derived from platform activity, by name.</param>
/// <param name="UpdatedAt">When the features last changed.</param>
internal sealed record StudentFeatures(
    string StudentId,
    IReadOnlyDictionary<string, double?> Linguistic,
    IReadOnlyDictionary<string, double?> Behavioral,
    DateTimeOffset UpdatedAt);
