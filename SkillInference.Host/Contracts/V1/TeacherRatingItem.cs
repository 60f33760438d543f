namespace SkillInference.Host.Contracts.V1;

/// <summary>One teacher's rating of one student's skill.</summary>
public sealed record TeacherRatingItem
{
    /// <summary>The student's id (1 to 128 characters).</summary>
    public string? StudentId { get; init; }

    /// <summary>The skill id (<c>snake_case</c>).</summary>
    public string? Skill { get; init; }

    /// <summary>The rating: an integer from 1 (low) to 5 (high).</summary>
    public double? Rating { get; init; }

    /// <summary>When the teacher rated, ISO 8601 with an offset (e.g. <c>2026-11-30T09:00:00Z</c>); not in the future.</summary>
    public string? RatedAt { get; init; }
}
