namespace SkillInference.Batch;

/// <summary>
/// A row of <c>student_features</c>: the student's latest features by group, as the batch worker reads them.
/// A feature absent from both groups (or null) is missing and its rule fills it in.
/// </summary>
/// <param name="StudentId">The student.</param>
/// <param name="Linguistic">Features derived from the student's writing, by name.</param>
/// <param name="Behavioral">Features derived from platform activity, by name.</param>
/// <param name="UpdatedAt">When the features last changed.</param>
public sealed record StudentFeatures(
    string StudentId,
    IReadOnlyDictionary<string, double?> Linguistic,
    IReadOnlyDictionary<string, double?> Behavioral,
    DateTimeOffset UpdatedAt)
{
    /// <summary>
    /// Why the stored row could not be read as features (e.g. a group is not a JSON object of numbers), or null. Such a
    /// student is recorded as failed for every skill; it never fails its shard.
    /// </summary>
    public string? ReadError { get; init; }
}
