namespace SkillInference.Batch;

/// <summary>A row of <c>inference_runs</c>: what a batch run did, with its throughput.</summary>
internal sealed record InferenceRun
{
    /// <summary>The run id (a version 7 GUID: ordered by start time).</summary>
    public required Guid RunId { get; init; }

    /// <summary>Full or incremental.</summary>
    public required BatchMode Mode { get; init; }

    /// <summary>Running, succeeded or failed.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>When the run was planned.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When its last shard was stored (or it failed); null while running.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>
    /// The database's change watermark when the run was planned (<see cref="IFeatureSource.GetChangeWatermarkAsync"/>):
    /// the next incremental run scores students changed at or after it, once this run has succeeded.
    /// </summary>
    public long? Watermark { get; init; }

    /// <summary>Incremental runs: the previous successful run's watermark this run selected changes from.</summary>
    public long? ChangedSince { get; init; }

    /// <summary>
    /// The versions serving each skill when the run was planned, kept only while every assessment the run stored came
    /// from one of them; null when unknown (a run recorded before they were, or one that stored an assessment by another
    /// version: the deployment changed while it ran). Once the run has succeeded, every student it did not leave owing
    /// a failed item has an assessment by one of these versions for each of their skills, so the next incremental run
    /// need not look for students without one while these versions still serve.
    /// </summary>
    public IReadOnlyList<ServingVersion>? Serving { get; init; }

    /// <summary>How the shards were dispatched (e.g. <c>in-process</c>, <c>cloud-tasks</c>).</summary>
    public string Dispatcher { get; init; } = "";

    /// <summary>Shards planned.</summary>
    public int Shards { get; init; }

    /// <summary>Shards stored so far.</summary>
    public int ShardsCompleted { get; init; }

    /// <summary>Students selected when the run was planned.</summary>
    public int StudentsPlanned { get; init; }

    /// <summary>Students read by the stored shards.</summary>
    public int Students { get; init; }

    /// <summary>Skill scores produced.</summary>
    public long Predictions { get; init; }

    /// <summary>(student, skill) items recorded in <c>inference_failures</c>.</summary>
    public int Failures { get; init; }

    /// <summary>Assessment rows inserted (scores of unchanged features by the same model are not written again).</summary>
    public long Inserted { get; init; }

    /// <summary>Processing time, from planning to the last stored shard; null while running.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Students per second over <see cref="Duration"/>.</summary>
    public double? StudentsPerSecond { get; init; }

    /// <summary>Predictions per second over <see cref="Duration"/>.</summary>
    public double? PredictionsPerSecond { get; init; }

    /// <summary>Time the shards spent reading features, summed over shards (shards may run in parallel).</summary>
    public TimeSpan ReadTime { get; init; }

    /// <summary>Time the shards spent scoring, summed over shards.</summary>
    public TimeSpan ScoreTime { get; init; }

    /// <summary>Time the shards spent storing, summed over shards.</summary>
    public TimeSpan WriteTime { get; init; }

    /// <summary>Why the run failed; null otherwise.</summary>
    public string? Error { get; init; }
}
