using Npgsql;
using NpgsqlTypes;
using SkillInference.Batch;
using SkillInference.Batch.Relational;

namespace SkillInference.Postgres;

/// <summary>
/// A shard's assessments as the parameter arrays of <see cref="PostgresDialect.InsertAssessmentsAsync"/>: per row the
/// student, the (1-based) kind, the score, the confidence and the feature hash, in (student, skill, version, hash)
/// ordinal order; per kind its skill, version, variant, run and time; and the first and last student (the range the
/// insert looks for rows already present in).
/// </summary>
internal sealed class AssessmentArrays
{
    private readonly string[] _students;
    private readonly int[] _kinds;
    private readonly double[] _scores;
    private readonly double[] _confidences;
    private readonly string[] _hashes;
    private readonly IReadOnlyList<AssessmentKind> _kindList;

    private AssessmentArrays(string[] students, int[] kinds, double[] scores, double[] confidences, string[] hashes, IReadOnlyList<AssessmentKind> kindList)
    {
        _students = students;
        _kinds = kinds;
        _scores = scores;
        _confidences = confidences;
        _hashes = hashes;
        _kindList = kindList;
    }

    /// <summary>The arrays of a block (not empty), sorted unless the block is in order already (as a shard's first pass is).</summary>
    public static AssessmentArrays Of(AssessmentBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentOutOfRangeException.ThrowIfZero(block.Count);
        var count = block.Count;
        var kinds = block.Kinds;

        // The rank of each kind in (skill, version) order, so that rows compare by numbers after their student.
        var rank = new int[kinds.Count];
        var byName = Enumerable.Range(0, kinds.Count)
            .OrderBy(k => kinds[k].Skill, StringComparer.Ordinal)
            .ThenBy(k => kinds[k].ModelVersion, StringComparer.Ordinal)
            .ToArray();
        for (var r = 0; r < byName.Length; r++)
        {
            rank[byName[r]] = r;
        }

        var s = block.StudentIds.ToArray();
        var k = block.KindIndices.ToArray();
        var sc = block.Scores.ToArray();
        var co = block.Confidences.ToArray();
        var h = block.FeatureHashes.ToArray();
        int Compare(int x, int y)
        {
            var c = StudentIdOrder.Instance.Compare(s[x], s[y]);
            if (c == 0)
            {
                c = rank[k[x]].CompareTo(rank[k[y]]);
            }

            return c != 0 ? c : string.CompareOrdinal(h[x], h[y]);
        }

        var sorted = true;
        for (var i = 1; i < count && sorted; i++)
        {
            sorted = Compare(i - 1, i) <= 0;
        }

        if (!sorted)
        {
            var order = new int[count];
            for (var i = 0; i < count; i++)
            {
                order[i] = i;
            }

            Array.Sort(order, Compare);
            s = [.. order.Select(i => s[i])];
            k = [.. order.Select(i => k[i])];
            sc = [.. order.Select(i => sc[i])];
            co = [.. order.Select(i => co[i])];
            h = [.. order.Select(i => h[i])];
        }

        // Kinds are 1-based in SQL arrays.
        for (var i = 0; i < count; i++)
        {
            k[i]++;
        }

        return new AssessmentArrays(s, k, sc, co, h, kinds);
    }

    /// <summary>The students once each (the rows are in student order).</summary>
    private string[] DistinctStudents()
    {
        var distinct = new List<string>(_students.Length / 4);
        foreach (var student in _students)
        {
            if (distinct.Count == 0 || !string.Equals(distinct[^1], student, StringComparison.Ordinal))
            {
                distinct.Add(student);
            }
        }

        return [.. distinct];
    }

    /// <summary>Binds every array (and the range of students) to a command that names them.</summary>
    public NpgsqlCommand Bind(NpgsqlCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string[]>("students", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = _students });
        p.Add(new NpgsqlParameter<int[]>("kinds", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = _kinds });
        p.Add(new NpgsqlParameter<double[]>("scores", NpgsqlDbType.Array | NpgsqlDbType.Double) { TypedValue = _scores });
        p.Add(new NpgsqlParameter<double[]>("confidences", NpgsqlDbType.Array | NpgsqlDbType.Double) { TypedValue = _confidences });
        p.Add(new NpgsqlParameter<string[]>("hashes", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = _hashes });
        p.Add(new NpgsqlParameter<string[]>("skills", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. _kindList.Select(k => k.Skill)] });
        p.Add(new NpgsqlParameter<string[]>("versions", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. _kindList.Select(k => k.ModelVersion)] });
        p.Add(new NpgsqlParameter<string[]>("variants", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. _kindList.Select(k => k.Variant)] });
        p.Add(new NpgsqlParameter<Guid[]>("runs", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { TypedValue = [.. _kindList.Select(k => k.RunId)] });
        p.Add(new NpgsqlParameter<DateTime[]>("assessed_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = [.. _kindList.Select(k => RelationalDialect.Stored(k.AssessedAt).UtcDateTime)] });
        p.Add(new NpgsqlParameter<string>("first_student", NpgsqlDbType.Text) { TypedValue = _students[0] });
        p.Add(new NpgsqlParameter<string>("last_student", NpgsqlDbType.Text) { TypedValue = _students[^1] });
        if (command.CommandText.Contains("@distinct_students", StringComparison.Ordinal))
        {
            p.Add(new NpgsqlParameter<string[]>("distinct_students", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = DistinctStudents() });
        }
        return command;
    }
}
