using SkillInference.Caching;

namespace SkillInference.Host.Configuration;

/// <summary>
/// The result cache from configuration: <c>SkillInference:Cache:Kind</c> = <c>Memory</c> (default), <c>Redis</c>
/// (with <c>SkillInference:Cache:Redis</c>, a StackExchange.Redis connection string) or <c>None</c>; TTLs, bounds and
/// the key secret from the same section.
/// </summary>
internal static class CacheConfiguration
{
    public static SkillInferenceBuilder AddCacheFromConfiguration(this SkillInferenceBuilder builder, IConfigurationSection skillInference)
    {
        var section = skillInference.GetSection("Cache");
        builder.Services.Configure<InferenceCacheOptions>(section);
        var kind = section["Kind"] ?? "Memory";
        switch (kind.ToUpperInvariant())
        {
            case "MEMORY":
                return builder;
            case "NONE":
                return builder.WithoutCache();
            case "REDIS":
                var connection = section["Redis"];
                if (string.IsNullOrWhiteSpace(connection))
                {
                    throw new InvalidOperationException("SkillInference:Cache:Kind is Redis but SkillInference:Cache:Redis (the connection string, e.g. 127.0.0.1:6379) is not set.");
                }

                return builder.UseRedisCache(connection, o => section.GetSection("RedisOptions").Bind(o));
            default:
                throw new InvalidOperationException($"SkillInference:Cache:Kind '{kind}' is not supported; use Memory, Redis or None.");
        }
    }
}
