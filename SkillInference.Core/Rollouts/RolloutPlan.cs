using System.Text.Json.Serialization;

namespace SkillInference.Rollouts;

/// <summary>The <see cref="RolloutPlan.State"/> values.</summary>
internal static class RolloutStates
{
    /// <summary>The candidate takes the step's share; the driver evaluates the guards.</summary>
    public const string Running = "running";

    /// <summary>Stopped by an operator: traffic stays at the step's weight, nothing is evaluated until resumed.</summary>
    public const string Paused = "paused";

    /// <summary>The bake time has elapsed but a guard lacks its minimum sample: the rollout waits for traffic.</summary>
    public const string WaitingForTraffic = "waiting_for_traffic";

    /// <summary>Ended: the candidate is the deployed version.</summary>
    public const string Promoted = "promoted";

    /// <summary>Ended: a guard failed (or an operator rolled back); all traffic went back to stable.</summary>
    public const string RolledBack = "rolled_back";

    /// <summary>Ended by an operator (or by a deploy or rollback): all traffic went back to stable.</summary>
    public const string Aborted = "aborted";

    /// <summary>True for the states in which the rollout still holds traffic.</summary>
    public static bool IsActive(string state) => state is Running or Paused or WaitingForTraffic;
}

/// <summary>
/// A guarded progressive rollout of one candidate version, stored in the skill's registration: the plan (steps, bake
/// time, guards), where it is (state, step, weight, why), every decision with the values it measured, and the lease of
/// the host instance driving it.
/// </summary>
internal sealed record RolloutPlan
{
    /// <summary>The rollout's id; also the experiment id the router hashes, so groups only grow across steps.</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>The candidate version.</summary>
    [JsonPropertyName("version")]
    public required string Version { get; init; }

    /// <summary>The stable version (deployed when the rollout started).</summary>
    [JsonPropertyName("stable")]
    public required string Stable { get; init; }

    /// <summary>The candidate's share of identified traffic at each step, in percent, increasing.</summary>
    [JsonPropertyName("steps")]
    public required IReadOnlyList<double> Steps { get; init; }

    /// <summary>How long each step runs before its guards may pass it.</summary>
    [JsonPropertyName("bakeTime")]
    public TimeSpan BakeTime { get; init; }

    /// <summary>The guards' thresholds.</summary>
    [JsonPropertyName("guards")]
    public RolloutGuards Guards { get; init; } = new();

    /// <summary><c>running</c>, <c>paused</c>, <c>waiting_for_traffic</c>, <c>promoted</c>, <c>rolled_back</c> or <c>aborted</c>.</summary>
    [JsonPropertyName("state")]
    public required string State { get; init; }

    /// <summary>The index of the current step in <see cref="Steps"/>.</summary>
    [JsonPropertyName("step")]
    public int Step { get; init; }

    /// <summary>The candidate's current share of identified traffic, in percent (0 once ended without promotion).</summary>
    [JsonPropertyName("weight")]
    public double Weight { get; init; }

    /// <summary>Why the rollout is in its state, in a sentence with the measured values.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; init; }

    /// <summary>When the current step started (its bake time counts from here; a resume restarts it).</summary>
    [JsonPropertyName("stepStartedAt")]
    public DateTimeOffset StepStartedAt { get; init; }

    /// <summary>Who started the rollout.</summary>
    [JsonPropertyName("createdBy")]
    public required string CreatedBy { get; init; }

    /// <summary>When it started.</summary>
    [JsonPropertyName("createdAt")]
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it ended.</summary>
    [JsonPropertyName("endedAt")]
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Every decision, oldest first: start, each step, waits, pauses, the end.</summary>
    [JsonPropertyName("decisions")]
    public IReadOnlyList<RolloutDecision> Decisions { get; init; } = [];

    /// <summary>The latest guard evaluation of the current step (rewritten with the lease, not appended).</summary>
    [JsonPropertyName("lastEvaluation")]
    public RolloutDecision? LastEvaluation { get; init; }

    /// <summary>The host instance driving the rollout, until the lease expires.</summary>
    [JsonPropertyName("lease")]
    public RolloutLease? Lease { get; init; }

    /// <summary>True while the rollout holds traffic.</summary>
    [JsonIgnore]
    public bool IsActive => RolloutStates.IsActive(State);

    /// <summary>Identifies the current step's run: counters of an earlier step (or before a resume) never count for it.</summary>
    [JsonIgnore]
    public string EpochKey => $"{Id}/{Step}/{StepStartedAt.UtcTicks}";

    /// <summary>The rollout ended in <paramref name="state"/>.</summary>
    public RolloutPlan End(string state, string reason, string actor, DateTimeOffset at, IReadOnlyList<GuardResult>? guards = null) => this with
    {
        State = state,
        Reason = reason,
        Weight = state == RolloutStates.Promoted ? 100 : 0,
        EndedAt = at,
        Lease = null,
        Decisions = [.. Decisions, new RolloutDecision { At = at, Action = state, Step = Step, Weight = Weight, Actor = actor, Reason = reason, Guards = guards ?? [] }],
    };
}

