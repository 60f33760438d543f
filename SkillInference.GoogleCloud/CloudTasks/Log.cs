using Microsoft.Extensions.Logging;

namespace SkillInference.GoogleCloud.CloudTasks;

internal static partial class Log
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Queued {Created} shard tasks of run {RunId} in {Queue} ({Existing} already existed)")]
    public static partial void Queued(ILogger logger, int created, Guid runId, string queue, int existing);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Creating the task for shard {Shard} of run {RunId} failed transiently (attempt {Attempt}: {Reason}); retrying in {DelayMs:0} ms")]
    public static partial void Retrying(ILogger logger, int shard, Guid runId, int attempt, string reason, double delayMs);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Debug, Message = "The task for shard {Shard} of run {RunId} already exists; not queued again")]
    public static partial void AlreadyQueued(ILogger logger, int shard, Guid runId);
}
