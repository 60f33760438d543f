namespace SkillInference.Host.Contracts.V1;

/// <summary>Teacher ratings to store: the ground truth the validation job compares the models' scores with.</summary>
public sealed record TeacherRatingsRequest
{
    /// <summary>The ratings, at most 10,000 per call. A rating replaces the stored one of the same student and skill.</summary>
    public IReadOnlyList<TeacherRatingItem?>? Ratings { get; init; }
}
