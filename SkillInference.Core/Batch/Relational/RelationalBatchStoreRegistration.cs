using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using SkillInference.Monitoring;

namespace SkillInference.Batch.Relational;

/// <summary>Registers the relational feature source and store over the <see cref="RelationalDatabase"/> a database adapter registered.</summary>
internal static class RelationalBatchStoreRegistration
{
    /// <summary>
    /// Registers <see cref="IFeatureSource"/>, <see cref="IStudentDataWriter"/> and <see cref="IAssessmentStore"/> over
    /// the registered <see cref="RelationalDatabase"/> (the last adapter registered wins), and adds the batch worker.
    /// </summary>
    public static SkillInferenceBuilder AddRelationalBatchStore(this SkillInferenceBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.Replace(ServiceDescriptor.Singleton(sp => new RelationalFeatureSource(sp.GetRequiredService<RelationalDatabase>(), sp.GetService<ILogger<RelationalFeatureSource>>())));
        services.Replace(ServiceDescriptor.Singleton(sp => new RelationalAssessmentStore(sp.GetRequiredService<RelationalDatabase>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<RelationalAssessmentStore>>())));
        services.Replace(ServiceDescriptor.Singleton<IFeatureSource>(sp => sp.GetRequiredService<RelationalFeatureSource>()));
        services.Replace(ServiceDescriptor.Singleton<IStudentDataWriter>(sp => sp.GetRequiredService<RelationalFeatureSource>()));
        services.Replace(ServiceDescriptor.Singleton<IAssessmentStore>(sp => sp.GetRequiredService<RelationalAssessmentStore>()));
        services.AddRelationalMonitoring();
        return builder.AddBatchInference();
    }
}
