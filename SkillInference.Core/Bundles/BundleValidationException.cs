namespace SkillInference.Bundles;

/// <summary>A bundle failed verification; it is never published or served.</summary>
public sealed class BundleValidationException : SkillInferenceException
{
    /// <summary>Creates the exception.</summary>
    public BundleValidationException(BundleValidationErrorKind kind, string message, IReadOnlyList<string>? problems = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        Problems = problems ?? [message];
    }

    /// <summary>Why the bundle was refused.</summary>
    public BundleValidationErrorKind Kind { get; }

    /// <summary>Every problem found, as sentences.</summary>
    public IReadOnlyList<string> Problems { get; }
}
