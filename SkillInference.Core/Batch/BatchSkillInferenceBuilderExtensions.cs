using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SkillInference;
using SkillInference.Batch;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the batch worker: planner, shard handler and the in-process dispatcher.</summary>
public static class BatchSkillInferenceBuilderExtensions
{
    /// <summary>
    /// Adds the batch worker (<see cref="BatchRunner"/>, <see cref="ShardHandler"/>, the in-process
    /// <see cref="IShardDispatcher"/> unless another is registered). A database adapter (<c>UsePostgres</c>,
    /// <c>UseSqlite</c>) supplies <see cref="IFeatureSource"/> and <see cref="IAssessmentStore"/>. Safe to call more than once.
    /// </summary>
    public static SkillInferenceBuilder AddBatchInference(this SkillInferenceBuilder builder, Action<BatchOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<BatchOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BatchOptions>, BatchOptionsValidator>());
        services.TryAddSingleton<ShardHandler>();
        services.TryAddSingleton<BatchRunner>();
        services.TryAddSingleton<IShardDispatcher, InProcessShardDispatcher>();
        return builder;
    }
}
