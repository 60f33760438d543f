using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using SkillInference.Inference;
using SkillInference.Loading;

namespace SkillInference.Caching;

/// <summary>
/// The in-process layer (and the default cache). Entries are plain values in preallocated slots — score, confidence,
/// feature hash, top features' values, imputed flags, the digest and the expiry, beside a reference to the model's
/// facts — not objects, so holding hundreds of thousands of them costs the garbage collector almost nothing: a store
/// writes into a slot, and nothing it allocates outlives the request. A student's entries (one per skill and version)
/// are chained from one dictionary entry, so invalidating a student is one removal and a lookup is one probe and a short
/// walk. The bound is a ring: slots are filled in order and, once all <see cref="InferenceCacheOptions.MaxMemoryEntries"/>
/// are used, each new entry takes the slot of the oldest, so storing never waits for a trim and never holds more than
/// the bound. The slots are split into a few shards by student, each behind its own lock (held for a probe and a copy).
/// </summary>
/// <remarks>
/// An in-process cache keys students by their id (<see cref="StudentKey"/>): its entries never leave the process. Inside,
/// a student is filed under a keyed 128-bit digest of that key, so that no entry holds a string alive. The
/// count is exact under concurrent stores and removals: it changes only under a shard's lock.
/// </remarks>
public sealed class MemoryInferenceCache : IInferenceCache, IScoreCache
{
    /// <summary>Slots are allocated in pages of this many, as they are first used.</summary>
    private const int PageSize = 1024;

    /// <summary>A shard holds at least this many slots (fewer, larger shards for small bounds keep the ring's order).</summary>
    private const int MinShardCapacity = 4096;

    private readonly TimeProvider _time;
    private readonly long _ttlTicks;
    private readonly RowDigest _digest;
    private readonly RowDigest _studentIds = new();
    private readonly Shard[] _shards;

    /// <summary>Creates the memory layer.</summary>
    public MemoryInferenceCache(IOptions<InferenceCacheOptions> options, TimeProvider? timeProvider = null)
        : this(options, timeProvider, new RowDigest())
    {
    }

    /// <summary>The memory layer of a shared cache: rows are digested with the shared layer's key.</summary>
    internal MemoryInferenceCache(IOptions<InferenceCacheOptions> options, TimeProvider? timeProvider, RowDigest digest)
    {
        ArgumentNullException.ThrowIfNull(options);
        _digest = digest;
        var o = options.Value;
        var ttl = o.MemoryTimeToLive < o.TimeToLive ? o.MemoryTimeToLive : o.TimeToLive;
        _ttlTicks = Math.Max(0, ttl.Ticks);
        _time = timeProvider ?? TimeProvider.System;
        var capacity = Math.Max(1, o.MaxMemoryEntries);
        var count = ShardCount(capacity);
        _shards = new Shard[count];
        for (var s = 0; s < count; s++)
        {
            _shards[s] = new Shard((capacity / count) + (s < capacity % count ? 1 : 0));
        }
    }

    /// <inheritdoc />
    public bool Enabled => true;

    /// <inheritdoc />
    public bool HasSharedLayer => false;

    /// <summary>The number of entries held.</summary>
    public long Count
    {
        get
        {
            long count = 0;
            foreach (var shard in _shards)
            {
                lock (shard.Gate)
                {
                    count += shard.Count;
                }
            }

            return count;
        }
    }

    /// <inheritdoc />
    public CacheStatus Status
    {
        get
        {
            var count = Count;
            return new("Memory", true, $"In-process cache with {count} entries.", count);
        }
    }

    /// <inheritdoc />
    public string StudentKey(string studentId) => studentId;

    /// <inheritdoc />
    public UInt128 FeatureDigest(ReadOnlySpan<float> row) => _digest.Compute(row);

