using Microsoft.Extensions.Diagnostics.HealthChecks;
using SkillInference.Inference;

namespace SkillInference.Host.Health;

/// <summary>
/// Ready when every skill the registry deploys has a model loaded. Anyone may ask (the probes have no credential), so
/// the answer says which skills are not ready, never why: load failures and registry errors name buckets, paths and
/// accounts, and go to the log (the catalog logs each one) and to <c>/metrics</c>.
/// </summary>
internal sealed class ModelsHealthCheck(ISkillInferenceService service) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = service.Status;
        var failed = status.Failures.Select(f => f.Skill).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (status.IsReady)
        {
            return Task.FromResult(failed.Length == 0
                ? HealthCheckResult.Healthy($"{status.LiveVersions.Count} skills loaded.")
                : HealthCheckResult.Degraded("Every skill is served, but a newer version of some failed to load; the previous versions serve.", data: new Dictionary<string, object> { ["notUpdated"] = failed }));
        }

        var missing = status.RegisteredSkills.Except(status.LiveVersions.Keys).Order(StringComparer.Ordinal).ToArray();
        var description = !status.Initialized ? "Models are loading."
            : status.RegisteredSkills.Count == 0 ? "No skill is deployed."
            : "Some deployed skills have no model loaded.";
        return Task.FromResult(HealthCheckResult.Unhealthy(description, data: new Dictionary<string, object> { ["notReady"] = missing }));
    }
}
