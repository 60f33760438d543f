namespace SkillInference.Host.Configuration;

/// <summary>
/// The host's batch settings in <c>SkillInference:Batch</c>, beside the worker's own
/// (<see cref="SkillInference.Batch.BatchOptions"/>: <c>ShardSize</c>, retries, parallelism).
/// </summary>
public sealed class BatchHostOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "SkillInference:Batch";

    /// <summary>
    /// How runs dispatch their shards: <c>InProcess</c> (the default) or <c>CloudTasks</c> (configure
    /// <c>SkillInference:Batch:CloudTasks</c>: ProjectId, Location, Queue, TargetUrl, ServiceAccountEmail, Audience).
    /// </summary>
    /// <value>Defaults to <c>InProcess</c>.</value>
    public string Dispatcher { get; set; } = "InProcess";

    /// <summary>The in-process daily schedule.</summary>
    public BatchScheduleOptions Schedule { get; set; } = new();

    /// <summary>
    /// Whether shards go through Cloud Tasks: only then is <c>POST /api/v1/tasks/batch-inference</c> mapped, and it
    /// accepts ID tokens of the dispatcher's service account for its audience (scope <c>tasks</c>).
    /// </summary>
    public bool UsesCloudTasks => string.Equals(Dispatcher, "CloudTasks", StringComparison.OrdinalIgnoreCase);
}
