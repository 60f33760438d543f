namespace SkillInference.Host.Security;

/// <summary>Who may call the host (configuration section <c>SkillInference:Auth</c>); see docs/security.md.</summary>
public sealed class AuthOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "SkillInference:Auth";

    /// <summary>
    /// API keys by client name, sent as <c>X-Api-Key</c>. The client name is what logs, the registry's history and the
    /// rate limits see; the key itself is never logged.
    /// </summary>
    public Dictionary<string, ApiKeyOptions> ApiKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Google-signed ID tokens (Cloud Run service-to-service callers, Cloud Tasks), sent as <c>Authorization: Bearer</c>.</summary>
    public GoogleIdTokenOptions GoogleIdTokens { get; set; } = new();

    /// <summary>
    /// Scopes granted to a request without any credential. Empty by default: anonymous callers reach only
    /// <c>/health/live</c> and <c>/health/ready</c>. Set only where the network itself restricts callers.
    /// </summary>
    public List<string> AnonymousScopes { get; set; } = [];

    /// <summary>
    /// The key file the host creates on a first start when no API key, no service account and no anonymous scope is
    /// configured (the embedded default): one key with every scope, readable by its owner only. Relative to the working
    /// directory. Empty: never create one (the host then accepts no API key).
    /// </summary>
    /// <value>Defaults to <c>.skillinference/api-key</c>.</value>
    public string LocalKeyFile { get; set; } = ".skillinference/api-key";
}

/// <summary>One client's API key: the key itself or its SHA-256, and its scopes.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The key (at least 16 characters). Set this or <see cref="Hash"/>, not both.</summary>
    public string? Key { get; set; }

    /// <summary>The SHA-256 of the key's UTF-8 bytes, as 64 hex digits (so the configuration holds no usable secret).</summary>
    public string? Hash { get; set; }

    /// <summary>What the key may do: any of <c>score</c>, <c>ingest</c>, <c>operate</c>, <c>metrics</c>, <c>tasks</c>.</summary>
    public List<string> Scopes { get; set; } = [];
}

/// <summary>Google-signed ID tokens.</summary>
public sealed class GoogleIdTokenOptions
{
    /// <summary>
    /// The audiences a token must name (e.g. the service's URL). The Cloud Tasks dispatcher's audience (or target URL)
    /// is added when the dispatcher is Cloud Tasks.
    /// </summary>
    public List<string> Audiences { get; set; } = [];

    /// <summary>
    /// The service accounts allowed in, each with its scopes. A valid token of any other identity is authenticated but
    /// has no scope (403). The Cloud Tasks dispatcher's service account gets <c>tasks</c> when the dispatcher is Cloud Tasks.
    /// </summary>
    public List<ServiceAccountOptions> ServiceAccounts { get; set; } = [];

    /// <summary>Where Google's token signing keys are fetched (a JSON Web Key Set); cached and refreshed by the host.</summary>
    /// <value>Defaults to <c>https://www.googleapis.com/oauth2/v3/certs</c>.</value>
    public string JwksUri { get; set; } = "https://www.googleapis.com/oauth2/v3/certs";

    /// <summary>Whether any token could be accepted (an audience and a service account are configured).</summary>
    public bool Enabled => Audiences.Count > 0 && ServiceAccounts.Count > 0;
}

/// <summary>A service account allowed to call with Google-signed ID tokens.</summary>
public sealed class ServiceAccountOptions
{
    /// <summary>The service account's email, e.g. <c>tasks@project.iam.gserviceaccount.com</c>.</summary>
    public string Email { get; set; } = "";

    /// <summary>Its scopes.</summary>
    public List<string> Scopes { get; set; } = [];
}
