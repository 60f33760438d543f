namespace SkillInference.Host.Batch;

/// <summary>Validates the OIDC token Cloud Tasks sends with a shard task (signature, expiry, issuer, audience).</summary>
public interface ITaskTokenValidator
{
    /// <summary>Validates a bearer token for an audience.</summary>
    Task<TaskTokenValidation> ValidateAsync(string token, string audience, CancellationToken cancellationToken = default);
}
