using System.Text.Json.Serialization;

namespace SkillInference.Registry;

/// <summary><c>registry.json</c> at the root of a model store: the deployment state of every skill.</summary>
internal sealed record RegistryDocument
{
    /// <summary>The registry format version.</summary>
    [JsonPropertyName("registryVersion")]
    public int RegistryVersion { get; init; } = 1;

    /// <summary>Each skill's registration, by skill id.</summary>
    [JsonPropertyName("skills")]
    public IReadOnlyDictionary<string, SkillRegistration> Skills { get; init; } = new SortedDictionary<string, SkillRegistration>(StringComparer.Ordinal);

    /// <summary>When the document was last written.</summary>
    [JsonPropertyName("updatedAt")]
    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>Who last wrote the document.</summary>
    [JsonPropertyName("updatedBy")]
    public string? UpdatedBy { get; init; }

    /// <summary>An empty registry.</summary>
    public static RegistryDocument Empty { get; } = new();

    /// <summary>A copy with one skill's registration replaced.</summary>
    public RegistryDocument WithSkill(string skill, SkillRegistration registration)
    {
        var skills = new SortedDictionary<string, SkillRegistration>(Skills.ToDictionary(), StringComparer.Ordinal)
        {
            [skill] = registration,
        };
        return this with { Skills = skills };
    }
}
