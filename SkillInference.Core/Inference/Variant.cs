namespace SkillInference.Inference;

/// <summary>The names results give to the model that scored: <see cref="InferenceResult.Variant"/>.</summary>
internal static class Variant
{
    /// <summary>The deployed version scored.</summary>
    public const string Deployed = "deployed";

    /// <summary>A traffic variant scored.</summary>
    public const string Candidate = "variant";
}
