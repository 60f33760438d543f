namespace SkillInference.Batch;

/// <summary>A model version serving a skill when a run was planned (the deployed version or a traffic variant).</summary>
/// <param name="Skill">The skill id.</param>
/// <param name="Version">The bundle version.</param>
public sealed record ServingVersion(string Skill, string Version);
