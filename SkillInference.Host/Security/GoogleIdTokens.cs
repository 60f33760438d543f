using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace SkillInference.Host.Security;

/// <summary>
/// Google-signed ID tokens through ASP.NET Core's JwtBearer handler: Google's issuer, the configured audiences, RS256
/// signatures by the keys of <see cref="GoogleIdTokenOptions.JwksUri"/> (fetched, cached and refreshed by the handler's
/// configuration manager), a verified email. The identity is the token's email; only the configured service accounts
/// get scopes. A malformed token, or any failure while validating one, is a 401, never a 500; signing keys that cannot
/// be fetched are a 503 with Retry-After (Cloud Tasks retries).
/// </summary>
internal static class GoogleIdTokens
{
    public const string SchemeName = "GoogleIdToken";

    /// <summary>Set on the request when the signing keys could not be fetched to validate its token.</summary>
    public const string KeysUnavailableItem = "skillinference.auth.keys-unavailable";

    private static readonly string[] GoogleIssuers = ["https://accounts.google.com", "accounts.google.com"];

    public static void Configure(JwtBearerOptions options, GoogleIdTokenOptions google)
    {
        var uri = new Uri(google.JwksUri, UriKind.Absolute);
        options.MapInboundClaims = false;
        options.RequireHttpsMetadata = uri.Scheme == Uri.UriSchemeHttps;
        options.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
            google.JwksUri,
            new JwksRetriever(),
            new HttpDocumentRetriever { RequireHttps = options.RequireHttpsMetadata });
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuers = GoogleIssuers,
            ValidAudiences = [.. google.Audiences],
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromMinutes(1),
            NameClaimType = "email",
        };
        var accounts = google.ServiceAccounts
            .GroupBy(a => a.Email.Trim(), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.SelectMany(a => a.Scopes).Distinct().ToArray(), StringComparer.OrdinalIgnoreCase);
        options.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                // The identity is the verified email; its scopes come from configuration, never from the token.
                var email = context.Principal?.FindFirst("email")?.Value;
                var verified = string.Equals(context.Principal?.FindFirst("email_verified")?.Value, "true", StringComparison.OrdinalIgnoreCase);
                if (email is null || !verified)
                {
                    context.Fail("The token has no verified email.");
                    return Task.CompletedTask;
                }

                context.Principal = ApiKeyRegistry.Principal(email, accounts.GetValueOrDefault(email) ?? [], SchemeName);
                return Task.CompletedTask;
            },
            OnAuthenticationFailed = async context =>
            {
                if (!await SigningKeysAvailableAsync(context.Options, context.HttpContext.RequestAborted).ConfigureAwait(false))
                {
                    context.HttpContext.Items[KeysUnavailableItem] = true;
                }

                // Whatever went wrong, the request is unauthenticated (a 401), not a server error.
                context.Fail(context.Exception.GetType().Name);
            },
        };
    }

    /// <summary>Whether the signing keys can be had (cached once fetched): if not, a token could not be checked at all.</summary>
    private static async Task<bool> SigningKeysAvailableAsync(JwtBearerOptions options, CancellationToken cancellationToken)
    {
        try
        {
            var configuration = await options.ConfigurationManager!.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
            return configuration.SigningKeys.Count > 0;
        }
#pragma warning disable CA1031 // Any failure to fetch the keys means the same: they are not available.
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    /// <summary>Reads a JSON Web Key Set document (Google publishes its ID-token keys as one, without discovery).</summary>
    private sealed class JwksRetriever : IConfigurationRetriever<OpenIdConnectConfiguration>
    {
        public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel)
        {
            var json = await retriever.GetDocumentAsync(address, cancel).ConfigureAwait(false);
            var keys = new JsonWebKeySet(json);
            var configuration = new OpenIdConnectConfiguration { JsonWebKeySet = keys };
            foreach (var key in keys.GetSigningKeys())
            {
                configuration.SigningKeys.Add(key);
            }

            return configuration;
        }
    }
}
