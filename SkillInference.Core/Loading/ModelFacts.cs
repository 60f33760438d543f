using System.Text.Json;

namespace SkillInference.Loading;

/// <summary>
/// What a result reports about the model that scored it: skill, version, feature names and importances, and the top
/// features, with their JSON-encoded names ready for writers. Small and immutable, so that cached scores can point at
/// it without keeping the model's engine alive.
/// </summary>
internal sealed class ModelFacts
{
    public ModelFacts(string skill, string version, string[] names, double[] importance, int[] topIndices)
    {
        Skill = skill;
        Version = version;
        Names = names;
        Importance = importance;
        TopIndices = topIndices;
        JsonSkill = JsonEncodedText.Encode(skill);
        JsonVersion = JsonEncodedText.Encode(version);
        JsonNames = [.. names.Select(n => JsonEncodedText.Encode(n))];
    }

    public string Skill { get; }

    public string Version { get; }

    public string[] Names { get; }

    public double[] Importance { get; }

    public int[] TopIndices { get; }

    /// <summary>The skill, version and feature names, JSON-encoded once.</summary>
    public JsonEncodedText JsonSkill { get; }

    public JsonEncodedText JsonVersion { get; }

    public JsonEncodedText[] JsonNames { get; }
}
