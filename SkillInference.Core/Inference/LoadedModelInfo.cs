using SkillInference.Bundles;

namespace SkillInference.Inference;

/// <summary>A model the service has in memory.</summary>
/// <param name="Skill">The skill.</param>
/// <param name="Version">The bundle version.</param>
/// <param name="Role"><c>deployed</c> or <c>variant</c>.</param>
/// <param name="Weight">The traffic weight when it is a variant; null for the deployed version without variants.</param>
/// <param name="Engine">The engine scoring it.</param>
/// <param name="LoadedAt">When it was loaded.</param>
/// <param name="Manifest">The bundle's manifest.</param>
public sealed record LoadedModelInfo(string Skill, string Version, string Role, double? Weight, string Engine, DateTimeOffset LoadedAt, BundleManifest Manifest);
