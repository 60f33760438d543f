namespace SkillInference.Inference;

/// <summary>A skill cannot be scored: it is unknown, or its model is not loaded.</summary>
public sealed class InferenceException : SkillInferenceException
{
    /// <summary>Creates the exception.</summary>
    public InferenceException(InferenceErrorKind kind, string skill, string message)
        : base(message)
    {
        Kind = kind;
        Skill = skill;
    }

    /// <summary>Why.</summary>
    public InferenceErrorKind Kind { get; }

    /// <summary>The skill requested.</summary>
    public string Skill { get; }
}
