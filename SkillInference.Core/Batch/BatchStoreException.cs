namespace SkillInference.Batch;

/// <summary>
/// The batch database failed. Each adapter decides transient vs permanent in one place and throws this; callers
/// decide on <see cref="Kind"/> alone. Messages never contain student ids or feature values.
/// </summary>
internal sealed class BatchStoreException : SkillInferenceException
{
    /// <summary>Creates the exception.</summary>
    public BatchStoreException(BatchStoreErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Transient or permanent.</summary>
    public BatchStoreErrorKind Kind { get; }

    /// <summary>Whether retrying later may succeed.</summary>
    public bool IsTransient => Kind == BatchStoreErrorKind.Transient;
}
