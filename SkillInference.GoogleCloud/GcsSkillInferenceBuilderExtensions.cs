using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SkillInference;
using SkillInference.GoogleCloud.Storage;
using SkillInference.Registry;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Google Cloud adapters with SkillInference.</summary>
public static class GcsSkillInferenceBuilderExtensions
{
    /// <summary>
    /// Serves bundles from a Cloud Storage bucket (<see cref="GcsModelStore"/>) instead of a local folder. The options
    /// are validated at start-up; credentials are Application Default Credentials, or none with an emulator
    /// (<c>STORAGE_EMULATOR_HOST</c>).
    /// </summary>
    /// <param name="builder">The builder from <c>AddSkillInference</c>.</param>
    /// <param name="configure">Sets the bucket, prefix and retry settings.</param>
    public static SkillInferenceBuilder UseGcsModelStore(this SkillInferenceBuilder builder, Action<GcsModelStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddStore(builder).Configure(configure);
        return builder;
    }

    /// <summary>
    /// Serves bundles from a Cloud Storage bucket, with options bound from configuration (keys <c>Bucket</c>,
    /// <c>Prefix</c>, <c>EmulatorHost</c>, <c>MaxRetryAttempts</c>, <c>RetryDelay</c>, <c>MaxRetryDelay</c>,
    /// <c>AttemptTimeout</c>, <c>ListPageSize</c>).
    /// </summary>
    /// <param name="builder">The builder from <c>AddSkillInference</c>.</param>
    /// <param name="configuration">The section, e.g. <c>builder.Configuration.GetSection("SkillInference:Store")</c>.</param>
    public static SkillInferenceBuilder UseGcsModelStore(this SkillInferenceBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        AddStore(builder).Bind(configuration);
        return builder;
    }

    private static OptionsBuilder<GcsModelStoreOptions> AddStore(SkillInferenceBuilder builder)
    {
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GcsModelStoreOptions>, GcsModelStoreOptionsValidator>());
        services.Replace(ServiceDescriptor.Singleton<IModelStore>(sp => new GcsModelStore(
            sp.GetRequiredService<IOptions<GcsModelStoreOptions>>().Value,
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<GcsModelStore>>())));
        return services.AddOptions<GcsModelStoreOptions>().ValidateOnStart();
    }
}
