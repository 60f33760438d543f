using SkillInference.Caching;
using SkillInference.Loading;

namespace SkillInference.Inference;

/// <summary>
/// The items of one pipeline run that one model serves, with their prepared rows: which items prepared validly, their
/// rows, raw values used, imputation flags and feature hashes, their cache keys, and which are already answered
/// (cache hits). Reused from run to run (see <see cref="PipelineScratch"/>): its buffers only grow, so a warm
/// pipeline allocates nothing for them.
/// </summary>
internal sealed class ModelGroup
{
    private float[] _rows = [];
    private double[] _used = [];
    private bool[] _imputed = [];
    private float[] _compact = [];
    private ulong[] _hashes = [];
    private bool[] _done = [];
    private InferenceCacheKey?[] _keys = [];
    private float[] _probabilities = [];
    private bool _compactInput;

    public SkillServing Serving { get; private set; } = null!;

    public LoadedModel Model { get; private set; } = null!;

    /// <summary>Whether the model is a traffic variant rather than the deployed version.</summary>
    public bool IsVariant { get; private set; }

    public string VariantName => IsVariant ? Variant.Candidate : Variant.Deployed;

    /// <summary>The model's feature count.</summary>
    public int N { get; private set; }

    /// <summary>Every item routed to the model, in item order.</summary>
    public List<int> Items { get; } = [];

    /// <summary>The items whose features were valid; row r of the buffers is item <c>Valid[r]</c>.</summary>
    public List<int> Valid { get; } = [];

    public int Invalid => Items.Count - Valid.Count;

    /// <summary>Per valid row: the feature hash of the prepared row.</summary>
    public Span<ulong> Hashes => _hashes.AsSpan(0, Items.Count);

    /// <summary>Per valid row: its cache key, when the row is cached (only after <see cref="AllocateKeys"/>).</summary>
    public Span<InferenceCacheKey?> Keys => _keys.AsSpan(0, Items.Count);

    /// <summary>Per valid row: whether it is already answered.</summary>
    public Span<bool> Done => _done.AsSpan(0, Items.Count);

    /// <summary>How many rows were answered from the cache.</summary>
    public int Answered { get; set; }

    /// <summary>Cache lookups made, and hits in the in-process and the shared layer.</summary>
    public int Lookups { get; set; }

    public int MemoryHits { get; set; }

    public int SharedHits { get; set; }

    /// <summary>Rows handed to the engine in this run, and how many of them failed.</summary>
    public int Scored { get; private set; }

    public int Failures { get; set; }

    /// <summary>The rows handed to the engine and their probabilities (NaN where a row failed), for observers.</summary>
    public ReadOnlySpan<float> ScoredInput => (_compactInput ? _compact : _rows).AsSpan(0, Scored * N);

    public Span<float> ScoredProbabilities => _probabilities.AsSpan(0, Scored);

    /// <summary>Starts the group over for another model.</summary>
    public ModelGroup Reset(SkillServing serving, LoadedModel model)
    {
        Serving = serving;
        Model = model;
        IsVariant = !ReferenceEquals(model, serving.Deployed);
        N = model.Names.Length;
        Items.Clear();
        Valid.Clear();
        Answered = Lookups = MemoryHits = SharedHits = Scored = Failures = 0;
        return this;
    }

    /// <summary>Makes room for every routed item.</summary>
    public void Allocate()
    {
        var count = Items.Count;
        Grow(ref _rows, count * N);
        Grow(ref _used, count * N);
        Grow(ref _imputed, count * N);
        Grow(ref _hashes, count);
        Grow(ref _done, count);
        Array.Clear(_done, 0, count);
    }

    /// <summary>Makes room for the per-row cache keys (only for runs that use the cache).</summary>
    public void AllocateKeys()
    {
        Grow(ref _keys, Items.Count);
        Array.Clear(_keys, 0, Items.Count);
    }

    /// <summary>The buffers of the next valid row (call <see cref="Accept"/> if it prepares validly).</summary>
    public Span<float> NextRow => _rows.AsSpan(Valid.Count * N, N);

    public Span<double> NextUsed => _used.AsSpan(Valid.Count * N, N);

    public Span<bool> NextImputed => _imputed.AsSpan(Valid.Count * N, N);

    public void Accept(int item) => Valid.Add(item);

    public ReadOnlySpan<float> Row(int r) => _rows.AsSpan(r * N, N);

    public ReadOnlySpan<double> Used(int r) => _used.AsSpan(r * N, N);

    public ReadOnlySpan<bool> Imputed(int r) => _imputed.AsSpan(r * N, N);

    /// <summary>
    /// The valid rows not answered yet, and their inputs contiguous (the buffer itself when none was answered); they
    /// become the run's <see cref="ScoredInput"/>, with room for their <see cref="ScoredProbabilities"/>.
    /// </summary>
    public ReadOnlySpan<float> Pending(List<int> pending)
    {
        pending.Clear();
        for (var r = 0; r < Valid.Count; r++)
        {
            if (!_done[r])
            {
                pending.Add(r);
            }
        }

        Scored = pending.Count;
        Grow(ref _probabilities, Scored);
        _compactInput = pending.Count != Valid.Count;
        if (!_compactInput)
        {
            return _rows.AsSpan(0, pending.Count * N);
        }

        Grow(ref _compact, pending.Count * N);
        for (var k = 0; k < pending.Count; k++)
        {
            Row(pending[k]).CopyTo(_compact.AsSpan(k * N, N));
        }

        return _compact.AsSpan(0, pending.Count * N);
    }

    /// <summary>The elements this group's buffers hold (a pool drops groups that grew too large).</summary>
    public long Capacity => _rows.Length + _compact.Length + _probabilities.Length;

    private static void Grow<T>(ref T[] array, int length)
    {
        if (array.Length < length)
        {
            array = new T[Math.Max(length, array.Length * 2)];
        }
    }
}
