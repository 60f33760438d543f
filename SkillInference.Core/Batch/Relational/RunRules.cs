namespace SkillInference.Batch.Relational;

/// <summary>
/// The rules of a run's bookkeeping, the same for every database: which runs are abandoned, what a stored shard adds to
/// its run, when the last shard finishes it, and a finished run's duration and throughput. The stores read the run row,
/// apply these and write it back; no database computes any of it.
/// </summary>
internal static class RunRules
{
    /// <summary>Why an abandoned run failed.</summary>
    public const string AbandonedError = "Abandoned: still running after the abandon limit when a new run started.";

    /// <summary>Whether a run is still running although it started before <paramref name="abandonBefore"/>.</summary>
    public static bool IsAbandoned(InferenceRun run, DateTimeOffset abandonBefore) => run.Status == RunStatus.Running && run.StartedAt < abandonBefore;

    /// <summary>
    /// A run with a newly stored shard's counts and times added. When the shard stored an assessment by a version the run
    /// was not planned with (the deployment changed while it ran), the run's serving versions become unknown.
    /// </summary>
    public static InferenceRun AddShard(InferenceRun run, ShardStats stats, int inserted, TimeSpan writeTime, IReadOnlyList<AssessmentKind> scored) => run with
    {
        Serving = run.Serving is { } serving && scored.All(k => serving.Contains(new ServingVersion(k.Skill, k.ModelVersion))) ? serving : null,
        ShardsCompleted = run.ShardsCompleted + 1,
        Students = run.Students + stats.Students,
        Predictions = run.Predictions + stats.Predictions,
        Failures = run.Failures + stats.Failures,
        Inserted = run.Inserted + inserted,
        ReadTime = run.ReadTime + stats.ReadTime,
        ScoreTime = run.ScoreTime + stats.ScoreTime,
        WriteTime = run.WriteTime + writeTime,
    };

    /// <summary>Whether a running run has every planned shard stored, so it succeeds now.</summary>
    public static bool IsComplete(InferenceRun run) => run.Status == RunStatus.Running && run.ShardsCompleted >= run.Shards;

    /// <summary>
    /// A running run finished at <paramref name="finishedAt"/>: its duration since it started (never negative), and
    /// students and predictions per second over it (none over no time). A run that is not running stays as it is.
    /// </summary>
    public static InferenceRun Finish(InferenceRun run, RunStatus status, string? error, DateTimeOffset finishedAt)
    {
        if (run.Status != RunStatus.Running)
        {
            return run;
        }

        var duration = finishedAt > run.StartedAt ? finishedAt - run.StartedAt : TimeSpan.Zero;
        var seconds = duration.TotalSeconds;
        return run with
        {
            Status = status,
            FinishedAt = finishedAt,
            Error = error,
            Duration = duration,
            StudentsPerSecond = seconds > 0 ? run.Students / seconds : null,
            PredictionsPerSecond = seconds > 0 ? run.Predictions / seconds : null,
        };
    }
}
