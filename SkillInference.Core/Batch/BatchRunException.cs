namespace SkillInference.Batch;

/// <summary>A batch run could not start, or a shard failed it.</summary>
internal sealed class BatchRunException : SkillInferenceException
{
    /// <summary>Creates the exception.</summary>
    public BatchRunException(BatchRunErrorKind kind, string message, Guid? runId = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        RunId = runId;
    }

    /// <summary>Why.</summary>
    public BatchRunErrorKind Kind { get; }

    /// <summary>The run concerned (the one in progress, for <see cref="BatchRunErrorKind.AlreadyRunning"/>).</summary>
    public Guid? RunId { get; }
}