    /// <inheritdoc />
    public bool TryGetLocal(in InferenceCacheKey key, out InferenceResult? result)
    {
        ArgumentNullException.ThrowIfNull(key.StudentKey);
        var student = StudentOf(key.StudentKey);
        var shard = ShardOf(student);
        var now = Now();
        ScoreBuffer? materialize = null;
        lock (shard.Gate)
        {
            var index = FindLive(shard, student, key, now);
            if (index < 0)
            {
                result = null;
                return false;
            }

            ref var slot = ref shard.At(index);
            if (slot.Value is InferenceResult held)
            {
                result = held;
                return true;
            }

            var facts = (ModelFacts)slot.Value!;
            materialize = new ScoreBuffer();
            materialize.Reset(1, facts.Names.Length);
            Fill(ref slot, materialize, 0);
        }

        result = materialize.ToResult(0);
        return true;
    }

    /// <inheritdoc />
    bool IScoreCache.TryGetLocal(in InferenceCacheKey key, ScoreBuffer buffer, int item, bool explain)
    {
        var student = StudentOf(key.StudentKey);
        var shard = ShardOf(student);
        var now = Now();
        lock (shard.Gate)
        {
            var index = FindLive(shard, student, key, now);
            if (index < 0)
            {
                return false;
            }

            ref var slot = ref shard.At(index);
            if (slot.Value is InferenceResult held)
            {
                if (explain && held.Explanation is null)
                {
                    return false;
                }

                buffer.SetResult(item, held);
                return true;
            }

            if (explain && slot.Explanation is null)
            {
                return false;
            }

            Fill(ref slot, buffer, item);
            return true;
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<InferenceResult?>> GetSharedAsync(IReadOnlyList<InferenceCacheKey> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return ValueTask.FromResult<IReadOnlyList<InferenceResult?>>(new InferenceResult?[keys.Count]);
    }

    /// <inheritdoc />
    public void Store(in InferenceCacheKey key, InferenceResult result)
    {
        ArgumentNullException.ThrowIfNull(key.StudentKey);
        ArgumentNullException.ThrowIfNull(result);
        var held = result.Cached ? result : result with { Cached = true };
        var student = StudentOf(key.StudentKey);
        var shard = ShardOf(student);
        var expires = Expiry();
        lock (shard.Gate)
        {
            ref var slot = ref Claim(shard, student, key);
            slot.Value = held;
            slot.Explanation = null;
            slot.ImputedWide = null;
            slot.Digest = key.FeatureDigest;
            slot.ExpiresAt = expires;
        }
    }

    /// <inheritdoc />
    void IScoreCache.Store(in InferenceCacheKey key, ScoreBuffer buffer, int item) => Store(key, buffer, item);

    /// <summary>Stores a computed item of a pipeline run as values (the columnar form of <see cref="Store(in InferenceCacheKey, InferenceResult)"/>).</summary>
    internal void Store(in InferenceCacheKey key, ScoreBuffer buffer, int item)
    {
        var facts = buffer.ModelOf(item) ?? throw new InvalidOperationException("The item was not scored.");
        var (score, confidence, hash) = buffer.Scored(item);
        var flags = buffer.ImputedFlags(item);
        ulong imputed = 0;
        bool[]? wide = null;
        if (flags.Length <= 64)
        {
            for (var i = 0; i < flags.Length; i++)
            {
                imputed |= flags[i] ? 1UL << i : 0;
            }
        }
        else
        {
            wide = flags.ToArray();
        }

        var top = buffer.TopValues(item);
        var explanation = buffer.ExplanationOf(item);
        var variant = buffer.IsVariant(item);
        var student = StudentOf(key.StudentKey);
        var shard = ShardOf(student);
        var expires = Expiry();
        lock (shard.Gate)
        {
            ref var slot = ref Claim(shard, student, key);
            slot.Value = facts;
            slot.Explanation = explanation;
            slot.ImputedWide = wide;
            slot.Digest = key.FeatureDigest;
            slot.ExpiresAt = expires;
            slot.Variant = variant;
            slot.Score = score;
            slot.Confidence = confidence;
            slot.Hash = hash;
            slot.Imputed = imputed;
            top.CopyTo(slot.Top);
        }
    }

    /// <inheritdoc />
    public ValueTask InvalidateStudentAsync(string studentId, CancellationToken cancellationToken)
    {
        RemoveStudent(studentId);
        return ValueTask.CompletedTask;
    }

    /// <summary>Removes a student's entries from this process only (by the key this layer files it under).</summary>
    public void RemoveStudent(string studentKey)
    {
        ArgumentNullException.ThrowIfNull(studentKey);
        var student = StudentOf(studentKey);
        var shard = ShardOf(student);
        lock (shard.Gate)
        {
            if (!shard.Heads.Remove(student, out var index))
            {
                return;
            }

            while (index >= 0)
            {
                ref var slot = ref shard.At(index);
                var next = slot.Next;
                slot = default;
                shard.Count--;
                index = next;
            }
        }
    }

    /// <summary>Drops every entry of this process (another instance lost track of its invalidations: see the Redis layer).</summary>
    public void Clear()
    {
        foreach (var shard in _shards)
        {
            lock (shard.Gate)
            {
                shard.Heads.Clear();
                foreach (var page in shard.Pages)
                {
                    if (page is not null)
                    {
                        Array.Clear(page);
                    }
                }

                shard.Cursor = 0;
                shard.Count = 0;
            }
        }
    }

    /// <summary>The entries actually held, by walking every slot (for tests: <see cref="Count"/> must equal it).</summary>
    internal long CountHeld()
    {
        long held = 0;
        foreach (var shard in _shards)
        {
            lock (shard.Gate)
            {
                foreach (var page in shard.Pages)
                {
                    foreach (var slot in page ?? [])
                    {
                        held += slot.Held ? 1 : 0;
                    }
                }
            }
        }

        return held;
    }

    /// <summary>Shards: about two per core, each of at least <see cref="MinShardCapacity"/> slots (one for small bounds).</summary>
    private static int ShardCount(int capacity)
    {
        var count = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, Environment.ProcessorCount * 2));
        while (count > 1 && capacity / count < MinShardCapacity)
        {
            count >>= 1;
        }

        return count;
    }

