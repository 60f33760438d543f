namespace SkillInference.Host.Contracts.V1;

/// <summary>
/// One shard of a batch run, as a Cloud Tasks task carries it (the dispatcher writes it; see docs/batch.md). Only
/// <see cref="RunId"/> and <see cref="Shard"/> are needed: the host serves the shard as it was planned (recorded in the
/// database), and refuses a task whose other fields differ from the plan.
/// </summary>
public sealed record ShardTaskRequest
{
    /// <summary>The run (it must exist in <c>inference_runs</c>).</summary>
    public Guid? RunId { get; init; }

    /// <summary>The shard's index in the run, from 0.</summary>
    public int? Shard { get; init; }

    /// <summary>The keyset range's exclusive lower bound; null for the first shard.</summary>
    public string? AfterStudentId { get; init; }

    /// <summary>The keyset range's inclusive upper bound.</summary>
    public string? ThroughStudentId { get; init; }

    /// <summary><c>full</c> or <c>incremental</c>.</summary>
    public string? Mode { get; init; }

    /// <summary>Incremental: the previous successful run's change watermark; null for none.</summary>
    public long? ChangedSince { get; init; }

    /// <summary>Incremental: the versions serving each skill when the run was planned.</summary>
    public List<ServingVersionDto?>? ServingVersions { get; init; }
}
