using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using SkillInference.Host.Configuration;
using SkillInference.Host.Problems;

namespace SkillInference.Host.Endpoints;

/// <summary>Lets an operator endpoint through only with a configured API key in <c>X-Api-Key</c>; records the key's name as the actor.</summary>
internal sealed class OperatorKeyFilter(IOptionsMonitor<SkillInferenceHostOptions> options) : IEndpointFilter
{
    public const string HeaderName = "X-Api-Key";
    private const string ActorItem = "skillinference.actor";

    public static string ActorOf(HttpContext http) => http.Items[ActorItem] as string ?? "unknown";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var keys = options.CurrentValue.Operators.ApiKeys;
        if (keys.Count == 0)
        {
            return TypedResults.Problem(ProblemMapper.Problem(StatusCodes.Status403Forbidden, "Operator endpoints disabled", "No operator API keys are configured (SkillInference:Operators:ApiKeys); use the skillinf CLI against the store, or configure a key."));
        }

        var presented = context.HttpContext.Request.Headers[HeaderName].ToString();
        var match = presented.Length == 0 ? null : keys.FirstOrDefault(k => FixedTimeEquals(k.Value, presented)).Key;
        if (match is null)
        {
            return TypedResults.Problem(ProblemMapper.Problem(StatusCodes.Status401Unauthorized, "Operator key required", $"Send a valid operator API key in the {HeaderName} header."));
        }

        context.HttpContext.Items[ActorItem] = match;
        return await next(context).ConfigureAwait(false);
    }

    private static bool FixedTimeEquals(string expected, string presented) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
}
