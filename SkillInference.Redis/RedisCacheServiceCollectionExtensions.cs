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

        // A shared cache names students and feature rows by keyed hashes: without a secret shared by every instance
        // (and unknown to anyone else) the ids behind Redis keys could be recovered by brute force.
        builder.Services.AddOptions<InferenceCacheOptions>()
            .Validate(o => o.KeySecret is { Length: >= RedisInferenceCache.MinKeySecretLength }, $"SkillInference:Cache:KeySecret is required for a Redis cache: a random secret of at least {RedisInferenceCache.MinKeySecretLength} characters, the same on every instance (e.g. openssl rand -hex 32, from a secret store). Without it the student ids behind Redis keys could be recovered by brute force.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(sp => new RedisInferenceCache(
            sp.GetRequiredService<IOptions<RedisCacheOptions>>(),
            sp.GetRequiredService<IOptions<InferenceCacheOptions>>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<RedisInferenceCache>>()));
        builder.Services.Replace(ServiceDescriptor.Singleton<IInferenceCache>(sp => sp.GetRequiredService<RedisInferenceCache>()));
        return builder;
    }
}
