using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SkillInference;
using SkillInference.Batch;
using SkillInference.GoogleCloud.CloudTasks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Cloud Tasks shard dispatcher.</summary>
public static class CloudTasksSkillInferenceBuilderExtensions
{
    /// <summary>
    /// Dispatches batch shards through Cloud Tasks (<see cref="CloudTasksShardDispatcher"/>) instead of in this process,
    /// with options bound from <paramref name="configuration"/> (e.g. <c>SkillInference:Batch:CloudTasks</c>) and validated
    /// at start-up. Access tokens come from Application Default Credentials unless an
    /// <see cref="ICloudTasksTokenSource"/> is registered.
    /// </summary>
    public static SkillInferenceBuilder UseCloudTasksDispatcher(this SkillInferenceBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        return builder.UseCloudTasksDispatcher(o => configuration.Bind(o));
    }

    /// <summary>Dispatches batch shards through Cloud Tasks, with options set in code.</summary>
    public static SkillInferenceBuilder UseCloudTasksDispatcher(this SkillInferenceBuilder builder, Action<CloudTasksOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<CloudTasksOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CloudTasksOptions>, CloudTasksOptionsValidator>());
        services.TryAddSingleton<ICloudTasksTokenSource, GoogleCredentialTokenSource>();
        services.Replace(ServiceDescriptor.Singleton<IShardDispatcher>(sp => new CloudTasksShardDispatcher(
            CloudTasksHttp.Client,
            sp.GetRequiredService<ICloudTasksTokenSource>(),
            sp.GetRequiredService<IOptions<CloudTasksOptions>>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<CloudTasksShardDispatcher>>())));
        return builder;
    }
}
