using System.Buffers;
using SkillInference.Caching;
using SkillInference.Loading;

namespace SkillInference.Inference;

/// <summary>
/// The items of one pipeline run that one model serves, with their prepared rows in pooled buffers: which items
/// prepared validly, their rows, raw values used, imputation flags and feature hashes, their cache keys, and which
/// are already answered (cache hits).
/// </summary>
internal sealed class ModelGroup : IDisposable
{
    private float[] _rows = [];
    private double[] _used = [];
    private bool[] _imputed = [];
    private float[]? _compact;

    public ModelGroup(SkillServing serving, LoadedModel model)
    {
        Serving = serving;
        Model = model;
        IsVariant = !ReferenceEquals(model, serving.Deployed);
        N = model.Names.Length;
    }

    public SkillServing Serving { get; }

    public LoadedModel Model { get; }

    /// <summary>Whether the model is a traffic variant rather than the deployed version.</summary>
    public bool IsVariant { get; }

    public string VariantName => IsVariant ? Variant.Candidate : Variant.Deployed;

    /// <summary>The model's feature count.</summary>
    public int N { get; }

    /// <summary>Every item routed to the model, in item order.</summary>
    public List<int> Items { get; } = [];

    /// <summary>The items whose features were valid; row r of the buffers is item <c>Valid[r]</c>.</summary>
    public List<int> Valid { get; } = [];

    public int Invalid => Items.Count - Valid.Count;

    /// <summary>Per valid row: the feature hash of the prepared row.</summary>
    public ulong[] Hashes { get; private set; } = [];

    /// <summary>Per valid row: its cache key, when the row is cached.</summary>
    public InferenceCacheKey?[] Keys { get; private set; } = [];

    /// <summary>Per valid row: whether it is already answered.</summary>
    public bool[] Done { get; private set; } = [];

    /// <summary>How many rows were answered from the cache.</summary>
    public int Answered { get; set; }

    /// <summary>Cache lookups made, and hits in the in-process and the shared layer.</summary>
    public int Lookups { get; set; }

    public int MemoryHits { get; set; }

    public int SharedHits { get; set; }

    /// <summary>Rents the buffers for every routed item.</summary>
    public void Allocate()
    {
        var capacity = Math.Max(1, Items.Count * N);
        _rows = ArrayPool<float>.Shared.Rent(capacity);
        _used = ArrayPool<double>.Shared.Rent(capacity);
        _imputed = ArrayPool<bool>.Shared.Rent(capacity);
        Hashes = new ulong[Items.Count];
        Done = new bool[Items.Count];
    }

    /// <summary>Creates the per-row cache keys (only for runs that use the cache).</summary>
    public void AllocateKeys() => Keys = new InferenceCacheKey?[Items.Count];

    /// <summary>The buffers of the next valid row (call <see cref="Accept"/> if it prepares validly).</summary>
    public Span<float> NextRow => _rows.AsSpan(Valid.Count * N, N);

    public Span<double> NextUsed => _used.AsSpan(Valid.Count * N, N);

    public Span<bool> NextImputed => _imputed.AsSpan(Valid.Count * N, N);

    public void Accept(int item) => Valid.Add(item);

    public ReadOnlySpan<float> Row(int r) => _rows.AsSpan(r * N, N);

    public ReadOnlySpan<double> Used(int r) => _used.AsSpan(r * N, N);

    public ReadOnlySpan<bool> Imputed(int r) => _imputed.AsSpan(r * N, N);

    /// <summary>The valid rows not answered yet, and their inputs contiguous (the buffer itself when none was answered).</summary>
    public ReadOnlySpan<float> Pending(List<int> pending)
    {
        pending.Clear();
        for (var r = 0; r < Valid.Count; r++)
        {
            if (!Done[r])
            {
                pending.Add(r);
            }
        }

        if (pending.Count == Valid.Count)
        {
            return _rows.AsSpan(0, pending.Count * N);
        }

        _compact = ArrayPool<float>.Shared.Rent(Math.Max(1, pending.Count * N));
        for (var k = 0; k < pending.Count; k++)
        {
            Row(pending[k]).CopyTo(_compact.AsSpan(k * N, N));
        }

        return _compact.AsSpan(0, pending.Count * N);
    }

    public void Dispose()
    {
        if (_rows.Length > 0)
        {
            ArrayPool<float>.Shared.Return(_rows);
            ArrayPool<double>.Shared.Return(_used);
            ArrayPool<bool>.Shared.Return(_imputed);
            _rows = [];
        }

        if (_compact is not null)
        {
            ArrayPool<float>.Shared.Return(_compact);
            _compact = null;
        }
    }
}
