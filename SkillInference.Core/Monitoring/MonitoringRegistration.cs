using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SkillInference.Batch.Relational;
using SkillInference.Monitoring.Relational;

namespace SkillInference.Monitoring;

/// <summary>Registers monitoring over the batch database: the store, the alert model, the validation job and the agreement source.</summary>
internal static class MonitoringRegistration
{
    public static IServiceCollection AddRelationalMonitoring(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<MonitoringOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MonitoringOptions>, MonitoringOptionsValidator>());
        services.Replace(ServiceDescriptor.Singleton<IMonitoringStore>(sp => new RelationalMonitoringStore(sp.GetRequiredService<RelationalDatabase>(), sp.GetService<ILogger<RelationalMonitoringStore>>())));
        services.TryAddSingleton<IMonitoringNotifier>(sp => new LogMonitoringNotifier(sp.GetService<ILogger<LogMonitoringNotifier>>()));
        services.TryAddSingleton<MonitoringGauges>();
        services.TryAddSingleton(sp => new AlertManager(
            sp.GetRequiredService<IMonitoringStore>(), sp.GetRequiredService<IMonitoringNotifier>(), sp.GetRequiredService<MonitoringGauges>(),
            sp.GetRequiredService<IOptions<MonitoringOptions>>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<AlertManager>>()));
        services.TryAddSingleton(sp => new ValidationJob(
            sp.GetRequiredService<IMonitoringStore>(), sp.GetRequiredService<AlertManager>(), sp.GetRequiredService<MonitoringGauges>(),
            sp.GetRequiredService<IOptions<MonitoringOptions>>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<ValidationJob>>()));
        services.TryAddSingleton(sp => new DriftMonitor(sp.GetRequiredService<IOptions<MonitoringOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IInferenceObserver, DriftMonitor>(sp => sp.GetRequiredService<DriftMonitor>()));
        services.TryAddSingleton<IAgreementSource>(sp => sp.GetRequiredService<ValidationJob>());
        return services;
    }
}
