using System.Text.Json.Serialization;

namespace SkillInference.Schema;

/// <summary>What the service does when a caller does not supply an optional feature.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MissingValueStrategy>))]
public enum MissingValueStrategy
{
    /// <summary>Pass NaN to the model: the trees follow the default branch they learned for missing values.</summary>
    [JsonStringEnumMemberName("native")]
    Native,

    /// <summary>Use the training median stored in the bundle.</summary>
    [JsonStringEnumMemberName("median")]
    Median,

    /// <summary>Use the training mean stored in the bundle.</summary>
    [JsonStringEnumMemberName("mean")]
    Mean,

    /// <summary>Use the constant <see cref="MissingValueRule.Value"/>.</summary>
    [JsonStringEnumMemberName("constant")]
    Constant,
}
