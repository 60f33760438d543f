using Google.Apis.Auth.OAuth2;

namespace SkillInference.GoogleCloud.CloudTasks;

/// <summary>Access tokens from Application Default Credentials (the Cloud Run service account in production), cached and refreshed by the library.</summary>
internal sealed class GoogleCredentialTokenSource : ICloudTasksTokenSource
{
    private const string Scope = "https://www.googleapis.com/auth/cloud-platform";
    private readonly Lazy<Task<ITokenAccess>> _credential = new(async () =>
        (await GoogleCredential.GetApplicationDefaultAsync().ConfigureAwait(false)).CreateScoped(Scope));

    public async Task<string> GetAccessTokenAsync(CancellationToken cancellationToken = default)
    {
        var credential = await _credential.Value.ConfigureAwait(false);
        return await credential.GetAccessTokenForRequestAsync(null, cancellationToken).ConfigureAwait(false);
    }
}
