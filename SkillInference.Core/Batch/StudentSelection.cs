namespace SkillInference.Batch;

/// <summary>Which students of the feature source a run (and each of its shards) scores.</summary>
/// <param name="Mode">Full: every student. Incremental: see <see cref="BatchMode.Incremental"/>.</param>
/// <param name="ChangedSince">
/// Incremental only: the last successful run's change watermark (null: no run yet, so every student). Students whose
/// server-assigned change sequence is at or after it are selected; the database assigns it, so neither a writer's
/// clock nor a late commit can hide a change.
/// </param>
/// <param name="ServingVersions">Incremental only: the versions serving each skill at planning; a student without an assessment by one of a skill's versions is selected.</param>
/// <remarks>An incremental selection also takes every student with an item that failed (not permanently) in an earlier run, until it succeeds.</remarks>
public sealed record StudentSelection(BatchMode Mode, long? ChangedSince, IReadOnlyList<ServingVersion> ServingVersions)
{
    /// <summary>Every student.</summary>
    public static StudentSelection All { get; } = new(BatchMode.Full, null, []);
}
