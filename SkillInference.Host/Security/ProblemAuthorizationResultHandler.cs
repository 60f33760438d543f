using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;
using SkillInference.Host.Problems;

namespace SkillInference.Host.Security;

/// <summary>
/// Answers a refused request with problem details: 401 without a valid credential (with the schemes in
/// <c>WWW-Authenticate</c>), 403 with one that lacks the endpoint's scope, 503 with Retry-After when a token could not
/// be checked because the signing keys could not be fetched.
/// </summary>
internal sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        ProblemDetails problem;
        if (authorizeResult.Challenged && context.Items.ContainsKey(GoogleIdTokens.KeysUnavailableItem))
        {
            context.Response.Headers.RetryAfter = ProblemMapper.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            problem = ProblemMapper.Problem(StatusCodes.Status503ServiceUnavailable, "Token keys unavailable", "The signing keys needed to verify the bearer token could not be fetched; retry later.");
        }
        else if (authorizeResult.Challenged)
        {
            context.Response.Headers.WWWAuthenticate = $"ApiKey header=\"{ApiKeyAuthenticationHandler.HeaderName}\", Bearer";
            problem = ProblemMapper.Problem(StatusCodes.Status401Unauthorized, "Authentication required", $"Send a valid API key in the {ApiKeyAuthenticationHandler.HeaderName} header, or a Google-signed ID token as Authorization: Bearer TOKEN.");
        }
        else
        {
            var scopes = policy.Requirements.OfType<Microsoft.AspNetCore.Authorization.Infrastructure.ClaimsAuthorizationRequirement>()
                .SelectMany(r => r.AllowedValues ?? []).Distinct().ToArray();
            problem = ProblemMapper.Problem(StatusCodes.Status403Forbidden, "Scope required", $"The credential is valid but lacks the scope this endpoint needs ({string.Join(" or ", scopes)}).");
        }

        context.Response.StatusCode = problem.Status!.Value;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }).ConfigureAwait(false);
    }
}