    /// <summary>
    /// A student as this layer files it: the keyed 128-bit digest of their key (AES-CMAC under a key of this process's
    /// own), so that no entry holds the caller's id string alive (each would be an object for the collector to promote)
    /// and nobody can make ids collide.
    /// </summary>
    private UInt128 StudentOf(string studentKey) => _studentIds.Compute(studentKey);

    private Shard ShardOf(UInt128 student) =>
        _shards.Length == 1 ? _shards[0] : _shards[(int)((ulong)student & (ulong)(_shards.Length - 1))];

    private long Now() => _time.GetUtcNow().UtcTicks;

    private long Expiry()
    {
        var now = Now();
        return now > long.MaxValue - _ttlTicks ? long.MaxValue : now + _ttlTicks;
    }

    /// <summary>The slot of the key's entry when it is held, unexpired and for this very row; an expired entry is freed.</summary>
    private static int FindLive(Shard shard, UInt128 student, in InferenceCacheKey key, long now)
    {
        var index = Find(shard, student, key.Skill, key.ModelVersion, out var previous);
        if (index < 0)
        {
            return -1;
        }

        ref var slot = ref shard.At(index);
        if (slot.ExpiresAt <= now)
        {
            Unlink(shard, student, index, previous);
            return -1;
        }

        // Served only for the row it was computed from.
        return slot.Digest == key.FeatureDigest ? index : -1;
    }

    /// <summary>The slot holding (student, skill, version), or -1; <paramref name="previous"/> is the slot before it in the student's chain (-1: it is the head).</summary>
    private static int Find(Shard shard, UInt128 student, string skill, string version, out int previous)
    {
        previous = -1;
        if (!shard.Heads.TryGetValue(student, out var index))
        {
            return -1;
        }

        while (index >= 0)
        {
            ref var slot = ref shard.At(index);
            if (Same(slot.Skill, skill) && Same(slot.Version, version))
            {
                return index;
            }

            previous = index;
            index = slot.Next;
        }

        return -1;
    }

