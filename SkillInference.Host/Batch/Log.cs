namespace SkillInference.Host.Batch;

internal static partial class Log
{
    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Shard task {TaskName} (retry {RetryCount}): shard {Shard} of run {RunId}")]
    public static partial void TaskReceived(ILogger logger, string taskName, int retryCount, int shard, Guid runId);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Shard {Shard} of run {RunId} failed transiently; answering 503 so that Cloud Tasks retries")]
    public static partial void TaskTransientFailure(ILogger logger, Exception exception, int shard, Guid runId);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Error, Message = "Shard {Shard} of run {RunId} failed permanently")]
    public static partial void TaskPermanentFailure(ILogger logger, Exception exception, int shard, Guid runId);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Warning, Message = "A shard task was refused: {Reason}")]
    public static partial void TaskUnauthorized(ILogger logger, string reason);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Information, Message = "Next scheduled {Mode} batch run at {NextRun:u}")]
    public static partial void NextScheduledRun(ILogger logger, SkillInference.Batch.BatchMode mode, DateTimeOffset nextRun);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Error, Message = "The scheduled batch run failed")]
    public static partial void ScheduledRunFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3207, Level = LogLevel.Information, Message = "The scheduled batch run was skipped: {Reason}")]
    public static partial void ScheduledRunSkipped(ILogger logger, string reason);

    [LoggerMessage(EventId = 3208, Level = LogLevel.Information, Message = "Batch database: {Kind}; {Applied} migration(s) applied at start-up")]
    public static partial void Migrated(ILogger logger, string kind, int applied);

    [LoggerMessage(EventId = 3209, Level = LogLevel.Warning, Message = "Could not apply the batch database migrations at start-up (transient); retrying in {DelaySeconds:0} s. Batch runs and shard tasks fail until they are applied")]
    public static partial void MigrationDeferred(ILogger logger, Exception exception, double delaySeconds);
}
