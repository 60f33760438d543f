namespace SkillInference.Monitoring;

/// <summary>One feature's drift over the window.</summary>
/// <param name="Name">The feature.</param>
/// <param name="Psi">PSI of the live values against the bundle's reference histogram.</param>
/// <param name="JensenShannon">Jensen–Shannon divergence (base 2, 0 to 1).</param>
/// <param name="N">Live values counted (missing ones are not).</param>
internal sealed record FeatureDrift(string Name, double Psi, double JensenShannon, long N);
