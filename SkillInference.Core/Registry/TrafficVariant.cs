using System.Text.Json.Serialization;

namespace SkillInference.Registry;

/// <summary>A version that takes a share of a skill's traffic beside (or instead of) the deployed version.</summary>
/// <param name="Version">The bundle version.</param>
/// <param name="Weight">The relative weight; a student is routed to a variant with probability weight / total weight.</param>
internal sealed record TrafficVariant(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("weight")] double Weight);
