using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using SkillInference.Host.Problems;

namespace SkillInference.Host.Limits;

/// <summary>
/// Per-client rate limits with ASP.NET Core's rate limiter: a token bucket per authenticated client (the API key's
/// client name or the token's service account), or per remote address for requests without a credential. Over it:
/// 429 with Retry-After, as problem details. The health probes are not limited.
/// </summary>
internal static class RateLimits
{
    public static IServiceCollection AddClientRateLimits(this IServiceCollection services, LimitsOptions limits)
    {
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => RateLimitPartition.GetTokenBucketLimiter(
                PartitionOf(http),
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.Burst,
                    TokensPerPeriod = limits.PermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            o.OnRejected = async (context, cancellationToken) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                var http = context.HttpContext;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var problem = ProblemMapper.Problem(StatusCodes.Status429TooManyRequests, "Too many requests", $"This client sent more than {limits.PermitsPerSecond} requests per second on average; retry after {seconds} s.");
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem }).ConfigureAwait(false);
            };
        });
        return services;
    }

    /// <summary>The client's name when authenticated, else its address.</summary>
    internal static string PartitionOf(HttpContext http) => http.User.Identity is { IsAuthenticated: true, Name: { } name }
        ? "client:" + name
        : "address:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
