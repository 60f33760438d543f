namespace SkillInference.Host.Batch;

/// <summary>The outcome of validating a task caller's bearer token.</summary>
/// <param name="IsValid">Whether the token is genuine, current and for the audience.</param>
/// <param name="Email">The identity it names (a service account), when valid.</param>
/// <param name="Reason">Why it is not valid.</param>
public sealed record TaskTokenValidation(bool IsValid, string? Email, string? Reason)
{
    /// <summary>A valid token for an identity.</summary>
    public static TaskTokenValidation Valid(string? email) => new(true, email, null);

    /// <summary>An invalid token.</summary>
    public static TaskTokenValidation Invalid(string reason) => new(false, null, reason);
}
