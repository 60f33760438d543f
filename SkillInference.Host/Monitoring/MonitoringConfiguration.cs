using Microsoft.Extensions.DependencyInjection.Extensions;
using SkillInference.Monitoring;

namespace SkillInference.Host.Monitoring;

/// <summary>Wires monitoring in the host: options from <c>SkillInference:Monitoring</c>, the webhook notifier, the schedules.</summary>
internal static class MonitoringConfiguration
{
    public static IServiceCollection AddMonitoringFromConfiguration(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MonitoringOptions>().Bind(configuration.GetSection(MonitoringOptions.SectionName)).ValidateOnStart();
        services.AddHttpClient(WebhookMonitoringNotifier.HttpClientName);
        services.TryAddSingleton<WebhookMonitoringNotifier>();
        services.Replace(ServiceDescriptor.Singleton<IMonitoringNotifier>(sp => sp.GetRequiredService<WebhookMonitoringNotifier>()));
        services.AddHostedService(sp => sp.GetRequiredService<WebhookMonitoringNotifier>());
        services.AddHostedService<ValidationSchedulerService>();
        services.AddHostedService<DriftEvaluationService>();
        return services;
    }
}
