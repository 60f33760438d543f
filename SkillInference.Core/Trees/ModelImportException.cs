namespace SkillInference.Trees;

/// <summary>A model file was refused at import: it is never served, rather than served wrong.</summary>
public sealed class ModelImportException : SkillInferenceException
{
    /// <summary>Creates the exception.</summary>
    public ModelImportException(ModelImportErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Why the model was refused.</summary>
    public ModelImportErrorKind Kind { get; }
}
