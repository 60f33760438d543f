namespace SkillInference.Inference;

/// <summary>
/// Why one prediction came out as it did: each feature's contribution to the log-odds of the "high skill" class
/// (TreeSHAP), and the bias — the model's expected log-odds. Bias plus contributions equals <see cref="LogOdds"/>.
/// See docs/models.md.
/// </summary>
/// <param name="Bias">The expected log-odds over the training data (plus the base margin).</param>
/// <param name="Contributions">Each feature's contribution, by name, in schema order.</param>
/// <param name="LogOdds">The prediction's log-odds: bias + Σ contributions.</param>
public sealed record Explanation(double Bias, IReadOnlyDictionary<string, double> Contributions, double LogOdds);
