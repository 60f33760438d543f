namespace SkillInference.Registry;

/// <summary>Who makes a registry change and why; recorded in the skill's history.</summary>
/// <param name="Actor">A user name or service account.</param>
/// <param name="Reason">Why, in a sentence; optional.</param>
internal sealed record ChangeContext(string Actor, string? Reason = null)
{
    /// <summary>A context naming the current OS user.</summary>
    public static ChangeContext CurrentUser(string? reason = null) => new(Environment.UserName, reason);
}
