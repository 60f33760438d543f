using Microsoft.Extensions.Diagnostics.HealthChecks;
using SkillInference.Inference;

namespace SkillInference.Host.Health;

/// <summary>Ready when every skill the registry deploys has a model loaded.</summary>
internal sealed class ModelsHealthCheck(ISkillInferenceService service) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = service.Status;
        var data = new Dictionary<string, object>
        {
            ["registeredSkills"] = status.RegisteredSkills,
            ["liveVersions"] = status.LiveVersions,
            ["failures"] = status.Failures.Select(f => $"{f.Skill}@{f.Version}: {f.Reason}").ToArray(),
        };
        if (status.LastError is not null)
        {
            data["registryError"] = status.LastError;
        }

        if (status.IsReady)
        {
            return Task.FromResult(status.Failures.Count == 0
                ? HealthCheckResult.Healthy($"{status.LiveVersions.Count} skills loaded.", data)
                : HealthCheckResult.Degraded("Every skill is served, but some versions failed to load; the previous versions serve.", data: data));
        }

        var missing = status.RegisteredSkills.Except(status.LiveVersions.Keys).ToArray();
        var description = !status.Initialized ? "Models are loading."
            : status.RegisteredSkills.Count == 0 ? "The registry deploys no skill."
            : $"No model loaded for: {string.Join(", ", missing)}.";
        return Task.FromResult(HealthCheckResult.Unhealthy(description, data: data));
    }
}
