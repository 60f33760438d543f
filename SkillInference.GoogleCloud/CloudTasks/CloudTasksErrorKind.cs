namespace SkillInference.GoogleCloud.CloudTasks;

/// <summary>Whether a Cloud Tasks API failure may go away on its own.</summary>
public enum CloudTasksErrorKind
{
    /// <summary>429, 5xx, a timeout or a broken connection, after the retries.</summary>
    Transient,

    /// <summary>Any other refusal (e.g. 403: the service account may not enqueue; 404: no such queue).</summary>
    Permanent,
}
