namespace SkillInference.Training;

/// <summary>One generated student.</summary>
/// <param name="StudentId">A synthetic id, e.g. <c>S0000042</c>.</param>
/// <param name="Features">Feature values in <see cref="SyntheticDataGenerator.FeatureNames"/> order; NaN = missing.</param>
/// <param name="Latent">The latent skill levels in <see cref="SyntheticDataGenerator.SkillIds"/> order (standard normal).</param>
/// <param name="Labels">The "high skill" label per skill.</param>
/// <param name="Ratings">The teacher rating (1–5) per skill; null when the teacher gave none.</param>
public sealed record SyntheticStudent(string StudentId, double[] Features, double[] Latent, bool[] Labels, int?[] Ratings);
