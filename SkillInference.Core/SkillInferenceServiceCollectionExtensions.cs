using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SkillInference;
using SkillInference.Caching;
using SkillInference.Engines;
using SkillInference.Engines.MlNet;
using SkillInference.Bundles;
using SkillInference.Inference;
using SkillInference.Loading;
using SkillInference.Monitoring;
using SkillInference.Registry;
using SkillInference.Trees;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers SkillInference in a service collection.</summary>
public static class SkillInferenceServiceCollectionExtensions
{
    /// <summary>
    /// Adds the inference service (<see cref="ISkillInferenceService"/>), the registry, the ML.NET format and the
    /// background reload. Choose a model store with <see cref="UseFileSystemModelStore"/> or an adapter package.
    /// </summary>
    public static SkillInferenceBuilder AddSkillInference(this IServiceCollection services, Action<SkillInferenceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<SkillInferenceOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SkillInferenceOptions>, SkillInferenceOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new SkillInferenceMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IModelFormat, MlNetModelFormat>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IModelFormat, XGBoostModelFormat>());
        services.TryAddSingleton(sp => new ModelRegistry(
            sp.GetService<IModelStore>() ?? throw new InvalidOperationException("No model store is configured: call UseFileSystemModelStore(path) or an adapter's Use...ModelStore() after AddSkillInference()."),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetServices<IModelFormat>(),
            sp.GetService<ILogger<ModelRegistry>>()));
        services.AddOptions<InferenceCacheOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InferenceCacheOptions>, InferenceCacheOptionsValidator>());
        services.TryAddSingleton<IInferenceCache>(sp => new MemoryInferenceCache(sp.GetRequiredService<IOptions<InferenceCacheOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => sp.GetRequiredService<ModelRegistry>().Bundles);
        services.TryAddSingleton(sp => new ModelLoader(
            sp.GetRequiredService<BundleStore>(),
            sp.GetServices<IModelFormat>(),
            sp.GetRequiredService<IOptions<SkillInferenceOptions>>().Value.Engine,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ModelCatalog>();
        services.TryAddSingleton<InferencePipeline>();
        services.TryAddSingleton<ISkillInferenceService, SkillInferenceService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ModelReloadService>());
        return new SkillInferenceBuilder(services);
    }

    /// <summary>Turns the result cache off (by default results of requests with a student id are cached in memory).</summary>
    public static SkillInferenceBuilder WithoutCache(this SkillInferenceBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<IInferenceCache, NullInferenceCache>());
        return builder;
    }

    /// <summary>Configures the result cache (TTL, memory bound, key secret).</summary>
    public static SkillInferenceBuilder ConfigureCache(this SkillInferenceBuilder builder, Action<InferenceCacheOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Serves bundles from a local folder (the embedded default store).</summary>
    public static SkillInferenceBuilder UseFileSystemModelStore(this SkillInferenceBuilder builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        builder.Services.Replace(ServiceDescriptor.Singleton<IModelStore>(new FileSystemModelStore(path)));
        return builder;
    }

    /// <summary>Registers a model format (e.g. ONNX) beside the built-in ones.</summary>
    public static SkillInferenceBuilder AddModelFormat<TFormat>(this SkillInferenceBuilder builder)
        where TFormat : class, IModelFormat
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IModelFormat, TFormat>());
        return builder;
    }

    /// <summary>Registers something to run once before the first model load (e.g. seeding sample bundles).</summary>
    internal static SkillInferenceBuilder AddStoreInitializer<TInitializer>(this SkillInferenceBuilder builder)
        where TInitializer : class, IModelStoreInitializer
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IModelStoreInitializer, TInitializer>());
        return builder;
    }
}
