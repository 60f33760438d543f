using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using SkillInference.Host.Configuration;

namespace SkillInference.Host.Security;

/// <summary>
/// Authentication and authorization from configuration: the API-key scheme, the Google ID-token scheme (when an
/// audience and a service account are configured, or the dispatcher is Cloud Tasks), one policy per scope, problem
/// details for 401/403, and the embedded default's local key file.
/// </summary>
internal static partial class SecurityConfiguration
{
    /// <summary>The scheme that picks the API-key or the ID-token scheme by the request's headers.</summary>
    public const string SchemeName = "SkillInference";

    public static WebApplicationBuilder AddSkillInferenceSecurity(this WebApplicationBuilder builder, string workingDirectory)
    {
        var auth = Effective(builder.Configuration, workingDirectory, out var localKey);
        var keys = new ApiKeyRegistry(auth); // validates now: a wrong setting stops the start with its name
        var services = builder.Services;
        services.AddSingleton(keys);
        services.AddSingleton(new LocalKeyNotice(localKey?.Path, localKey?.Created ?? false));
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();

        var google = auth.GoogleIdTokens;
        foreach (var account in google.ServiceAccounts)
        {
            ApiKeyRegistry.CheckScopes(account.Scopes, $"{AuthOptions.SectionName}:GoogleIdTokens:ServiceAccounts ({account.Email})");
        }

        var authentication = services.AddAuthentication(SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddPolicyScheme(SchemeName, SchemeName, o => o.ForwardDefaultSelector = http =>
                google.Enabled && http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? GoogleIdTokens.SchemeName
                    : ApiKeyAuthenticationHandler.SchemeName);
        if (google.Enabled)
        {
            authentication.AddJwtBearer(GoogleIdTokens.SchemeName, o => GoogleIdTokens.Configure(o, google));
        }

        // One policy per scope; every endpoint names its own (the endpoint inventory test checks each mapped route).
        services.AddAuthorization();
        services.Configure<AuthorizationOptions>(o =>
        {
            foreach (var scope in Scopes.All)
            {
                o.AddPolicy(scope, Policy(scope));
            }
        });
        return builder;
    }

    /// <summary>Logs where the local key file is (never the key) when the embedded default uses one.</summary>
    public static void LogLocalKey(WebApplication app)
    {
        var notice = app.Services.GetRequiredService<LocalKeyNotice>();
        if (notice.Path is not null)
        {
            LogLocalKeyFile(app.Logger, notice.Created ? "created" : "uses", notice.Path);
        }
    }

    /// <summary>
    /// The options as configured, plus the Cloud Tasks dispatcher's service account (scope <c>tasks</c>) and audience,
    /// plus the local key when nothing else would let anyone in.
    /// </summary>
    internal static AuthOptions Effective(IConfiguration configuration, string workingDirectory, out (string Path, bool Created)? localKey)
    {
        var auth = configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        var batch = configuration.GetSection(BatchHostOptions.SectionName).Get<BatchHostOptions>() ?? new BatchHostOptions();
        if (batch.UsesCloudTasks)
        {
            var tasks = configuration.GetSection(BatchHostOptions.SectionName + ":CloudTasks");
            var audience = tasks["Audience"] is { Length: > 0 } a ? a : tasks["TargetUrl"];
            if (!string.IsNullOrWhiteSpace(audience) && !auth.GoogleIdTokens.Audiences.Contains(audience))
            {
                auth.GoogleIdTokens.Audiences.Add(audience);
            }

            if (tasks["ServiceAccountEmail"] is { Length: > 0 } email)
            {
                auth.GoogleIdTokens.ServiceAccounts.Add(new ServiceAccountOptions { Email = email, Scopes = [Scopes.Tasks] });
            }
        }

        localKey = null;
        if (auth.ApiKeys.Count == 0 && !auth.GoogleIdTokens.Enabled && auth.AnonymousScopes.Count == 0 && !string.IsNullOrWhiteSpace(auth.LocalKeyFile))
        {
            var path = Path.GetFullPath(auth.LocalKeyFile, workingDirectory);
            var (key, created) = LocalApiKeyFile.ReadOrCreate(path);
            auth.ApiKeys[LocalApiKeyFile.ClientName] = new ApiKeyOptions { Key = key, Scopes = [.. Scopes.All] };
            localKey = (path, created);
        }

        return auth;
    }

    private static AuthorizationPolicy Policy(string scope) => new AuthorizationPolicyBuilder(SchemeName)
        .RequireAuthenticatedUser()
        .RequireClaim(Scopes.ClaimType, scope)
        .Build();

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "No credential is configured (SkillInference:Auth): the host {Action} the local all-scopes API key in {Path}; send its content as X-Api-Key")]
    private static partial void LogLocalKeyFile(ILogger logger, string action, string path);

    /// <summary>Where the embedded default's key file is, if one is used.</summary>
    internal sealed record LocalKeyNotice(string? Path, bool Created);
}
