using System.Text.Json.Serialization;

namespace SkillInference.Registry;

/// <summary>One change of a skill's registration: who did what, when and why.</summary>
internal sealed record RegistryEvent
{
    /// <summary>What happened: <c>deploy</c>, <c>rollback</c> or <c>variants</c>.</summary>
    [JsonPropertyName("action")]
    public required string Action { get; init; }

    /// <summary>The version deployed by the change (for <c>variants</c>, the deployed version at the time).</summary>
    [JsonPropertyName("version")]
    public string? Version { get; init; }

    /// <summary>The version deployed before the change.</summary>
    [JsonPropertyName("previous")]
    public string? Previous { get; init; }

    /// <summary>Who made the change (a user, a service account, <c>skillinference-host</c>).</summary>
    [JsonPropertyName("actor")]
    public required string Actor { get; init; }

    /// <summary>When the change was made.</summary>
    [JsonPropertyName("at")]
    public DateTimeOffset At { get; init; }

    /// <summary>Why, in the actor's words.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; init; }

    /// <summary>For <c>variants</c>: the variants set.</summary>
    [JsonPropertyName("variants")]
    public IReadOnlyList<TrafficVariant>? Variants { get; init; }
}
