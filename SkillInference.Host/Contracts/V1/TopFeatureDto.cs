namespace SkillInference.Host.Contracts.V1;

/// <summary>One of the model's five most important features (global gain importance) and the value this prediction used.</summary>
/// <param name="Name">Feature name.</param>
/// <param name="Importance">Share of the model's total gain, in [0, 1].</param>
/// <param name="Value">The raw value used; null when it was missing and passed to the trees as missing.</param>
/// <param name="Imputed">Whether the value was filled in by the feature's missing-value rule.</param>
public sealed record TopFeatureDto(string Name, double Importance, double? Value, bool Imputed);
