namespace SkillInference.Host.Contracts.V1;

/// <summary>Every skill with published models.</summary>
/// <param name="Skills">The skills, by id.</param>
public sealed record ModelsResponse(IReadOnlyList<SkillModels> Skills);
