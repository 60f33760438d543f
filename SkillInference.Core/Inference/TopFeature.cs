namespace SkillInference.Inference;

/// <summary>One of the model's most important features, with the value this prediction used.</summary>
/// <param name="Name">The feature name.</param>
/// <param name="Importance">Its share of the model's total gain (global importance, not specific to this prediction).</param>
/// <param name="Value">The raw value used (the caller's, or the imputed one); null when missing and passed to the trees as missing.</param>
/// <param name="Imputed">Whether the value was imputed.</param>
public sealed record TopFeature(string Name, double Importance, double? Value, bool Imputed);
