using Microsoft.Extensions.Logging;

namespace SkillInference.GoogleCloud.Storage;

internal static partial class Log
{
    [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "Model store {Location}: Cloud Storage emulator at {Emulator}, without credentials")]
    public static partial void UsingEmulator(ILogger logger, string location, string emulator);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Information, Message = "Model store {Location}: Cloud Storage with Application Default Credentials")]
    public static partial void UsingCloudStorage(ILogger logger, string location);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Warning, Message = "Cloud Storage {Operation} of {Path} in {Location} failed transiently (attempt {Attempt}: {Reason}); retrying in {DelayMs:0} ms")]
    public static partial void Retrying(ILogger logger, string operation, string path, string location, int attempt, string reason, double delayMs);

    [LoggerMessage(EventId = 8004, Level = LogLevel.Error, Message = "Cloud Storage {Operation} of {Path} in {Location} failed after {Attempts} attempt(s)")]
    public static partial void GaveUp(ILogger logger, Exception exception, string operation, string path, string location, int attempts);

    [LoggerMessage(EventId = 8005, Level = LogLevel.Information, Message = "A retried write of {Path} in {Location} met its precondition failure, but the object holds exactly the bytes written: the earlier attempt succeeded")]
    public static partial void EarlierAttemptLanded(ILogger logger, string path, string location);

    [LoggerMessage(EventId = 8006, Level = LogLevel.Debug, Message = "The download of {Path} in {Location} carried no hash header; checked against the object's MD5 instead")]
    public static partial void CheckedAgainstMetadata(ILogger logger, string path, string location);
}
