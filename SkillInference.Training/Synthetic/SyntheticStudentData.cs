using SkillInference.Batch;
using SkillInference.Schema;

namespace SkillInference.Training;

/// <summary>Turns generated students into batch rows: features split by group, and teacher ratings.</summary>
internal static class SyntheticStudentData
{
    /// <summary>A generated student's features, split into the linguistic group and the rest (behavioral); NaN cells are left out.</summary>
    public static StudentFeatures ToStudentFeatures(SyntheticDataGenerator generator, SyntheticStudent student, DateTimeOffset updatedAt)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(student);
        var linguistic = new Dictionary<string, double?>(StringComparer.Ordinal);
        var behavioral = new Dictionary<string, double?>(StringComparer.Ordinal);
        for (var f = 0; f < generator.FeatureNames.Count; f++)
        {
            var value = student.Features[f];
            if (double.IsNaN(value))
            {
                continue;
            }

            (generator.Groups[f] == FeatureGroup.Linguistic ? linguistic : behavioral)[generator.FeatureNames[f]] = value;
        }

        return new StudentFeatures(student.StudentId, linguistic, behavioral, updatedAt);
    }

    /// <summary>A generated student's teacher ratings (skills the teacher did not rate are left out).</summary>
    public static IEnumerable<TeacherRating> ToTeacherRatings(SyntheticDataGenerator generator, SyntheticStudent student, DateTimeOffset ratedAt)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(student);
        for (var s = 0; s < generator.SkillIds.Count; s++)
        {
            if (student.Ratings[s] is { } rating)
            {
                yield return new TeacherRating(student.StudentId, generator.SkillIds[s], rating, ratedAt);
            }
        }
    }
}
