using System.ComponentModel.DataAnnotations;

namespace SkillInference.Caching;

/// <summary>Options of the result cache (configuration section <c>SkillInference:Cache</c>).</summary>
public sealed class InferenceCacheOptions
{
    /// <summary>How long a cached result lives.</summary>
    /// <value>Defaults to 24 hours.</value>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long an entry stays in the in-process layer (at most <see cref="TimeToLive"/>).</summary>
    /// <value>Defaults to 10 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan MemoryTimeToLive { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The most entries the in-process layer holds before it evicts.</summary>
    /// <value>Defaults to 200,000.</value>
    [Range(100, 100_000_000)]
    public int MaxMemoryEntries { get; set; } = 200_000;

    /// <summary>
    /// The secret of the keyed hashes (HMAC-SHA256) that turn student ids and feature rows into cache keys: the same on
    /// every instance sharing a cache. Required (at least 16 characters; use 32 random bytes) for a shared cache, which refuses to start
    /// without it; an in-process cache keys with a random key of its own.
    /// </summary>
    public string? KeySecret { get; set; }
}
