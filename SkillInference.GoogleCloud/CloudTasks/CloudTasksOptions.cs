using System.ComponentModel.DataAnnotations;

namespace SkillInference.GoogleCloud.CloudTasks;

/// <summary>
/// Where the Cloud Tasks dispatcher queues a run's shards (configuration section
/// <c>SkillInference:Batch:CloudTasks</c>): one HTTP task per shard to the host's <c>/api/v1/tasks/batch-inference</c>.
/// </summary>
public sealed class CloudTasksOptions
{
    /// <summary>The Google Cloud project of the queue. Required.</summary>
    [Required]
    public string ProjectId { get; set; } = "";

    /// <summary>The queue's location, e.g. <c>europe-west1</c>. Required.</summary>
    [Required]
    public string Location { get; set; } = "";

    /// <summary>The queue's name. Required.</summary>
    [Required]
    public string Queue { get; set; } = "";

    /// <summary>The task target: the host's shard endpoint, e.g. <c>https://skills-xyz.a.run.app/api/v1/tasks/batch-inference</c>. Required.</summary>
    [Required]
    [Url]
    public string TargetUrl { get; set; } = "";

    /// <summary>
    /// The service account Cloud Tasks signs an OIDC token as, for the target to verify. Empty: tasks carry no token
    /// (only for targets that are not publicly reachable).
    /// </summary>
    public string ServiceAccountEmail { get; set; } = "";

    /// <summary>The OIDC token's audience; the target checks it.</summary>
    /// <value>Defaults to empty: the <see cref="TargetUrl"/>.</value>
    public string Audience { get; set; } = "";

    /// <summary>The Cloud Tasks API's root.</summary>
    /// <value>Defaults to <c>https://cloudtasks.googleapis.com/</c>.</value>
    [Required]
    [Url]
    public string ApiEndpoint { get; set; } = "https://cloudtasks.googleapis.com/";

    /// <summary>How long Cloud Tasks waits for the target to answer one attempt before it counts as failed.</summary>
    /// <value>Defaults to 10 minutes (Cloud Tasks allows 15 seconds to 30 minutes).</value>
    [Range(typeof(TimeSpan), "00:00:15", "00:30:00")]
    public TimeSpan DispatchDeadline { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Attempts to create one task when the API answers 429 or 5xx, or the connection fails.</summary>
    /// <value>Defaults to 4.</value>
    [Range(1, 10)]
    public int MaxCreateAttempts { get; set; } = 4;

    /// <summary>The wait before the second attempt to create a task; doubled at each attempt.</summary>
    /// <value>Defaults to 500 milliseconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Tasks created at once.</summary>
    /// <value>Defaults to 8.</value>
    [Range(1, 64)]
    public int MaxParallelCreates { get; set; } = 8;

    /// <summary>The queue's resource name: <c>projects/P/locations/L/queues/Q</c>.</summary>
    public string QueuePath => $"projects/{ProjectId}/locations/{Location}/queues/{Queue}";
}
