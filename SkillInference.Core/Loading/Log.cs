using Microsoft.Extensions.Logging;

namespace SkillInference.Loading;

internal static partial class Log
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Loaded {Skill}@{Version} ({Format}, engine {Engine}) in {ElapsedMs:0} ms")]
    public static partial void ModelLoaded(ILogger logger, string skill, string version, string format, string engine, double elapsedMs);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Could not load {Skill}@{Version}; {Fallback}")]
    public static partial void ModelLoadFailed(ILogger logger, Exception exception, string skill, string version, string fallback);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Now serving {Skill}@{Version} (was {Previous})")]
    public static partial void Swapped(ILogger logger, string skill, string version, string previous);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Could not read the registry from {Location}; the loaded models keep serving")]
    public static partial void RegistryReadFailed(ILogger logger, Exception exception, string location);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Serving {Count} skills: {Skills}")]
    public static partial void Serving(ILogger logger, int count, string skills);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Skill {Skill} is no longer in the registry; unloaded")]
    public static partial void Unloaded(ILogger logger, string skill);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Error, Message = "Model store initializer {Initializer} failed")]
    public static partial void InitializerFailed(ILogger logger, Exception exception, string initializer);
}
