using SkillInference.Loading;
using SkillInference.Schema;

namespace SkillInference.Inference;

/// <summary>
/// Students, each with one dictionary of features, scored on every skill served: item <c>s * students + i</c> is
/// student i on skill s. Each student's names are resolved once into the slots that all models share; a name that no
/// served model uses is an error for every skill of that student. A single student (the all-skills call) is rented per
/// thread and given back when its results are read, so the call allocates no items of its own.
/// </summary>
internal sealed class StudentItems : InferenceItems
{
    [ThreadStatic]
    private static StudentItems? t_spare;

    private readonly IReadOnlyList<StudentRequest>? _students;
    private string? _studentId;
    private IReadOnlyDictionary<string, double?>? _features;
    private ServingSnapshot _snapshot = null!;
    private double[] _values = [];
    private bool[] _present = [];
    private List<FeatureError>?[] _unknown = [];
    private int _count;
    private int _slots;
    private int[] _modelSlots = [];
    private bool _rented;

    public StudentItems(ServingSnapshot snapshot, IReadOnlyList<StudentRequest> students)
    {
        _students = students;
        Initialize(snapshot, students.Count);
        for (var i = 0; i < students.Count; i++)
        {
            _unknown[i] = Resolve(snapshot, students[i]?.Features, _values.AsSpan(i * _slots, _slots), _present.AsSpan(i * _slots, _slots));
        }
    }

    private StudentItems()
    {
    }

    /// <summary>One student on every skill, in this thread's spare items (given back by <see cref="Release"/>).</summary>
    public static StudentItems Rent(ServingSnapshot snapshot, string? studentId, IReadOnlyDictionary<string, double?> features)
    {
        var items = t_spare ?? new StudentItems();
        t_spare = null;
        items._rented = true;
        items._studentId = studentId;
        items._features = features;
        items.Initialize(snapshot, 1);
        items._unknown[0] = Resolve(snapshot, features, items._values.AsSpan(0, items._slots), items._present.AsSpan(0, items._slots));
        return items;
    }

    public override void Release()
    {
        if (_rented)
        {
            (_rented, _studentId, _features, _snapshot, _modelSlots) = (false, null, null, null!, []);
            _unknown[0] = null;
            t_spare = this;
        }
    }

    public override int Count => _count * _snapshot.Ordered.Length;

    public override string? SkillOf(int item) => FeaturesOf(item % _count) is null ? null : _snapshot.Ordered[item / _count].Skill;

    public override string? StudentIdOf(int item) => _students is null ? _studentId : _students[item % _count]?.StudentId;

    public override bool ExplainOf(int item) => false;

    public override InferenceError Malformed(int item) => new(InferenceErrorKind.InvalidFeatures, "The student needs a features object.", []);

    public override void Bind(LoadedModel model) => _modelSlots = _snapshot.ModelSlots[model];

    public override bool TryPrepare(int item, LoadedModel model, Span<float> row, Span<double> used, Span<bool> imputed, ref List<FeatureError>? errors)
    {
        var student = item % _count;
        var ok = model.Builder.TryBuild(_values.AsSpan(student * _slots, _slots), _present.AsSpan(student * _slots, _slots), _modelSlots, row, used, imputed, ref errors);
        if (_unknown[student] is { } names)
        {
            (errors ??= []).InsertRange(0, names);
            return false;
        }

        return ok;
    }

    private IReadOnlyDictionary<string, double?>? FeaturesOf(int student) => _students is null ? _features : _students[student]?.Features;

    private void Initialize(ServingSnapshot snapshot, int count)
    {
        _snapshot = snapshot;
        _count = count;
        _slots = snapshot.FeatureSlots.Count;
        var length = Math.Max(1, count * _slots);
        if (_values.Length < length)
        {
            _values = new double[length];
            _present = new bool[length];
        }
        else
        {
            Array.Clear(_values, 0, length);
            Array.Clear(_present, 0, length);
        }

        if (_unknown.Length < count)
        {
            _unknown = new List<FeatureError>?[count];
        }
    }

    /// <summary>Writes a student's features into the shared slots; returns the names no served skill uses, as errors.</summary>
    internal static List<FeatureError>? Resolve(ServingSnapshot snapshot, IReadOnlyDictionary<string, double?>? features, Span<double> values, Span<bool> present)
    {
        List<FeatureError>? unknown = null;
        if (features is Dictionary<string, double?> dictionary)
        {
            // The common shape, enumerated without boxing an enumerator or dispatching through the interface per feature.
            foreach (var (name, value) in dictionary)
            {
                Place(snapshot, name, value, values, present, ref unknown);
            }
        }
        else
        {
            foreach (var (name, value) in features ?? Empty)
            {
                Place(snapshot, name, value, values, present, ref unknown);
            }
        }

        return unknown;
    }

    private static void Place(ServingSnapshot snapshot, string name, double? value, Span<double> values, Span<bool> present, ref List<FeatureError>? unknown)
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

    private static readonly Dictionary<string, double?> Empty = [];
}
