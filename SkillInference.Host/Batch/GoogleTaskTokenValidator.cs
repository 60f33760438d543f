using Google.Apis.Auth;

namespace SkillInference.Host.Batch;

/// <summary>Validates Google-signed ID tokens with Google.Apis.Auth (<see cref="GoogleJsonWebSignature.ValidateAsync(string, GoogleJsonWebSignature.ValidationSettings)"/>): Google's keys, expiry, issuer and audience.</summary>
internal sealed class GoogleTaskTokenValidator : ITaskTokenValidator
{
    public async Task<TaskTokenValidation> ValidateAsync(string token, string audience, CancellationToken cancellationToken = default)
    {
        try
        {
            var payload = await GoogleJsonWebSignature.ValidateAsync(token, new GoogleJsonWebSignature.ValidationSettings { Audience = [audience] }).ConfigureAwait(false);
            return TaskTokenValidation.Valid(payload.Email);
        }
        catch (InvalidJwtException ex)
        {
            return TaskTokenValidation.Invalid(ex.Message);
        }
    }
}
