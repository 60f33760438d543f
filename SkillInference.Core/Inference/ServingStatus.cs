namespace SkillInference.Inference;

/// <summary>What the service serves now.</summary>
/// <param name="Initialized">Whether the registry has been read at least once.</param>
/// <param name="RegisteredSkills">The skills the registry deploys.</param>
/// <param name="LiveVersions">For each skill with a loaded model, the deployed version being served.</param>
/// <param name="Failures">Versions that failed to load at the last attempt.</param>
/// <param name="LastRefresh">When the registry was last checked.</param>
/// <param name="LastError">Why the last registry check failed, if it did.</param>
public sealed record ServingStatus(
    bool Initialized,
    IReadOnlyList<string> RegisteredSkills,
    IReadOnlyDictionary<string, string> LiveVersions,
    IReadOnlyList<ModelLoadFailure> Failures,
    DateTimeOffset? LastRefresh,
    string? LastError)
{
    /// <summary>Ready: the registry was read, it deploys at least one skill, and every deployed skill has a model loaded.</summary>
    public bool IsReady => Initialized && RegisteredSkills.Count > 0 && RegisteredSkills.All(LiveVersions.ContainsKey);
}
