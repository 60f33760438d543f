using SkillInference.Loading;
using SkillInference.Schema;

namespace SkillInference.Inference;

/// <summary>
/// Students, each with one dictionary of features, scored on every skill served: item <c>s * students + i</c> is
/// student i on skill s. Each student's names are resolved once into the slots that all models share; a name that no
/// served model uses is an error for every skill of that student.
/// </summary>
internal sealed class StudentItems : InferenceItems
{
    private readonly IReadOnlyList<StudentRequest> _students;
    private readonly ServingSnapshot _snapshot;
    private readonly double[] _values;
    private readonly bool[] _present;
    private readonly List<FeatureError>?[] _unknown;
    private readonly int _slots;
    private int[] _modelSlots = [];

    public StudentItems(ServingSnapshot snapshot, IReadOnlyList<StudentRequest> students)
    {
        _snapshot = snapshot;
        _students = students;
        _slots = snapshot.FeatureSlots.Count;
        _values = new double[Math.Max(1, students.Count * _slots)];
        _present = new bool[Math.Max(1, students.Count * _slots)];
        _unknown = new List<FeatureError>?[students.Count];
        for (var i = 0; i < students.Count; i++)
        {
            _unknown[i] = Resolve(snapshot, students[i]?.Features, _values.AsSpan(i * _slots, _slots), _present.AsSpan(i * _slots, _slots));
        }
    }

    public override int Count => _students.Count * _snapshot.Ordered.Length;

    public override string? SkillOf(int item) => _students[item % _students.Count]?.Features is null ? null : _snapshot.Ordered[item / _students.Count].Skill;

    public override string? StudentIdOf(int item) => _students[item % _students.Count]?.StudentId;

    public override bool ExplainOf(int item) => false;

    public override InferenceError Malformed(int item) => new(InferenceErrorKind.InvalidFeatures, "The student needs a features object.", []);

    public override void Bind(LoadedModel model) => _modelSlots = _snapshot.ModelSlots[model];

    public override bool TryPrepare(int item, LoadedModel model, Span<float> row, Span<double> used, Span<bool> imputed, ref List<FeatureError>? errors)
    {
        var student = item % _students.Count;
        var ok = model.Builder.TryBuild(_values.AsSpan(student * _slots, _slots), _present.AsSpan(student * _slots, _slots), _modelSlots, row, used, imputed, ref errors);
        if (_unknown[student] is { } names)
        {
            (errors ??= []).InsertRange(0, names);
            return false;
        }

        return ok;
    }

    /// <summary>Writes a student's features into the shared slots; returns the names no served skill uses, as errors.</summary>
    internal static List<FeatureError>? Resolve(ServingSnapshot snapshot, IReadOnlyDictionary<string, double?>? features, Span<double> values, Span<bool> present)
    {
        List<FeatureError>? unknown = null;
        foreach (var (name, value) in features ?? Empty)
        {
            if (snapshot.FeatureSlots.TryGetValue(name, out var slot))
            {
                if (value is { } v)
                {
                    values[slot] = v;
                    present[slot] = true;
                }
            }
            else
            {
                (unknown ??= []).Add(new FeatureError(name, FeatureErrorCode.Unknown, $"'{(name.Length <= 64 ? name : name[..64] + "...")}' is not a feature of any deployed skill"));
            }
        }

        return unknown;
    }

    private static readonly Dictionary<string, double?> Empty = [];
}
