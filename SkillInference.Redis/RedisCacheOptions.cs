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

    /// <summary>Consecutive Redis failures after which the breaker opens and Redis is skipped.</summary>
    /// <value>Defaults to 3.</value>
    [Range(1, 1000)]
    public int FailuresToOpen { get; set; } = 3;

    /// <summary>How long the breaker stays open before one request probes Redis again.</summary>
    /// <value>Defaults to 2 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(2);
}
