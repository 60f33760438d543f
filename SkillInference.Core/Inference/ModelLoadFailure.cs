namespace SkillInference.Inference;

/// <summary>A deployed or variant version that could not be loaded; the previous version, if any, keeps serving.</summary>
/// <param name="Skill">The skill.</param>
/// <param name="Version">The version that failed.</param>
/// <param name="Reason">Why.</param>
/// <param name="At">When the last attempt failed.</param>
public sealed record ModelLoadFailure(string Skill, string Version, string Reason, DateTimeOffset At);
