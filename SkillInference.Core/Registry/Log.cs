using Microsoft.Extensions.Logging;

namespace SkillInference.Registry;

internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Published {Skill}@{Version} to {Location}")]
    public static partial void Published(ILogger logger, string skill, string version, string location);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Deployed {Skill}@{Version} (previously {Previous}) by {Actor}")]
    public static partial void Deployed(ILogger logger, string skill, string version, string? previous, string actor);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Rolled {Skill} back from {From} to {To} by {Actor}")]
    public static partial void RolledBack(ILogger logger, string skill, string from, string to, string actor);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Set {Count} traffic variants for {Skill} by {Actor}")]
    public static partial void VariantsSet(ILogger logger, string skill, int count, string actor);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Registry write conflict on {Operation} of {Skill}: the registry changed since it was read")]
    public static partial void Conflict(ILogger logger, string operation, string skill);
}
