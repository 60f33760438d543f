using System.Buffers;
using SkillInference.Caching;
using SkillInference.Schema;

namespace SkillInference.Inference;

/// <summary>
/// The rows of one model's share of a batch, prepared into pooled buffers: which items are valid, their prepared rows,
/// raw values used and imputation flags, their cache keys, and which are already answered.
/// </summary>
internal sealed class PreparedGroup : IDisposable
{
    private readonly float[] _rows;
    private readonly double[] _used;
    private readonly bool[] _imputed;
    private float[]? _compact;

    private PreparedGroup(SkillServing serving, LoadedModel model, int capacity)
    {
        Serving = serving;
        Model = model;
        N = model.Builder.Count;
        _rows = ArrayPool<float>.Shared.Rent(Math.Max(1, capacity * N));
        _used = ArrayPool<double>.Shared.Rent(Math.Max(1, capacity * N));
        _imputed = ArrayPool<bool>.Shared.Rent(Math.Max(1, capacity * N));
        Valid = new List<int>(capacity);
    }

    public SkillServing Serving { get; }

    public LoadedModel Model { get; }

    public int N { get; }

    /// <summary>The items whose features were valid, in row order.</summary>
    public List<int> Valid { get; }

    /// <summary>Per valid row: its cache key, when it has one.</summary>
    public InferenceCacheKey?[] Keys { get; private set; } = [];

    /// <summary>Per valid row: whether it is already answered (a cache hit).</summary>
    public bool[] Done { get; private set; } = [];

    /// <summary>Prepares every item with <paramref name="prepare"/>; invalid ones are reported at once.</summary>
    public static PreparedGroup Prepare(
        SkillServing serving,
        LoadedModel model,
        List<int> items,
        RowPreparer prepare,
        Action<int, InferenceOutcome> report)
    {
        var group = new PreparedGroup(serving, model, items.Count);
        var n = group.N;
        foreach (var item in items)
        {
            var offset = group.Valid.Count * n;
            List<FeatureError>? errors = null;
            if (prepare(item, group._rows.AsSpan(offset, n), group._used.AsSpan(offset, n), group._imputed.AsSpan(offset, n), ref errors))
            {
                group.Valid.Add(item);
            }
            else
            {
                var ex = new FeatureValidationException(serving.Skill, errors!);
                report(item, InferenceOutcome.Failure(new InferenceError(InferenceErrorKind.InvalidFeatures, ex.Message, ex.Errors)));
            }
        }

        group.Keys = new InferenceCacheKey?[group.Valid.Count];
        group.Done = new bool[group.Valid.Count];
        return group;
    }

    public Span<float> Row(int r) => _rows.AsSpan(r * N, N);

    public ReadOnlySpan<double> Used(int r) => _used.AsSpan(r * N, N);

    public ReadOnlySpan<bool> Imputed(int r) => _imputed.AsSpan(r * N, N);

    /// <summary>The valid rows not answered yet.</summary>
    public List<int> Pending()
    {
        var pending = new List<int>(Valid.Count);
        for (var r = 0; r < Valid.Count; r++)
        {
            if (!Done[r])
            {
                pending.Add(r);
            }
        }

        return pending;
    }

    /// <summary>The given rows, contiguous (the prepared buffer itself when nothing was skipped).</summary>
    public ReadOnlySpan<float> Compact(List<int> rows)
    {
        if (rows.Count == Valid.Count)
        {
            return _rows.AsSpan(0, rows.Count * N);
        }

        _compact = ArrayPool<float>.Shared.Rent(rows.Count * N);
        for (var k = 0; k < rows.Count; k++)
        {
            Row(rows[k]).CopyTo(_compact.AsSpan(k * N, N));
        }

        return _compact.AsSpan(0, rows.Count * N);
    }

    public void Dispose()
    {
        ArrayPool<float>.Shared.Return(_rows);
        ArrayPool<double>.Shared.Return(_used);
        ArrayPool<bool>.Shared.Return(_imputed);
        if (_compact is not null)
        {
            ArrayPool<float>.Shared.Return(_compact);
        }
    }
}
