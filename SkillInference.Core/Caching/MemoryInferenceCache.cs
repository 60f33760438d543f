using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SkillInference.Inference;

namespace SkillInference.Caching;

/// <summary>
/// The in-process layer (and the default cache). A student's entries (one per skill and version) sit together in a
/// small copy-on-write array, so invalidating a student is one removal and a lookup is one dictionary probe and a
/// short scan. The bound is kept without scanning: entries go into the current generation; when it holds half the
/// bound it becomes the previous one and the one before is dropped whole, so at most <see cref="InferenceCacheOptions.MaxMemoryEntries"/>
/// entries are held and storing never waits for a trim.
/// </summary>
/// <remarks>
/// An in-process cache keys students by their id (<see cref="StudentKey"/>): its entries never leave the process. The
/// count is exact under concurrent stores and removals: it changes only with a successful swap of a student's array.
/// </remarks>
public sealed class MemoryInferenceCache : IInferenceCache
{
    /// <summary>The entries of a removed student: a distinct instance (an empty literal would be the shared empty array).</summary>
    private static readonly Entry[] Removed = new Entry[1];
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;
    private readonly int _generationSize;
    private readonly Lock _rotation = new();
    private readonly RowDigest _digest;
    private volatile Generation _current = new();
    private volatile Generation _previous = new();

    /// <summary>Creates the memory layer.</summary>
    public MemoryInferenceCache(IOptions<InferenceCacheOptions> options, TimeProvider? timeProvider = null)
        : this(options, timeProvider, new RowDigest())
    {
    }

    /// <summary>The memory layer of a shared cache: rows are digested with the shared layer's key.</summary>
    internal MemoryInferenceCache(IOptions<InferenceCacheOptions> options, TimeProvider? timeProvider, RowDigest digest)
    {
        _digest = digest;
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _ttl = o.MemoryTimeToLive < o.TimeToLive ? o.MemoryTimeToLive : o.TimeToLive;
        _generationSize = Math.Max(1, o.MaxMemoryEntries / 2);
        _time = timeProvider ?? TimeProvider.System;
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
            lock (_rotation)
            {
                return Interlocked.Read(ref _current.Count) + Interlocked.Read(ref _previous.Count);
            }
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
        var now = _time.GetUtcNow();
        if (Find(_current, key, now, out result) || Find(_previous, key, now, out result))
        {
            return true;
        }

        result = null;
        return false;
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
        ArgumentNullException.ThrowIfNull(result);
        var entry = new Entry(key.Skill, key.ModelVersion, key.FeatureDigest, result.Cached ? result : result with { Cached = true }, _time.GetUtcNow() + _ttl);
        while (true)
        {
            var generation = _current;
            var student = generation.Students.GetOrAdd(key.StudentKey, static k => new Student { Key = k });
            var entries = Volatile.Read(ref student.Entries);
            if (ReferenceEquals(entries, Removed))
            {
                // Removed (invalidated or expired) after we found it: file the entry under a fresh holder.
                generation.Students.TryRemove(KeyValuePair.Create(key.StudentKey, student));
                continue;
            }

            var index = IndexOf(entries, entry.Skill, entry.ModelVersion);
            var updated = index >= 0 ? Replace(entries, index, entry) : [.. entries, entry];
            if (ReferenceEquals(Interlocked.CompareExchange(ref student.Entries, updated, entries), entries))
            {
                if (index < 0 && Interlocked.Increment(ref generation.Count) >= _generationSize)
                {
                    Rotate(generation);
                }

                return;
            }
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
        Remove(_current, studentKey);
        Remove(_previous, studentKey);
    }

    /// <summary>Drops every entry of this process (another instance lost track of its invalidations: see the Redis layer).</summary>
    public void Clear()
    {
        lock (_rotation)
        {
            _previous = new Generation();
            _current = new Generation();
        }
    }

    /// <summary>The entries actually held, by walking both generations (for tests: <see cref="Count"/> must equal it).</summary>
    internal long CountHeld()
    {
        lock (_rotation)
        {
            long held = 0;
            foreach (var generation in new[] { _current, _previous })
            {
                foreach (var (_, student) in generation.Students)
                {
                    var entries = Volatile.Read(ref student.Entries);
                    held += ReferenceEquals(entries, Removed) ? 0 : entries.Length;
                }
            }

            return held;
        }
    }

    private static bool Find(Generation generation, in InferenceCacheKey key, DateTimeOffset now, out InferenceResult? result)
    {
        result = null;
        if (!generation.Students.TryGetValue(key.StudentKey, out var student))
        {
            return false;
        }

        var entries = Volatile.Read(ref student.Entries);
        var index = ReferenceEquals(entries, Removed) ? -1 : IndexOf(entries, key.Skill, key.ModelVersion);
        if (index < 0)
        {
            return false;
        }

        var entry = entries[index];
        if (entry.ExpiresAt <= now)
        {
            RemoveEntry(generation, student, entry);
            return false;
        }

        // Served only for the row it was computed from.
        if (entry.FeatureDigest != key.FeatureDigest)
        {
            return false;
        }

        result = entry.Result;
        return true;
    }

    private static void RemoveEntry(Generation generation, Student student, Entry entry)
    {
        while (true)
        {
            var entries = Volatile.Read(ref student.Entries);
            var index = Array.IndexOf(entries, entry);
            if (index < 0)
            {
                return;
            }

            Entry[] updated = entries.Length == 1 ? Removed : [.. entries[..index], .. entries[(index + 1)..]];
            if (ReferenceEquals(Interlocked.CompareExchange(ref student.Entries, updated, entries), entries))
            {
                Interlocked.Decrement(ref generation.Count);
                if (ReferenceEquals(updated, Removed))
                {
                    generation.Students.TryRemove(KeyValuePair.Create(student.Key, student));
                }

                return;
            }
        }
    }

    private static void Remove(Generation generation, string studentKey)
    {
        if (generation.Students.TryRemove(studentKey, out var student))
        {
            var entries = Interlocked.Exchange(ref student.Entries, Removed);
            if (!ReferenceEquals(entries, Removed))
            {
                Interlocked.Add(ref generation.Count, -entries.Length);
            }
        }
    }

    private void Rotate(Generation full)
    {
        lock (_rotation)
        {
            if (!ReferenceEquals(full, _current))
            {
                return; // another thread rotated it already
            }

            _previous = full;
            _current = new Generation();
        }
    }

    private static int IndexOf(Entry[] entries, string skill, string version)
    {
        for (var i = 0; i < entries.Length; i++)
        {
            var e = entries[i];
            if (string.Equals(e.Skill, skill, StringComparison.Ordinal) && string.Equals(e.ModelVersion, version, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static Entry[] Replace(Entry[] entries, int index, Entry entry)
    {
        var copy = (Entry[])entries.Clone();
        copy[index] = entry;
        return copy;
    }

    private sealed record Entry(string Skill, string ModelVersion, UInt128 FeatureDigest, InferenceResult Result, DateTimeOffset ExpiresAt);

    /// <summary>A student's entries; <see cref="Removed"/> once the student is removed (a store then files it anew).</summary>
    private sealed class Student
    {
#pragma warning disable SA1401, CA1051 // Fields, so they can be swapped with Interlocked.
        public Entry[] Entries = [];
#pragma warning restore SA1401, CA1051

        public required string Key { get; init; }
    }

    private sealed class Generation
    {
        public ConcurrentDictionary<string, Student> Students { get; } = new(StringComparer.Ordinal);

#pragma warning disable SA1401, CA1051 // A field, so it can be counted with Interlocked.
        public long Count;
#pragma warning restore SA1401, CA1051
    }
}
