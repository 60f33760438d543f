namespace SkillInference.Host.Contracts.V1;

/// <summary>TreeSHAP contributions of each feature to this prediction's log-odds; bias + Σ contributions = logOdds.</summary>
/// <param name="Bias">The model's expected log-odds (plus the base margin).</param>
/// <param name="Contributions">Each feature's contribution to the log-odds, by name.</param>
/// <param name="LogOdds">The prediction's log-odds.</param>
public sealed record ExplanationDto(double Bias, IReadOnlyDictionary<string, double> Contributions, double LogOdds);
