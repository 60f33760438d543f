using System.Net;
using Google;
using Polly.Timeout;
using SkillInference.Registry;

namespace SkillInference.GoogleCloud.Storage;

/// <summary>
/// The one place that decides what a Cloud Storage failure means: transient (retried, then
/// <see cref="ModelStoreErrorKind.Unavailable"/>), a failed precondition, or a refusal.
/// </summary>
internal static class GcsErrors
{
    /// <summary>
    /// 408, 429 and 5xx answers, broken connections, timed-out attempts and corrupt downloads: worth another attempt.
    /// A cancellation the caller asked for is not.
    /// </summary>
    public static bool IsTransient(Exception exception, CancellationToken callerToken) => exception switch
    {
        GoogleApiException api => api.HttpStatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)api.HttpStatusCode >= 500,
        TimeoutRejectedException => true,
        HttpRequestException => true,
        IOException => true, // includes the client library's "incorrect hash" on a corrupt download, and CorruptDownloadException
        OperationCanceledException => !callerToken.IsCancellationRequested, // HttpClient's own timeout
        _ => false,
    };

    public static bool IsPreconditionFailed(Exception exception) =>
        exception is GoogleApiException { HttpStatusCode: HttpStatusCode.PreconditionFailed };

    /// <summary>A 404 about the bucket rather than the object: the store is misconfigured, which must not read as "empty".</summary>
    public static bool IsBucketMissing(GoogleApiException exception) =>
        exception.HttpStatusCode == HttpStatusCode.NotFound && exception.Message.Contains("bucket does not exist", StringComparison.OrdinalIgnoreCase);

    public static bool IsObjectMissing(Exception exception) =>
        exception is GoogleApiException { HttpStatusCode: HttpStatusCode.NotFound } api && !IsBucketMissing(api);

    /// <summary>The store exception for a failure that was not retried, or that was retried until the attempts ran out.</summary>
    public static ModelStoreException ToStoreException(Exception exception, string location, string operation, string path, int attempts, CancellationToken callerToken)
    {
        var what = $"{operation} of '{path}' in {location}";
        if (IsTransient(exception, callerToken))
        {
            return new ModelStoreException(
                ModelStoreErrorKind.Unavailable,
                $"Cloud Storage did not complete the {what} after {attempts} attempt(s): {Describe(exception)}",
                exception);
        }

        if (exception is GoogleApiException api)
        {
            return api.HttpStatusCode switch
            {
                HttpStatusCode.PreconditionFailed => new ModelStoreException(ModelStoreErrorKind.PreconditionFailed, $"The {what} was refused: the object changed since it was read, or already exists.", exception),
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new ModelStoreException(
                    ModelStoreErrorKind.Refused,
                    $"Cloud Storage denied the {what} ({(int)api.HttpStatusCode}): the credentials in use (Application Default Credentials) need read and write access to the bucket, e.g. roles/storage.objectUser. {Describe(exception)}",
                    exception),
                HttpStatusCode.NotFound => new ModelStoreException(ModelStoreErrorKind.Refused, $"The {what} failed: the bucket does not exist or is not visible to these credentials. {Describe(exception)}", exception),
                _ => new ModelStoreException(ModelStoreErrorKind.Refused, $"Cloud Storage refused the {what} ({(int)api.HttpStatusCode}): {Describe(exception)}", exception),
            };
        }

        return new ModelStoreException(ModelStoreErrorKind.Refused, $"The {what} failed: {exception.Message}", exception);
    }

    public static string Describe(Exception exception) => exception switch
    {
        GoogleApiException api => $"HTTP {(int)api.HttpStatusCode} {api.Error?.Message ?? api.Message}",
        TimeoutRejectedException => "the attempt timed out",
        _ => exception.Message,
    };
}
