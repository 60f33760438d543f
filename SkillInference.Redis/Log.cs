using Microsoft.Extensions.Logging;

namespace SkillInference.Redis;

internal static partial class Log
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Redis cache unavailable ({Reason}); requests are served from memory and computation until it recovers")]
    public static partial void BreakerOpened(ILogger logger, string reason);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Redis cache available again")]
    public static partial void Recovered(ILogger logger);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "More than {Limit} student invalidations could not reach Redis; the shared cache will be cleared when Redis is back")]
    public static partial void PendingInvalidationsOverflowed(ILogger logger, int limit);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Warning, Message = "Cleared {Keys} shared cache entries (invalidations were lost while Redis was down)")]
    public static partial void SharedCacheCleared(ILogger logger, long keys);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Replayed {Count} student invalidations that could not reach Redis while it was down")]
    public static partial void ReplayedInvalidations(ILogger logger, int count);
}
