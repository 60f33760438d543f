using System.ComponentModel.DataAnnotations;

namespace SkillInference.Host.Limits;

/// <summary>What one request may cost (configuration section <c>SkillInference:Limits</c>); see docs/security.md.</summary>
public sealed class LimitsOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "SkillInference:Limits";

    /// <summary>The largest body of <c>POST /infer</c> (one item); more is a 413 before it is read further.</summary>
    /// <value>Defaults to 64 KiB.</value>
    [Range(1024, 64L * 1024 * 1024)]
    public long MaxInferBodyBytes { get; set; } = 64 * 1024;

    /// <summary>The largest body of <c>POST /infer/batch</c>.</summary>
    /// <value>Defaults to 16 MiB (10,000 items of a few dozen features).</value>
    [Range(1024, 1024L * 1024 * 1024)]
    public long MaxBatchBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The largest body of every other endpoint (operator actions, invalidations, shard tasks).</summary>
    /// <value>Defaults to 64 KiB.</value>
    [Range(1024, 64L * 1024 * 1024)]
    public long MaxOtherBodyBytes { get; set; } = 64 * 1024;

    /// <summary>How many items of one batch may ask for an explanation (TreeSHAP costs far more than a score).</summary>
    /// <value>Defaults to 100.</value>
    [Range(0, 100_000)]
    public int MaxExplanationsPerRequest { get; set; } = 100;

    /// <summary>Requests per second each client (API-key client, service account, or an anonymous caller's address) may make on average.</summary>
    /// <value>Defaults to 200.</value>
    [Range(1, 1_000_000)]
    public int PermitsPerSecond { get; set; } = 200;

    /// <summary>How many requests a client may make at once above the average before it is answered 429.</summary>
    /// <value>Defaults to 400.</value>
    [Range(1, 10_000_000)]
    public int Burst { get; set; } = 400;
}
