using System.Net;

namespace SkillInference.GoogleCloud.CloudTasks;

/// <summary>The one place that decides whether a Cloud Tasks API failure is worth another attempt.</summary>
internal static class CloudTasksErrors
{
    /// <summary>408, 429 and 5xx answers are transient; other refusals are permanent.</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>A broken connection, or an attempt that timed out (not a cancellation the caller asked for).</summary>
    public static bool IsTransient(Exception exception, CancellationToken callerToken) => exception switch
    {
        HttpRequestException => true,
        IOException => true,
        OperationCanceledException => !callerToken.IsCancellationRequested,
        _ => false,
    };
}
