using System.Text.Json.Serialization;

namespace SkillInference.Training;

/// <summary>The shape of a synthetic feature's distribution.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SyntheticFeatureKind>))]
public enum SyntheticFeatureKind
{
    /// <summary><c>center + spread * s</c>, clipped to the feature's range.</summary>
    [JsonStringEnumMemberName("continuous")]
    Continuous,

    /// <summary>A proportion: <c>logistic(logit(center) + spread * s)</c> mapped onto the feature's range.</summary>
    [JsonStringEnumMemberName("rate")]
    Rate,

    /// <summary>A count: Poisson with mean <c>center * exp(spread * s)</c>, clipped to the feature's range.</summary>
    [JsonStringEnumMemberName("count")]
    Count,
}
