using System.Collections;

namespace SkillInference.Batch;

/// <summary>
/// A shard's assessments in columns, as the batch worker writes them: per row the student (the block's own string, not
/// a copy), the index of its <see cref="AssessmentKind"/> (skill, version, variant, run, time: a few per shard), the
/// score, the confidence and the feature hash. No object per prediction; <see cref="this[int]"/> builds a
/// <see cref="SkillAssessment"/> on demand for the paths that want one (tests, row-by-row dialects).
/// </summary>
internal sealed class AssessmentBlock : IReadOnlyList<SkillAssessment>
{
    private readonly List<AssessmentKind> _kinds = [];
    private readonly Dictionary<AssessmentKind, int> _kindIndex = [];
    private string[] _students;
    private int[] _kindOf;
    private double[] _scores;
    private double[] _confidences;
    private string[] _hashes;

    /// <summary>An empty block.</summary>
    /// <param name="capacity">The rows expected.</param>
    public AssessmentBlock(int capacity = 16)
    {
        capacity = Math.Max(capacity, 1);
        _students = new string[capacity];
        _kindOf = new int[capacity];
        _scores = new double[capacity];
        _confidences = new double[capacity];
        _hashes = new string[capacity];
    }

    /// <summary>The number of rows.</summary>
    public int Count { get; private set; }

    /// <summary>The distinct (skill, version, variant, run, time) combinations the rows refer to, in order of first use.</summary>
    public IReadOnlyList<AssessmentKind> Kinds => _kinds;

    /// <summary>The student of each row (the first <see cref="Count"/>).</summary>
    public ReadOnlySpan<string> StudentIds => _students.AsSpan(0, Count);

    /// <summary>The index into <see cref="Kinds"/> of each row.</summary>
    public ReadOnlySpan<int> KindIndices => _kindOf.AsSpan(0, Count);

    /// <summary>The score of each row.</summary>
    public ReadOnlySpan<double> Scores => _scores.AsSpan(0, Count);

    /// <summary>The confidence of each row.</summary>
    public ReadOnlySpan<double> Confidences => _confidences.AsSpan(0, Count);

    /// <summary>The feature hash of each row.</summary>
    public ReadOnlySpan<string> FeatureHashes => _hashes.AsSpan(0, Count);

    /// <summary>The row as a record (built on each call).</summary>
    public SkillAssessment this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            var kind = _kinds[_kindOf[index]];
            return new SkillAssessment(_students[index], kind.Skill, _scores[index], _confidences[index], kind.ModelVersion, kind.Variant, _hashes[index], kind.RunId, kind.AssessedAt);
        }
    }

    /// <summary>A block of these assessments, in this order.</summary>
    public static AssessmentBlock Of(IEnumerable<SkillAssessment> assessments)
    {
        ArgumentNullException.ThrowIfNull(assessments);
        var block = new AssessmentBlock();
        foreach (var a in assessments)
        {
            block.Add(a.StudentId, block.KindOf(a.Skill, a.ModelVersion, a.Variant, a.RunId, a.AssessedAt), a.Score, a.Confidence, a.FeatureHash);
        }

        return block;
    }

    /// <summary>The index of a kind, added on first use.</summary>
    public int KindOf(string skill, string modelVersion, string variant, Guid runId, DateTimeOffset assessedAt)
    {
        var kind = new AssessmentKind(skill, modelVersion, variant, runId, assessedAt);
        if (!_kindIndex.TryGetValue(kind, out var index))
        {
            _kindIndex[kind] = index = _kinds.Count;
            _kinds.Add(kind);
        }

        return index;
    }

    /// <summary>Adds a row.</summary>
    /// <param name="studentId">The student.</param>
    /// <param name="kind">An index from <see cref="KindOf"/>.</param>
    /// <param name="score">The score.</param>
    /// <param name="confidence">The confidence.</param>
    /// <param name="featureHash">The feature hash (16 hex digits).</param>
    public void Add(string studentId, int kind, double score, double confidence, string featureHash)
    {
        ArgumentNullException.ThrowIfNull(studentId);
        ArgumentNullException.ThrowIfNull(featureHash);
        ArgumentOutOfRangeException.ThrowIfNegative(kind);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(kind, _kinds.Count);
        if (Count == _students.Length)
        {
            var size = _students.Length * 2;
            Array.Resize(ref _students, size);
            Array.Resize(ref _kindOf, size);
            Array.Resize(ref _scores, size);
            Array.Resize(ref _confidences, size);
            Array.Resize(ref _hashes, size);
        }

        _students[Count] = studentId;
        _kindOf[Count] = kind;
        _scores[Count] = score;
        _confidences[Count] = confidence;
        _hashes[Count] = featureHash;
        Count++;
    }

    /// <inheritdoc />
    public IEnumerator<SkillAssessment> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
