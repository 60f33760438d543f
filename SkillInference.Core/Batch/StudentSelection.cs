namespace SkillInference.Batch;

/// <summary>Which students of the feature source a run (and each of its shards) scores.</summary>
/// <param name="Mode">Full: every student. Incremental: see <see cref="BatchMode.Incremental"/>.</param>
/// <param name="ChangedAfter">Incremental only: the last successful run's watermark (null: no run yet, so every student).</param>
/// <param name="ServingVersions">Incremental only: the versions serving each skill at planning; a student without an assessment by one of a skill's versions is selected.</param>
public sealed record StudentSelection(BatchMode Mode, DateTimeOffset? ChangedAfter, IReadOnlyList<ServingVersion> ServingVersions)
{
    /// <summary>Every student.</summary>
    public static StudentSelection All { get; } = new(BatchMode.Full, null, []);
}
