namespace SkillInference.Schema;

/// <summary>A feature schema (in a catalog or a bundle manifest) is malformed.</summary>
public sealed class SchemaValidationException : SkillInferenceException
{
    /// <summary>Creates the exception from the problems found.</summary>
    public SchemaValidationException(IReadOnlyList<string> problems)
        : base("The feature schema is invalid: " + string.Join("; ", problems ?? []))
    {
        Problems = problems ?? [];
    }

    /// <summary>Each problem, as a sentence.</summary>
    public IReadOnlyList<string> Problems { get; }
}
