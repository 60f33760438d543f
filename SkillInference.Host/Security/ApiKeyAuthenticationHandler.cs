using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace SkillInference.Host.Security;

/// <summary>
/// Authenticates <c>X-Api-Key</c> against the <see cref="ApiKeyRegistry"/>. No header: no result (or the anonymous
/// principal when anonymous scopes are configured); an unknown key: a failure (401). The key never reaches a log.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyRegistry keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var values = Request.Headers[HeaderName];
        if (values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(keys.Anonymous is { } anonymous
                ? AuthenticateResult.Success(new AuthenticationTicket(anonymous, SchemeName))
                : AuthenticateResult.NoResult());
        }

        if (values.Count > 1)
        {
            return Task.FromResult(AuthenticateResult.Fail("More than one X-Api-Key header."));
        }

        var principal = keys.Authenticate(values[0]!);
        return Task.FromResult(principal is null
            ? AuthenticateResult.Fail("The API key is not a configured key.")
            : AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}
