using Microsoft.Extensions.Logging;

namespace SkillInference.Redis;

internal static partial class Log
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Redis cache unavailable ({Reason}); requests are served from memory and computation until it recovers")]
    public static partial void BreakerOpened(ILogger logger, string reason);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Redis cache available again")]
    public static partial void Recovered(ILogger logger);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "No cache key secret is configured (SkillInference:Cache:KeySecret): student keys use a fixed development key. Set a secret shared by every instance in production")]
    public static partial void DevelopmentSecret(ILogger logger);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Replayed {Count} student invalidations that could not reach Redis while it was down")]
    public static partial void ReplayedInvalidations(ILogger logger, int count);
}