    /// <summary>The slot for the key: its entry's own when held (replaced in place), else the ring's next, evicting the oldest entry.</summary>
    private static ref Slot Claim(Shard shard, UInt128 student, in InferenceCacheKey key)
    {
        var index = Find(shard, student, key.Skill, key.ModelVersion, out _);
        if (index >= 0)
        {
            return ref shard.At(index);
        }

        index = shard.Cursor;
        shard.Cursor = shard.Cursor + 1 == shard.Capacity ? 0 : shard.Cursor + 1;
        ref var slot = ref shard.At(index);
        if (slot.Held)
        {
            Evict(shard, index);
        }

        ref var head = ref CollectionsMarshal.GetValueRefOrAddDefault(shard.Heads, student, out var exists);
        slot.Held = true;
        slot.Student = student;
        slot.Skill = key.Skill;
        slot.Version = key.ModelVersion;
        slot.Next = exists ? head : -1;
        head = index;
        shard.Count++;
        return ref slot;
    }

    /// <summary>Frees the ring's oldest slot: finds the slot before it in its student's chain, then unlinks it.</summary>
    private static void Evict(Shard shard, int index)
    {
        var student = shard.At(index).Student;
        var previous = -1;
        for (var current = shard.Heads[student]; current != index; current = shard.At(current).Next)
        {
            previous = current;
        }

        Unlink(shard, student, index, previous);
    }

    /// <summary>Frees a held slot and takes it out of its student's chain (and the student out of the index when it was the last).</summary>
    private static void Unlink(Shard shard, UInt128 student, int index, int previous)
    {
        ref var slot = ref shard.At(index);
        if (previous >= 0)
        {
            shard.At(previous).Next = slot.Next;
        }
        else if (slot.Next >= 0)
        {
            shard.Heads[student] = slot.Next;
        }
        else
        {
            shard.Heads.Remove(student);
        }

        slot = default;
        shard.Count--;
    }

    private static void Fill(ref Slot slot, ScoreBuffer buffer, int item) =>
        buffer.SetCachedScore(item, (ModelFacts)slot.Value!, slot.Variant, slot.Score, slot.Confidence, slot.Hash, slot.Top, slot.Imputed, slot.ImputedWide, slot.Explanation);

    private static bool Same(string? a, string b) => ReferenceEquals(a, b) || string.Equals(a, b, StringComparison.Ordinal);

    /// <summary>One entry: a result kept as values (<see cref="Value"/> is the model's facts) or, stored through the result API, as the object.</summary>
    private struct Slot
    {
#pragma warning disable SA1401, CA1051 // Fields of a slot written in place.
        public bool Held;
        public UInt128 Student;
        public string Skill;
        public string Version;
        public object? Value;
        public Explanation? Explanation;
        public bool[]? ImputedWide;
        public UInt128 Digest;
        public long ExpiresAt;
        public int Next;
        public bool Variant;
        public double Score;
        public double Confidence;
        public ulong Hash;
        public ulong Imputed;
        public TopValues Top;
#pragma warning restore SA1401, CA1051
    }

    [InlineArray(LoadedModel.TopFeatureCount)]
    private struct TopValues
    {
        private double _value;
    }

    /// <summary>A share of the slots, its student index and its ring position, behind one lock.</summary>
    private sealed class Shard(int capacity)
    {
#pragma warning disable SA1401, CA1051 // Fields, changed under the lock.
        public readonly Lock Gate = new();
        public readonly int Capacity = capacity;
        public readonly Slot[]?[] Pages = new Slot[]?[(capacity + PageSize - 1) / PageSize];
        public readonly Dictionary<UInt128, int> Heads = [];
        public int Cursor;
        public int Count;
#pragma warning restore SA1401, CA1051

        public ref Slot At(int index)
        {
            var p = index / PageSize;
            var page = Pages[p] ??= new Slot[Math.Min(PageSize, Capacity - (p * PageSize))];
            return ref page[index - (p * PageSize)];
        }
    }
}
