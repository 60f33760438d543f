namespace SkillInference.Host.Contracts.V1;

/// <summary>One change of a skill's registration: who did what, when and why.</summary>
public sealed record RegistryEvent
{
    /// <summary>What happened: <c>deploy</c>, <c>rollback</c> or <c>variants</c>.</summary>
    public required string Action { get; init; }

    /// <summary>The version deployed by the change (for <c>variants</c>, the deployed version at the time).</summary>
    public string? Version { get; init; }

    /// <summary>The version deployed before the change.</summary>
    public string? Previous { get; init; }

    /// <summary>Who made the change (a user, a service account, <c>skillinference-host</c>).</summary>
    public required string Actor { get; init; }

    /// <summary>When the change was made.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>Why, in the actor's words.</summary>
    public string? Reason { get; init; }

    /// <summary>For <c>variants</c>: the variants set.</summary>
    public IReadOnlyList<TrafficVariant>? Variants { get; init; }

    internal static RegistryEvent From(Registry.RegistryEvent e) => new()
    {
        Action = e.Action,
        Version = e.Version,
        Previous = e.Previous,
        Actor = e.Actor,
        At = e.At,
        Reason = e.Reason,
        Variants = e.Variants?.Select(TrafficVariant.From).ToArray(),
    };
}
