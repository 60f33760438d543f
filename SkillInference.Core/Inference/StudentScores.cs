namespace SkillInference.Inference;

/// <summary>One student's outcome on every deployed skill.</summary>
/// <param name="StudentId">The student.</param>
/// <param name="Outcomes">One outcome per deployed skill, in <see cref="ServingStatus.RegisteredSkills"/> order.</param>
public sealed record StudentScores(string? StudentId, IReadOnlyList<InferenceOutcome> Outcomes);
