using Microsoft.Extensions.Diagnostics.HealthChecks;
using SkillInference.Caching;

namespace SkillInference.Host.Health;

/// <summary>Reports the cache's state. Never unhealthy: a cache outage degrades speed, not answers.</summary>
internal sealed class CacheHealthCheck(IInferenceCache cache) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = cache.Status;
        var data = new Dictionary<string, object> { ["kind"] = status.Kind, ["memoryEntries"] = status.MemoryEntries };
        return Task.FromResult(status.Healthy
            ? HealthCheckResult.Healthy(status.Description, data)
            : HealthCheckResult.Degraded(status.Description, data: data));
    }
}
