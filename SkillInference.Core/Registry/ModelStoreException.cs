namespace SkillInference.Registry;

/// <summary>A model store operation failed.</summary>
public sealed class ModelStoreException : SkillInferenceException
{
    /// <summary>Creates the exception.</summary>
    public ModelStoreException(ModelStoreErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Why the operation failed.</summary>
    public ModelStoreErrorKind Kind { get; }

    /// <summary>Whether retrying may succeed.</summary>
    public bool IsTransient => Kind == ModelStoreErrorKind.Unavailable;
}
