using SkillInference.Batch;

namespace SkillInference.Tests.Batch;

/// <summary>Wraps a real store: the first <see cref="FailingWrites"/> shard writes fail with <see cref="Failure"/>.</summary>
internal sealed class FlakyAssessmentStore(IAssessmentStore inner) : IAssessmentStore
{
    private int _writes;

    public int FailingWrites { get; set; }

    public BatchStoreErrorKind Failure { get; set; } = BatchStoreErrorKind.Transient;

    public Task<InferenceRun?> TryStartRunAsync(InferenceRun run, DateTimeOffset abandonBefore, CancellationToken cancellationToken = default) => inner.TryStartRunAsync(run, abandonBefore, cancellationToken);

    public Task RecordShardPlanAsync(Guid runId, IReadOnlyList<ShardTask> shards, CancellationToken cancellationToken = default) => inner.RecordShardPlanAsync(runId, shards, cancellationToken);

    public Task<ShardTask?> GetPlannedShardAsync(Guid runId, int shard, CancellationToken cancellationToken = default) => inner.GetPlannedShardAsync(runId, shard, cancellationToken);

    public Task<InferenceRun?> GetRunAsync(Guid runId, CancellationToken cancellationToken = default) => inner.GetRunAsync(runId, cancellationToken);

    public Task<InferenceRun?> GetLastSuccessfulRunAsync(CancellationToken cancellationToken = default) => inner.GetLastSuccessfulRunAsync(cancellationToken);

    public Task<IReadOnlyList<InferenceRun>> ListRecentRunsAsync(int count, CancellationToken cancellationToken = default) => inner.ListRecentRunsAsync(count, cancellationToken);

    public Task<bool> IsShardCompletedAsync(Guid runId, int shard, CancellationToken cancellationToken = default) => inner.IsShardCompletedAsync(runId, shard, cancellationToken);

    public Task<ShardWriteResult> WriteShardAsync(ShardWrite write, CancellationToken cancellationToken = default) =>
        Interlocked.Increment(ref _writes) <= FailingWrites
            ? throw new BatchStoreException(Failure, $"The database failed ({Failure}).")
            : inner.WriteShardAsync(write, cancellationToken);

    public Task<InferenceRun?> FinishRunAsync(Guid runId, RunStatus status, string? reason, DateTimeOffset finishedAt, CancellationToken cancellationToken = default) => inner.FinishRunAsync(runId, status, reason, finishedAt, cancellationToken);

    public Task<IReadOnlyList<InferenceFailure>> ListFailuresAsync(Guid runId, CancellationToken cancellationToken = default) => inner.ListFailuresAsync(runId, cancellationToken);

    public IAsyncEnumerable<SkillAssessment> ReadAssessmentsAsync(Guid? runId = null, CancellationToken cancellationToken = default) => inner.ReadAssessmentsAsync(runId, cancellationToken);
}