/// <summary>One decision of a rollout: what was done (or why nothing was), by whom, with every guard's measured value.</summary>
internal sealed record RolloutDecision
{
    /// <summary>When.</summary>
    [JsonPropertyName("at")]
    public DateTimeOffset At { get; init; }

    /// <summary><c>start</c>, <c>step</c>, <c>wait</c>, <c>pause</c>, <c>resume</c>, <c>promoted</c>, <c>rolled_back</c>, <c>aborted</c>, <c>evaluate</c>.</summary>
    [JsonPropertyName("action")]
    public required string Action { get; init; }

    /// <summary>The step index the decision was made at.</summary>
    [JsonPropertyName("step")]
    public int Step { get; init; }

    /// <summary>The candidate's weight (percent) when the decision was made.</summary>
    [JsonPropertyName("weight")]
    public double Weight { get; init; }

    /// <summary>Who decided: an operator, or the driving host instance.</summary>
    [JsonPropertyName("actor")]
    public required string Actor { get; init; }

    /// <summary>Why, with the deciding values.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; init; }

    /// <summary>Each guard's result.</summary>
    [JsonPropertyName("guards")]
    public IReadOnlyList<GuardResult> Guards { get; init; } = [];
}

/// <summary>The <see cref="GuardResult.Status"/> values.</summary>
internal static class GuardStatus
{
    /// <summary>Measured and within its threshold.</summary>
    public const string Pass = "pass";

    /// <summary>Measured and beyond its threshold: the rollout is rolled back.</summary>
    public const string Fail = "fail";

    /// <summary>Not enough samples yet.</summary>
    public const string Waiting = "waiting";

    /// <summary>Does not apply at this step (e.g. a comparison with stable when stable takes no traffic).</summary>
    public const string NotApplicable = "not_applicable";
}

/// <summary>One guard's measurement at one evaluation.</summary>
internal sealed record GuardResult
{
    /// <summary><c>error_rate</c>, <c>latency_p99</c>, <c>score_psi</c>, <c>sample_ratio</c> or <c>correlation</c>.</summary>
    [JsonPropertyName("guard")]
    public required string Guard { get; init; }

    /// <summary><c>pass</c>, <c>fail</c>, <c>waiting</c> or <c>not_applicable</c>.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>The measured value (a rate, milliseconds, a PSI, a p-value, r).</summary>
    [JsonPropertyName("value")]
    public double? Value { get; init; }

    /// <summary>The threshold it was compared with.</summary>
    [JsonPropertyName("threshold")]
    public double? Threshold { get; init; }

    /// <summary>The samples it was measured on.</summary>
    [JsonPropertyName("n")]
    public long? N { get; init; }

    /// <summary>The minimum sample the guard needs.</summary>
    [JsonPropertyName("minN")]
    public long? MinN { get; init; }

    /// <summary>One sentence.</summary>
    [JsonPropertyName("detail")]
    public required string Detail { get; init; }
}

/// <summary>The lease of the host instance driving a rollout; another instance may take over once it expires.</summary>
/// <param name="Holder">The instance id.</param>
/// <param name="ExpiresAt">When the lease expires unless renewed.</param>
internal sealed record RolloutLease(
    [property: JsonPropertyName("holder")] string Holder,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset ExpiresAt);

/// <summary>The thresholds of a rollout's guards; each has a documented default.</summary>
internal sealed record RolloutGuards
{
    /// <summary>The candidate's failed rows over its scored rows must not exceed this (default 0.01).</summary>
    [JsonPropertyName("maxErrorRate")]
    public double MaxErrorRate { get; init; } = 0.01;

    /// <summary>The candidate's p99 latency per scored group, in milliseconds (default 250).</summary>
    [JsonPropertyName("maxLatencyP99Ms")]
    public double MaxLatencyP99Ms { get; init; } = 250;

    /// <summary>The PSI of the candidate's scores against stable's (random halves of one population) must not exceed this (default 0.2).</summary>
    [JsonPropertyName("maxScorePsi")]
    public double MaxScorePsi { get; init; } = 0.2;

    /// <summary>The sample-ratio-mismatch chi-squared test fails below this p-value (default 0.001).</summary>
    [JsonPropertyName("srmAlpha")]
    public double SrmAlpha { get; init; } = 0.001;

    /// <summary>The candidate's Pearson r against teacher ratings must not be below this (default 0.50).</summary>
    [JsonPropertyName("minCorrelation")]
    public double MinCorrelation { get; init; } = 0.50;

    /// <summary>One-sided significance of "candidate's r below stable's" (default 0.05).</summary>
    [JsonPropertyName("correlationAlpha")]
    public double CorrelationAlpha { get; init; } = 0.05;

    /// <summary>The minimum samples per side and step before the traffic guards may pass (default 500 scored rows each).</summary>
    [JsonPropertyName("minSamples")]
    public int MinSamples { get; init; } = 500;
}
