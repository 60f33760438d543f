namespace SkillInference.Batch;

/// <summary>Writes students' features and teacher ratings (seeding, imports). Idempotent: rows are upserted by key.</summary>
internal interface IStudentDataWriter
{
    /// <summary>Inserts or replaces students' features (key: student id).</summary>
    Task UpsertStudentFeaturesAsync(IReadOnlyList<StudentFeatures> students, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces teacher ratings (key: student id and skill).</summary>
    Task UpsertTeacherRatingsAsync(IReadOnlyList<TeacherRating> ratings, CancellationToken cancellationToken = default);
}
