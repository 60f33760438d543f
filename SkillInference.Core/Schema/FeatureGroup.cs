using System.Text.Json.Serialization;

namespace SkillInference.Schema;

/// <summary>Where a feature comes from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FeatureGroup>))]
public enum FeatureGroup
{
    /// <summary>Derived from the student's writing and discussion posts.</summary>
    [JsonStringEnumMemberName("linguistic")]
    Linguistic,

    /// <summary>Derived from the student's activity on the learning platform.</summary>
    [JsonStringEnumMemberName("behavioral")]
    Behavioral,

    /// <summary>Not declared (e.g. a feature of an imported model without a schema file).</summary>
    [JsonStringEnumMemberName("other")]
    Other,
}
