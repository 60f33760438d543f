using Microsoft.Extensions.Logging;

namespace SkillInference.Batch;

internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Batch run {RunId} ({Mode}) planned: {Students} students in {Shards} shards, dispatched {Dispatcher}")]
    public static partial void RunPlanned(ILogger logger, Guid runId, BatchMode mode, int students, int shards, string dispatcher);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Batch run {RunId} ({Mode}) {Status}: {Students} students, {Predictions} predictions, {Failures} failures, {Inserted} rows inserted in {DurationSeconds:0.000} s ({StudentsPerSecond:0} students/s, {PredictionsPerSecond:0} predictions/s; read {ReadSeconds:0.000} s, score {ScoreSeconds:0.000} s, write {WriteSeconds:0.000} s over all shards)")]
    public static partial void RunFinished(ILogger logger, Guid runId, BatchMode mode, RunStatus status, int students, long predictions, int failures, long inserted, double durationSeconds, double studentsPerSecond, double predictionsPerSecond, double readSeconds, double scoreSeconds, double writeSeconds);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "Batch run {RunId} failed: {Reason}")]
    public static partial void RunFailed(ILogger logger, Exception? exception, Guid runId, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug, Message = "Shard {Shard} of run {RunId} stored: {Students} students, {Predictions} predictions, {Failures} failures, {Inserted} rows inserted (read {ReadMs:0} ms, score {ScoreMs:0} ms, write {WriteMs:0} ms)")]
    public static partial void ShardStored(ILogger logger, int shard, Guid runId, int students, int predictions, int failures, int inserted, double readMs, double scoreMs, double writeMs);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "Shard {Shard} of run {RunId} was already stored; nothing written (a re-delivery)")]
    public static partial void ShardDuplicate(ILogger logger, int shard, Guid runId);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Shard {Shard} of run {RunId}: {Items} items failed after {Attempts} attempts and are recorded in inference_failures ({Kinds})")]
    public static partial void ItemsFailed(ILogger logger, int shard, Guid runId, int items, int attempts, string kinds);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Debug, Message = "Shard {Shard} of run {RunId}: retrying {Students} students (attempt {Attempt}; transient: {Transient})")]
    public static partial void RetryingItems(ILogger logger, int shard, Guid runId, int students, int attempt, bool transient);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "Shard {Shard} of run {RunId} failed transiently (attempt {Attempt} of {MaxAttempts}); retrying in {DelayMs:0} ms")]
    public static partial void ShardRetry(ILogger logger, Exception exception, int shard, Guid runId, int attempt, int maxAttempts, double delayMs);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "A batch run was not started: run {RunId} has been running since {StartedAt:o}")]
    public static partial void RunAlreadyInProgress(ILogger logger, Guid runId, DateTimeOffset startedAt);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Scoring a shard of run {RunId} threw {ExceptionType}; scoring its students one by one to isolate the failure")]
    public static partial void IsolatingScoringFailure(ILogger logger, Guid runId, string exceptionType);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Debug, Message = "Incremental run: the versions serving each skill are those of run {LastRunId}, which scored everyone it did not leave owing; students are selected by change and failure only")]
    public static partial void CoverageUnchanged(ILogger logger, Guid lastRunId);

    public static void RunFinished(ILogger logger, InferenceRun run)
    {
        if (!logger.IsEnabled(run.Status == RunStatus.Succeeded ? LogLevel.Information : LogLevel.Error))
        {
            return;
        }

        if (run.Status == RunStatus.Failed)
        {
            RunFailed(logger, null, run.RunId, run.Error ?? "unknown");
            return;
        }

        RunFinished(
            logger,
            run.RunId,
            run.Mode,
            run.Status,
            run.Students,
            run.Predictions,
            run.Failures,
            run.Inserted,
            run.Duration?.TotalSeconds ?? 0,
            run.StudentsPerSecond ?? 0,
            run.PredictionsPerSecond ?? 0,
            run.ReadTime.TotalSeconds,
            run.ScoreTime.TotalSeconds,
            run.WriteTime.TotalSeconds);
    }
}
