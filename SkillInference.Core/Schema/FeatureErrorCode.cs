namespace SkillInference.Schema;

/// <summary>Why a feature value was rejected.</summary>
public enum FeatureErrorCode
{
    /// <summary>The name is not a feature of the skill (often a typo).</summary>
    Unknown,

    /// <summary>A required feature was absent or null.</summary>
    Missing,

    /// <summary>The value was NaN or infinite.</summary>
    NotFinite,

    /// <summary>The value was outside the feature's valid range.</summary>
    OutOfRange,
}
