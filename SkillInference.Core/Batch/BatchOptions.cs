using System.ComponentModel.DataAnnotations;

namespace SkillInference.Batch;

/// <summary>Options of the batch worker (configuration section <c>SkillInference:Batch</c>).</summary>
public sealed class BatchOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "SkillInference:Batch";

    /// <summary>Students per shard: one read, one vectorized scoring pass per skill, one write.</summary>
    /// <value>Defaults to 1,000. From 1 to 100,000.</value>
    [Range(1, 100_000)]
    public int ShardSize { get; set; } = 1_000;

    /// <summary>
    /// How many times a failed item (a student whose features are invalid or whose scoring failed) is retried before it
    /// is recorded in <c>inference_failures</c>. Each retry re-reads the student's features first.
    /// </summary>
    /// <value>Defaults to 3.</value>
    [Range(0, 10)]
    public int MaxItemRetries { get; set; } = 3;

    /// <summary>The wait before the first retry of items whose failure was transient (e.g. a model still loading); doubled at each retry.</summary>
    /// <value>Defaults to 200 milliseconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ItemRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Shards the in-process dispatcher handles at once.</summary>
    /// <value>Defaults to 2.</value>
    [Range(1, 64)]
    public int MaxParallelShards { get; set; } = 2;

    /// <summary>How many times the in-process dispatcher tries a shard whose failure was transient (e.g. the database was unreachable) before the run fails.</summary>
    /// <value>Defaults to 3.</value>
    [Range(1, 20)]
    public int MaxShardAttempts { get; set; } = 3;

    /// <summary>The wait before the in-process dispatcher tries a shard again; doubled at each attempt.</summary>
    /// <value>Defaults to 2 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ShardRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A run still running after this long is considered abandoned: it no longer blocks a new run, which marks it failed.
    /// </summary>
    /// <value>Defaults to 6 hours.</value>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan AbandonRunsAfter { get; set; } = TimeSpan.FromHours(6);
}
