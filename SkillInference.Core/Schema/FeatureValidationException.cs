namespace SkillInference.Schema;

/// <summary>A request's features did not satisfy the skill's feature schema.</summary>
public sealed class FeatureValidationException : SkillInferenceException
{
    /// <summary>Creates the exception from the errors found (at least one).</summary>
    public FeatureValidationException(string skill, IReadOnlyList<FeatureError> errors)
        : base(BuildMessage(skill, errors))
    {
        ArgumentNullException.ThrowIfNull(errors);
        Skill = skill;
        Errors = errors;
    }

    /// <summary>The skill whose schema was violated.</summary>
    public string Skill { get; }

    /// <summary>Every rejected feature.</summary>
    public IReadOnlyList<FeatureError> Errors { get; }

    /// <summary>The sentence describing a skill's rejected features (never their values).</summary>
    internal static string Describe(string skill, IReadOnlyList<FeatureError> errors) =>
        $"The features for skill '{skill}' are invalid: " + string.Join("; ", errors.Select(e => e.Message));

    private static string BuildMessage(string skill, IReadOnlyList<FeatureError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return Describe(skill, errors);
    }
}
