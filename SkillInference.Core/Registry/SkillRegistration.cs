using System.Text.Json.Serialization;

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

    /// <summary>Every change, oldest first.</summary>
    [JsonPropertyName("history")]
    public IReadOnlyList<RegistryEvent> History { get; init; } = [];

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
