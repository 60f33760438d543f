using SkillInference.Host.Batch;

namespace SkillInference.Tests.Host;

/// <summary>
/// Stands in for Google's ID-token validation (Google's certificate endpoint is not reachable here): the token
/// "valid-for|AUDIENCE|EMAIL" is valid for that audience and email; anything else is not.
/// </summary>
internal sealed class FakeTaskTokenValidator : ITaskTokenValidator
{
    public List<(string Token, string Audience)> Calls { get; } = [];

    public static string TokenFor(string audience, string email) => $"valid-for|{audience}|{email}";

    public Task<TaskTokenValidation> ValidateAsync(string token, string audience, CancellationToken cancellationToken = default)
    {
        Calls.Add((token, audience));
        var parts = token.Split('|', 3);
        return Task.FromResult(parts.Length == 3 && parts[0] == "valid-for" && audience == parts[1]
            ? TaskTokenValidation.Valid(parts[2])
            : TaskTokenValidation.Invalid("signature or audience mismatch"));
    }
}
