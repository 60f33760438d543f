using Npgsql;
using NpgsqlTypes;
using SkillInference.Batch;

namespace SkillInference.Postgres;

/// <summary>The SQL condition that selects a run's students from <c>student_features f</c>.</summary>
internal static class SelectionSql
{
    public static string Condition(StudentSelection selection, NpgsqlCommand command)
    {
        if (selection.Mode == BatchMode.Full)
        {
            return "TRUE";
        }

        var changed = "TRUE";
        if (selection.ChangedAfter is { } after)
        {
            command.Parameters.Add(new NpgsqlParameter("sel_changed_after", NpgsqlDbType.TimestampTz) { Value = after.UtcDateTime });
            changed = "f.updated_at > @sel_changed_after";
        }

        if (selection.ServingVersions.Count == 0)
        {
            return changed;
        }

        command.Parameters.Add(new NpgsqlParameter("sel_skills", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = selection.ServingVersions.Select(v => v.Skill).Distinct().ToArray() });
        command.Parameters.Add(new NpgsqlParameter("sel_version_skills", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = selection.ServingVersions.Select(v => v.Skill).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("sel_versions", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = selection.ServingVersions.Select(v => v.Version).ToArray() });

        // Changed since the watermark, or some skill has no assessment by any version now serving it.
        return $"""
            ({changed} OR EXISTS (
                SELECT 1 FROM unnest(@sel_skills) AS d(skill)
                WHERE NOT EXISTS (
                    SELECT 1 FROM skill_assessments a
                    JOIN unnest(@sel_version_skills, @sel_versions) AS v(skill, version) ON v.skill = a.skill AND v.version = a.model_version
                    WHERE a.student_id = f.student_id AND a.skill = d.skill)))
            """;
    }
}
