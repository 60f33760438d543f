namespace SkillInference.GoogleCloud.CloudTasks;

/// <summary>A shard could not be queued in Cloud Tasks.</summary>
public sealed class CloudTasksException : SkillInferenceException
{
    /// <summary>Creates the exception.</summary>
    public CloudTasksException(CloudTasksErrorKind kind, int? statusCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        StatusCode = statusCode;
    }

    /// <summary>Transient or permanent.</summary>
    public CloudTasksErrorKind Kind { get; }

    /// <summary>The API's HTTP status, when it answered.</summary>
    public int? StatusCode { get; }
}
