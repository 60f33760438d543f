using System.Data.Common;
using System.Globalization;
using System.Text;

namespace SkillInference.Batch.Relational;

/// <summary>The SQL that selects a run's students from <c>student_features f</c>: a <c>WITH</c> prefix and a condition.</summary>
internal static class StudentSelectionSql
{
    /// <summary>Binds the selection's parameters to <paramref name="command"/>; returns the prefix of the query and its condition on <c>f</c>.</summary>
    public static (string With, string Condition) Build(StudentSelection selection, DbCommand command, RelationalDialect dialect)
    {
        if (selection.Mode == BatchMode.Full)
        {
            return ("", "TRUE");
        }

        // Changed at or after the watermark (a sequence the database assigns), or an item still owed from a failure.
        var changed = "TRUE";
        if (selection.ChangedSince is { } since)
        {
            command.With("sel_changed_since", since);
            // A semi-join on the few ids changed (by the change_seq index) or owed, not a condition on every row.
            changed = "f.student_id IN (SELECT c.student_id FROM student_features c WHERE c.change_seq >= @sel_changed_since UNION ALL SELECT x.student_id FROM failed_items x WHERE NOT x.permanent)";
        }

        if (selection.ServingVersions.Count == 0)
        {
            return ("", changed);
        }

        var values = new StringBuilder();
        for (var i = 0; i < selection.ServingVersions.Count; i++)
        {
            var skill = "sel_skill" + i.ToString(CultureInfo.InvariantCulture);
            var version = "sel_version" + i.ToString(CultureInfo.InvariantCulture);
            command.With(skill, selection.ServingVersions[i].Skill).With(version, selection.ServingVersions[i].Version);
            values.Append(i == 0 ? "(@" : ", (@").Append(skill).Append(", @").Append(version).Append(')');
        }

        // Changed or owed, or some skill has no assessment by any version now serving it.
        return (
            $"WITH serving (skill, version) AS (VALUES {values}) ",
            $"""
            ({changed} OR EXISTS (
                SELECT 1 FROM (SELECT DISTINCT skill FROM serving) d
                WHERE NOT EXISTS (
                    SELECT 1 FROM skill_assessments a JOIN serving v ON v.skill = a.skill AND v.version = a.model_version
                    WHERE a.student_id = f.student_id AND a.skill = d.skill)))
            """);
    }
}
