namespace SkillInference.Registry;

/// <summary>A registry operation (publish, deploy, rollback, variants) was refused; nothing was changed.</summary>
internal sealed class RegistryException : SkillInferenceException
{
    /// <summary>Creates the exception.</summary>
    public RegistryException(RegistryErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Why the operation was refused.</summary>
    public RegistryErrorKind Kind { get; }
}
