namespace SkillInference.Tests.Infrastructure;

/// <summary>The sample skill ids, for data-driven tests (available before the fixture runs).</summary>
public static class SampleStoreSkills
{
    public static IReadOnlyList<string> Ids { get; } =
        ["collaboration", "communication", "critical_thinking", "creativity", "self_regulation", "persistence", "curiosity"];
}
