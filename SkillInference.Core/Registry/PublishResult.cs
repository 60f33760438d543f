namespace SkillInference.Registry;

/// <summary>The outcome of a publish.</summary>
/// <param name="Skill">The skill.</param>
/// <param name="Version">The published version.</param>
/// <param name="Location">Where the bundle now lives in the store.</param>
/// <param name="SchemaChanged">Whether the schema differs from the deployed version's (a MAJOR release).</param>
internal sealed record PublishResult(string Skill, SemanticVersion Version, string Location, bool SchemaChanged);
