using System.ComponentModel.DataAnnotations;

namespace SkillInference.Redis;

/// <summary>Options of the Redis layer (configuration section <c>SkillInference:Cache</c>, key <c>Redis</c> for the connection string).</summary>
public sealed class RedisCacheOptions
{
    /// <summary>The StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379,password=...</c>.</summary>
    [Required]
    public string Configuration { get; set; } = "";

    /// <summary>The prefix of every key and of the invalidation channel, so several deployments can share a Redis.</summary>
    /// <value>Defaults to <c>si:v1:</c>.</value>
    public string KeyPrefix { get; set; } = "si:v1:";

    /// <summary>The most a request waits for Redis before it is computed instead.</summary>
    /// <value>Defaults to 50 ms.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")]
    public TimeSpan OperationBudget { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Failed lookups (within 10 seconds, all of them failing) after which the breaker opens and Redis is skipped.</summary>
    /// <value>Defaults to 3.</value>
    [Range(2, 1000)]
    public int FailuresToOpen { get; set; } = 3;

    /// <summary>How long the breaker stays open before one lookup probes Redis again (stores never probe).</summary>
    /// <value>Defaults to 2 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The most student invalidations kept while Redis is unreachable, to be replayed when it is back. Past it the list
    /// is dropped, and the whole shared cache (of this key prefix) is cleared on every instance when Redis returns.
    /// </summary>
    /// <value>Defaults to 10,000.</value>
    [Range(1, 10_000_000)]
    public int MaxPendingInvalidations { get; set; } = 10_000;
}
