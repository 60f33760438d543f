namespace SkillInference.Host.Contracts.V1;

/// <summary>Why one item was refused.</summary>
public sealed record TeacherRatingError
{
    /// <summary>The item's index in <c>ratings</c>.</summary>
    public required int Index { get; init; }

    /// <summary>The offending field, e.g. <c>ratings[3].rating</c>.</summary>
    public required string Field { get; init; }

    /// <summary>What is wrong with it (never echoes the student id).</summary>
    public required string Message { get; init; }
}
