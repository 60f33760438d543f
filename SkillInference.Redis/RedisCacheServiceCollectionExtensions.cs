using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SkillInference;
using SkillInference.Caching;
using SkillInference.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Redis result cache.</summary>
public static class RedisCacheServiceCollectionExtensions
{
    /// <summary>
    /// Caches results in memory and in a shared Redis (replacing the in-memory default). Redis trouble never fails a
    /// request: lookups have a time budget and a circuit breaker skips Redis while it is down.
    /// </summary>
    /// <param name="builder">The SkillInference builder.</param>
    /// <param name="configuration">The StackExchange.Redis configuration string.</param>
    /// <param name="configure">Further options.</param>
    public static SkillInferenceBuilder UseRedisCache(this SkillInferenceBuilder builder, string configuration, Action<RedisCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(configuration);
        builder.Services.AddOptions<RedisCacheOptions>()
            .Configure(o =>
            {
                o.Configuration = configuration;
                configure?.Invoke(o);
            })
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisCacheOptions>, RedisCacheOptionsValidator>());
        builder.Services.TryAddSingleton(sp => new RedisInferenceCache(
            sp.GetRequiredService<IOptions<RedisCacheOptions>>(),
            sp.GetRequiredService<IOptions<InferenceCacheOptions>>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<RedisInferenceCache>>()));
        builder.Services.Replace(ServiceDescriptor.Singleton<IInferenceCache>(sp => sp.GetRequiredService<RedisInferenceCache>()));
        return builder;
    }
}
