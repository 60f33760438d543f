namespace SkillInference.Batch;

/// <summary>Where the batch worker stores assessments, runs, shards and failures.</summary>
/// <remarks>Implementations throw <see cref="BatchStoreException"/> for database failures, classified transient or permanent.</remarks>
internal interface IAssessmentStore
{
    /// <summary>
    /// Records a new running run, unless another run is running that started after <paramref name="abandonBefore"/>:
    /// then nothing is recorded and that run is returned. Running runs that started earlier are marked failed (abandoned).
    /// </summary>
    /// <returns>Null when the run was recorded; else the run in progress.</returns>
    Task<InferenceRun?> TryStartRunAsync(InferenceRun run, DateTimeOffset abandonBefore, CancellationToken cancellationToken = default);

    /// <summary>Records the shards a run was planned with (after <see cref="TryStartRunAsync"/>): only these are accepted from a queue.</summary>
    Task RecordShardPlanAsync(Guid runId, IReadOnlyList<ShardTask> shards, CancellationToken cancellationToken = default);

    /// <summary>A planned shard of a run, as recorded at planning; null when the run has no such shard.</summary>
    Task<ShardTask?> GetPlannedShardAsync(Guid runId, int shard, CancellationToken cancellationToken = default);

    /// <summary>A run by id; null when unknown.</summary>
    Task<InferenceRun?> GetRunAsync(Guid runId, CancellationToken cancellationToken = default);

    /// <summary>The most recently started run that succeeded (its watermark drives incremental runs); null when none.</summary>
    Task<InferenceRun?> GetLastSuccessfulRunAsync(CancellationToken cancellationToken = default);

    /// <summary>The most recently started runs, newest first.</summary>
    Task<IReadOnlyList<InferenceRun>> ListRecentRunsAsync(int count, CancellationToken cancellationToken = default);

    /// <summary>Whether a shard of a run has been stored.</summary>
    Task<bool> IsShardCompletedAsync(Guid runId, int shard, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a shard in one transaction: upserts its assessments (rows already present are kept), records its failures
    /// (and keeps each failed item outstanding until a later shard scores it), and stats (with the time the store spent writing, up to its commit), and when it is the run's last shard, finishes
    /// the run with its totals and throughput. Storing the same shard again writes no duplicate rows and keeps the first
    /// stats.
    /// </summary>
    Task<ShardWriteResult> WriteShardAsync(ShardWrite write, CancellationToken cancellationToken = default);

    /// <summary>Finishes a run that is still running (a run with no shard, or a failed one, with the <paramref name="reason"/>); returns it, or null when unknown.</summary>
    Task<InferenceRun?> FinishRunAsync(Guid runId, RunStatus status, string? reason, DateTimeOffset finishedAt, CancellationToken cancellationToken = default);

    /// <summary>The failures a run recorded.</summary>
    Task<IReadOnlyList<InferenceFailure>> ListFailuresAsync(Guid runId, CancellationToken cancellationToken = default);

    /// <summary>Assessments, all or those a run wrote, ordered by student, skill and version.</summary>
    IAsyncEnumerable<SkillAssessment> ReadAssessmentsAsync(Guid? runId = null, CancellationToken cancellationToken = default);
}
