using Microsoft.Extensions.Options;
using SkillInference.Host.Configuration;

namespace SkillInference.Host.Endpoints;

/// <summary>
/// For calls that only drop cached data: when operator API keys are configured, one must be sent in <c>X-Api-Key</c>;
/// without configured keys (local development) the call is open.
/// </summary>
internal sealed class IngestionKeyFilter(IOptionsMonitor<SkillInferenceHostOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (options.CurrentValue.Operators.ApiKeys.Count == 0)
        {
            return await next(context).ConfigureAwait(false);
        }

        return await new OperatorKeyFilter(options).InvokeAsync(context, next).ConfigureAwait(false);
    }
}
