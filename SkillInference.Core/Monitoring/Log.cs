using Microsoft.Extensions.Logging;

namespace SkillInference.Monitoring;

/// <summary>Monitoring's log events (EventIds 5001–5099). They carry skills, versions, values and counts, never student ids.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Alert opened: {Kind} of {Skill} {ModelVersion}: {Summary}")]
    public static partial void AlertOpened(ILogger logger, string kind, string skill, string modelVersion, string summary);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Alert cleared: {Kind} of {Skill} {ModelVersion} after {GoodEvaluations} good evaluations: {Summary}")]
    public static partial void AlertCleared(ILogger logger, string kind, string skill, string modelVersion, int goodEvaluations, string summary);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Validation against teacher ratings: {Groups} skill/version/variant groups, {Pairs} rated pairs, {Alerts} in alert, {Insufficient} with insufficient data, in {DurationMs:0} ms")]
    public static partial void ValidationCompleted(ILogger logger, int groups, int pairs, int alerts, int insufficient, double durationMs);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Monitoring notice ({Kind} of {Skill}, {State}) not delivered to the webhook after {Attempts} attempt(s)")]
    public static partial void NoticeNotDelivered(ILogger logger, Exception? exception, string kind, string skill, string state, int attempts);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Error, Message = "Scheduled monitoring evaluation ({What}) failed; the next one runs on schedule")]
    public static partial void EvaluationFailed(ILogger logger, Exception exception, string what);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "Monitoring notice: {Kind} of {Skill} {ModelVersion} is {State}: {Summary}")]
    public static partial void Notice(ILogger logger, string kind, string skill, string modelVersion, string state, string summary);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "Monitoring notice ({Kind} of {Skill}, {State}) dropped: the webhook queue is full")]
    public static partial void NoticeDropped(ILogger logger, string kind, string skill, string state);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Debug, Message = "Monitoring notice ({Kind} of {Skill}, {State}) delivered to the webhook")]
    public static partial void NoticeDelivered(ILogger logger, string kind, string skill, string state);
}
