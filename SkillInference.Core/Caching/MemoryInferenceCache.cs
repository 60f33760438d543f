using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SkillInference.Inference;

namespace SkillInference.Caching;

/// <summary>
/// The in-process layer (and the default cache): entries grouped per student, so that invalidating a student is one
/// removal; an approximate bound on the number of entries (expired entries go first, then whole students).
/// </summary>
public sealed class MemoryInferenceCache : IInferenceCache
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<EntryKey, Entry>> _students = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;
    private readonly int _maxEntries;
    private readonly Lock _trimGate = new();
    private long _count;

    /// <summary>Creates the memory layer.</summary>
    public MemoryInferenceCache(IOptions<InferenceCacheOptions> options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _ttl = o.MemoryTimeToLive < o.TimeToLive ? o.MemoryTimeToLive : o.TimeToLive;
        _maxEntries = o.MaxMemoryEntries;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public bool Enabled => true;

    /// <summary>The number of entries held.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <inheritdoc />
    public CacheStatus Status => new("Memory", true, $"In-process cache with {Count} entries.", Count);

    /// <inheritdoc />
    public bool TryGetLocal(in InferenceCacheKey key, out InferenceResult? result)
    {
        if (_students.TryGetValue(key.StudentKey, out var entries) && entries.TryGetValue(EntryKey.Of(key), out var entry))
        {
            if (entry.ExpiresAt > _time.GetUtcNow())
            {
                result = entry.Result;
                return true;
            }

            if (entries.TryRemove(EntryKey.Of(key), out _))
            {
                Interlocked.Decrement(ref _count);
            }
        }

        result = null;
        return false;
    }

    /// <inheritdoc />
    public ValueTask<InferenceResult?> GetDistributedAsync(InferenceCacheKey key, CancellationToken cancellationToken) => ValueTask.FromResult<InferenceResult?>(null);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<InferenceResult?>> GetDistributedManyAsync(IReadOnlyList<InferenceCacheKey> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return ValueTask.FromResult<IReadOnlyList<InferenceResult?>>(new InferenceResult?[keys.Count]);
    }

    /// <inheritdoc />
    public void Store(in InferenceCacheKey key, InferenceResult result)
    {
        var entries = _students.GetOrAdd(key.StudentKey, static _ => new ConcurrentDictionary<EntryKey, Entry>());
        var entry = new Entry(result with { Cached = true }, _time.GetUtcNow() + _ttl);
        var added = true;
        entries.AddOrUpdate(EntryKey.Of(key), entry, (_, _) =>
        {
            added = false;
            return entry;
        });
        if (added && Interlocked.Increment(ref _count) > _maxEntries)
        {
            Trim();
        }
    }

    /// <inheritdoc />
    public ValueTask InvalidateStudentAsync(string studentKey, CancellationToken cancellationToken)
    {
        RemoveStudent(studentKey);
        return ValueTask.CompletedTask;
    }

    /// <summary>Removes a student's entries from this process only (used when another instance invalidated them).</summary>
    public void RemoveStudent(string studentKey)
    {
        if (_students.TryRemove(studentKey, out var entries))
        {
            Interlocked.Add(ref _count, -entries.Count);
        }
    }

    private void Trim()
    {
        if (!_trimGate.TryEnter())
        {
            return; // another thread is trimming
        }

        try
        {
            var now = _time.GetUtcNow();
            foreach (var (student, entries) in _students)
            {
                foreach (var (name, entry) in entries)
                {
                    if (entry.ExpiresAt <= now && entries.TryRemove(name, out _))
                    {
                        Interlocked.Decrement(ref _count);
                    }
                }

                if (entries.IsEmpty)
                {
                    _students.TryRemove(student, out _);
                }
            }

            // Still over: drop whole students until 90% of the bound (no LRU bookkeeping on the hot path).
            var target = _maxEntries * 9L / 10;
            foreach (var student in _students.Keys)
            {
                if (Interlocked.Read(ref _count) <= target)
                {
                    break;
                }

                RemoveStudent(student);
            }
        }
        finally
        {
            _trimGate.Exit();
        }
    }

    private sealed record Entry(InferenceResult Result, DateTimeOffset ExpiresAt);

    /// <summary>An entry's name within its student, without building a string per lookup.</summary>
    private readonly record struct EntryKey(string Skill, string ModelVersion, string FeatureHash)
    {
        public static EntryKey Of(in InferenceCacheKey key) => new(key.Skill, key.ModelVersion, key.FeatureHash);
    }
}
