using System.Text.Json.Serialization;
using SkillInference.Rollouts;

namespace SkillInference.Registry;

/// <summary>A skill's entry in the registry: what is deployed, which variants share traffic, and the history.</summary>
internal sealed record SkillRegistration
{
    /// <summary>The deployed version, serving all traffic not routed to a variant; null before the first deploy.</summary>
    [JsonPropertyName("deployed")]
    public string? Deployed { get; init; }

    /// <summary>Versions taking a share of traffic (an A/B test or a canary); empty when the deployed version serves everything.</summary>
    [JsonPropertyName("variants")]
    public IReadOnlyList<TrafficVariant> Variants { get; init; } = [];

    /// <summary>
    /// The running experiment's id (set with the variants, null without them): a student's assignment is a hash of
    /// (skill, student id, experiment id), so a new experiment draws new groups and one experiment's groups only grow.
    /// </summary>
    [JsonPropertyName("experimentId")]
    public string? ExperimentId { get; init; }

    /// <summary>Every change, oldest first.</summary>
    [JsonPropertyName("history")]
    public IReadOnlyList<RegistryEvent> History { get; init; } = [];

    /// <summary>The current rollout (running, paused or waiting for traffic); null when none is in progress.</summary>
    [JsonPropertyName("rollout")]
    public RolloutPlan? Rollout { get; init; }

    /// <summary>Ended rollouts, most recent last (the last <see cref="MaxPastRollouts"/>).</summary>
    [JsonPropertyName("rollouts")]
    public IReadOnlyList<RolloutPlan> PastRollouts { get; init; } = [];

    /// <summary>How many ended rollouts a registration keeps.</summary>
    public const int MaxPastRollouts = 20;

    /// <summary>The registration with no experiment: the deployed version serves all traffic.</summary>
    public SkillRegistration WithoutExperiment() => this with { Variants = [], ExperimentId = null };

    /// <summary>Ends the experiment and any rollout in progress (which ends in <paramref name="state"/>, moved to the past rollouts).</summary>
    public SkillRegistration EndExperiment(string state, string reason, string actor, DateTimeOffset at, IReadOnlyList<GuardResult>? guards = null)
    {
        var ended = WithoutExperiment();
        return Rollout is { } rollout
            ? ended with { Rollout = null, PastRollouts = [.. PastRollouts.TakeLast(MaxPastRollouts - 1), rollout.End(state, reason, actor, at, guards)] }
            : ended;
    }

    /// <summary>
    /// The stack of deployments that rollback unwinds: each deploy pushes its version, each rollback pops one.
    /// The last element is <see cref="Deployed"/>.
    /// </summary>
    public IReadOnlyList<string> DeploymentStack()
    {
        var stack = new List<string>();
        foreach (var e in History)
        {
            switch (e.Action)
            {
                case RegistryActions.Deploy when e.Version is not null:
                    stack.Add(e.Version);
                    break;
                case RegistryActions.Rollback when stack.Count > 0:
                    stack.RemoveAt(stack.Count - 1);
                    break;
            }
        }

        return stack;
    }
}
