namespace SkillInference.Rollouts;

/// <summary>How this instance drives rollouts (configuration section <c>SkillInference:Rollouts</c> in the host).</summary>
internal sealed class RolloutOptions
{
    /// <summary>Whether this instance drives rollouts at all (default true); it still counts its traffic.</summary>
    public bool DriverEnabled { get; set; } = true;

    /// <summary>This instance's name in the lease (default: machine name, process id and a random suffix).</summary>
    public string InstanceId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>How often the driver evaluates (default 5 s).</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a lease lasts unless renewed (default 30 s); renewed when half of it is left.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>A request to start a rollout.</summary>
/// <param name="Version">The candidate version (published, not the deployed one).</param>
/// <param name="Steps">The candidate's share at each step, in percent, increasing, each in (0, 100]; default 10, 25, 50, 100.</param>
/// <param name="BakeTime">How long each step runs at least; default 30 minutes.</param>
/// <param name="Guards">Guard thresholds; defaults when null.</param>
/// <param name="Reason">Why, for the audit.</param>
internal sealed record RolloutRequest(string Version, IReadOnlyList<double>? Steps = null, TimeSpan? BakeTime = null, RolloutGuards? Guards = null, string? Reason = null)
{
    public static IReadOnlyList<double> DefaultSteps { get; } = [10, 25, 50, 100];

    public static TimeSpan DefaultBakeTime { get; } = TimeSpan.FromMinutes(30);
}

/// <summary>The operator actions on the current rollout.</summary>
internal enum RolloutAction
{
    Pause,
    Resume,
    Promote,
    Abort,
    Rollback,
}
