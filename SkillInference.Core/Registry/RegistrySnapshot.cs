namespace SkillInference.Registry;

/// <summary>The registry as read, with the generation a compare-and-swap write must match.</summary>
/// <param name="Document">The document.</param>
/// <param name="Generation">The store generation, or null when the registry does not exist yet.</param>
internal sealed record RegistrySnapshot(RegistryDocument Document, string? Generation);
