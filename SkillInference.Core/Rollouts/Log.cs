using Microsoft.Extensions.Logging;

namespace SkillInference.Rollouts;

internal static partial class Log
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Rollout {RolloutId} of {Skill}@{Version} started by {Actor}: steps {Steps}")]
    public static partial void Started(ILogger logger, string rolloutId, string skill, string version, string actor, string steps);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Rollout {RolloutId} of {Skill}@{Version} stepped to {Weight} % by {Actor}")]
    public static partial void Stepped(ILogger logger, string rolloutId, string skill, string version, double weight, string actor);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Information, Message = "Rollout {RolloutId} of {Skill}@{Version} ended {State} by {Actor}: {Reason}")]
    public static partial void Ended(ILogger logger, string rolloutId, string skill, string version, string state, string actor, string reason);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Debug, Message = "Rollout of {Skill}: the registry changed meanwhile; evaluating again at the next tick")]
    public static partial void Conflict(ILogger logger, string skill);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Warning, Message = "Rollout driver failed for {Skill}; retrying at the next tick")]
    public static partial void DriveFailed(ILogger logger, Exception exception, string skill);

    [LoggerMessage(EventId = 9006, Level = LogLevel.Information, Message = "Rollout {RolloutId} of {Skill}@{Version} is {State} by {Actor}")]
    public static partial void StateChanged(ILogger logger, string rolloutId, string skill, string version, string state, string actor);

    [LoggerMessage(EventId = 9007, Level = LogLevel.Warning, Message = "Rollout driver could not read the registry; retrying at the next tick")]
    public static partial void ReadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9008, Level = LogLevel.Warning, Message = "Monitoring notifier {Notifier} failed on a rollout notice")]
    public static partial void NotifierFailed(ILogger logger, Exception exception, string notifier);
}
