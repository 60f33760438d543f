namespace SkillInference.Inference;

/// <summary>One student's features, to be scored on every deployed skill.</summary>
/// <param name="StudentId">The student (sticky variant routing; never logged).</param>
/// <param name="Features">Every feature of the student by name (a union over the skills); null or absent = missing.</param>
public sealed record StudentRequest(string? StudentId, IReadOnlyDictionary<string, double?> Features);
