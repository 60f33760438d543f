namespace SkillInference.Batch;

/// <summary>A row of <c>teacher_ratings</c>: a teacher's 1–5 rating of a student's skill, the ground truth for validation.</summary>
/// <param name="StudentId">The student.</param>
/// <param name="Skill">The skill id.</param>
/// <param name="Rating">The rating, 1 (low) to 5 (high).</param>
/// <param name="RatedAt">When the teacher rated.</param>
internal sealed record TeacherRating(string StudentId, string Skill, int Rating, DateTimeOffset RatedAt);
