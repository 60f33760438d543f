namespace SkillInference.Host.Contracts.V1;

/// <summary>What was stored: valid items are stored even when others are refused.</summary>
public sealed record TeacherRatingsResponse
{
    /// <summary>Items stored (inserted or replacing the stored rating of the same student and skill).</summary>
    public required int Accepted { get; init; }

    /// <summary>Items refused (see <see cref="Errors"/>).</summary>
    public required int Rejected { get; init; }

    /// <summary>One entry per refused item, in request order.</summary>
    public required IReadOnlyList<TeacherRatingError> Errors { get; init; }
}
