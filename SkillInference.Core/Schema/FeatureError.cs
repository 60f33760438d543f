namespace SkillInference.Schema;

/// <summary>One rejected feature. Messages never contain the rejected value.</summary>
/// <param name="Feature">The feature name as the caller sent it.</param>
/// <param name="Code">Why it was rejected.</param>
/// <param name="Message">A sentence for humans.</param>
public sealed record FeatureError(string Feature, FeatureErrorCode Code, string Message);
