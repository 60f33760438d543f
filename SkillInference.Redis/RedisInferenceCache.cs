using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SkillInference.Caching;
using SkillInference.Inference;
using Polly;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace SkillInference.Redis;

/// <summary>
/// The result cache with two layers: the in-process <see cref="MemoryInferenceCache"/> in front of a shared Redis.
/// A student's entries are one Redis hash (<c>{prefix}s:{studentKey}</c>, field <c>skill|version|featureHash</c>, TTL
/// set on every write), so invalidating a student is one DEL, announced on a pub/sub channel so that every instance
/// drops its in-process entries too. Redis is never waited on for long: commands fail fast when disconnected, each
/// lookup has a time budget, and Polly's circuit breaker skips Redis after repeated failures. Only lookups go through
/// the breaker (and so only a lookup probes it when half-open, and always reports back); stores are fire-and-forget
/// and are sent only while it is closed. Invalidations that cannot reach Redis are kept (up to a bound) and replayed
/// when it is back; past the bound the whole shared cache is cleared instead. Every entry carries the keyed digest of
/// the row it was computed from and is served only for that row.
/// </summary>
/// <remarks>
/// Microsoft.Extensions.Caching.Hybrid was considered: it has no backplane to evict other instances' in-process
/// entries, no per-student delete in one operation, and no control over fail-fast behaviour; hence StackExchange.Redis.
/// </remarks>
public sealed class RedisInferenceCache : IInferenceCache, IScoreCache, IAsyncDisposable
{
    /// <summary>The shortest <see cref="InferenceCacheOptions.KeySecret"/> a shared cache accepts.</summary>
    public const int MinKeySecretLength = 16;

    /// <summary>The invalidation message that tells every instance to drop all its in-process entries.</summary>
    private const string ClearAll = "*";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
    private readonly MemoryInferenceCache _local;
    private readonly RedisCacheOptions _options;
    private readonly TimeSpan _ttl;
    private readonly ResiliencePipeline _lookups;
    private readonly CircuitBreakerStateProvider _breaker = new();
    private readonly StudentKeyHasher _hasher;
    private readonly RowDigest _digest;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, byte> _pendingInvalidations = new(StringComparer.Ordinal);
    private readonly RedisChannel _channel;
    private readonly Task<ConnectionMultiplexer?> _connecting;
    private volatile ConnectionMultiplexer? _redis;
    private volatile bool _subscribed;
    private volatile bool _pendingOverflowed;
    private DateTimeOffset? _openedAt;
    private int _replaying;

    /// <summary>Creates the cache and starts connecting in the background (start-up never waits for Redis).</summary>
    public RedisInferenceCache(IOptions<RedisCacheOptions> options, IOptions<InferenceCacheOptions> cacheOptions, TimeProvider? timeProvider = null, ILogger<RedisInferenceCache>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cacheOptions);
        _options = options.Value;
        var secret = cacheOptions.Value.KeySecret;
        if (secret is not { Length: >= MinKeySecretLength })
        {
            throw new InvalidOperationException($"SkillInference:Cache:KeySecret is required for a Redis cache: a random secret of at least {MinKeySecretLength} characters, the same on every instance.");
        }

        var time = timeProvider ?? TimeProvider.System;
        _digest = new RowDigest(secret);
        _local = new MemoryInferenceCache(cacheOptions, time, _digest);
        _ttl = cacheOptions.Value.TimeToLive;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _channel = RedisChannel.Literal(_options.KeyPrefix + "invalidate");
        _hasher = new StudentKeyHasher(secret);
        _lookups = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = _options.FailuresToOpen,
                SamplingDuration = TimeSpan.FromSeconds(10),
                BreakDuration = _options.BreakDuration,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsRedisFailure),
                StateProvider = _breaker,
                OnOpened = args =>
                {
                    _openedAt = time.GetUtcNow();
                    Log.BreakerOpened(_logger, args.Outcome.Exception?.GetType().Name ?? "failures");
                    return ValueTask.CompletedTask;
                },
                OnClosed = args =>
                {
                    _openedAt = null;
                    Log.Recovered(_logger);
                    _ = ReplayInvalidationsAsync();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        _connecting = ConnectAsync();
    }

    /// <inheritdoc />
    public bool Enabled => true;

    /// <inheritdoc />
    public bool HasSharedLayer => true;

    /// <summary>The in-process layer.</summary>
    public MemoryInferenceCache Local => _local;

    /// <summary>Whether Redis is connected, other instances' invalidations are heard, and the breaker is closed.</summary>
    public bool RedisAvailable => _redis is { IsConnected: true } && _subscribed && _breaker.CircuitState == CircuitState.Closed;

    /// <summary>Invalidations waiting for Redis (bounded by <see cref="RedisCacheOptions.MaxPendingInvalidations"/>).</summary>
    public int PendingInvalidations => _pendingInvalidations.Count;

    /// <inheritdoc />
    public CacheStatus Status => RedisAvailable
        ? new("Redis", true, $"Redis reachable; {_local.Count} entries in memory.", _local.Count)
        : new("Redis", false, $"Redis unavailable{(_openedAt is { } at ? $" since {at:O}" : "")}; serving from memory ({_local.Count} entries) and computation.", _local.Count);

    /// <summary>Completes when the first connection attempt has finished (for tests and readiness).</summary>
    public Task WaitForConnectionAsync() => _connecting;

    /// <summary>
    /// Waits until Redis is available (connected and subscribed) or <paramref name="timeout"/> passes; returns whether
    /// it is. The first attempt can end before a slow server answers; the multiplexer goes on trying in the background.
    /// </summary>
    public async Task<bool> WaitUntilAvailableAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var redis = await _connecting.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + timeout;
        while (!RedisAvailable && redis is not null && DateTime.UtcNow < deadline)
        {
            if (redis.IsConnected)
            {
                await SubscribeAsync(redis).ConfigureAwait(false);
            }

            await Task.Delay(25, cancellationToken).ConfigureAwait(false);
        }

        return RedisAvailable;
    }

    /// <summary>A keyed hash of the id (HMAC-SHA256): the raw id never reaches Redis, its keys or its messages.</summary>
    public string StudentKey(string studentId) => _hasher.Hash(studentId);

    /// <summary>A keyed digest (HMAC-SHA256 under a key derived from the secret): the same on every instance, useless to anyone else.</summary>
    public UInt128 FeatureDigest(ReadOnlySpan<float> row) => _digest.Compute(row);

    /// <inheritdoc />
    public bool TryGetLocal(in InferenceCacheKey key, out InferenceResult? result) => _local.TryGetLocal(key, out result);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<InferenceResult?>> GetSharedAsync(IReadOnlyList<InferenceCacheKey> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var results = new InferenceResult?[keys.Count];
        if (_redis is not { IsConnected: true } redis || keys.Count == 0)
        {
            return results;
        }

        try
        {
            // Through the breaker: open, it answers at once; half-open, this lookup is the probe and reports back.
            var values = await _lookups.ExecuteAsync(
                static async (state, ct) =>
                {
                    var (cache, db, keys) = state;

                    // Issued together: StackExchange.Redis pipelines them on one connection (one round trip's latency).
                    var pending = keys.Select(k => db.HashGetAsync(cache.StudentHash(k.StudentKey), k.EntryName)).ToArray();
                    return await Task.WhenAll(pending).WaitAsync(cache._options.OperationBudget, ct).ConfigureAwait(false);
                },
                (this, redis.GetDatabase(), keys),
                cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < keys.Count; i++)
            {
                results[i] = Promote(keys[i], values[i]);
            }
        }
        catch (Exception ex) when (ex is BrokenCircuitException || IsRedisFailure(ex))
        {
            // Open, or this lookup failed (counted by the breaker): computed instead.
        }

        return results;
    }

    /// <inheritdoc />
    bool IScoreCache.TryGetLocal(in InferenceCacheKey key, ScoreBuffer buffer, int item, bool explain) =>
        ((IScoreCache)_local).TryGetLocal(key, buffer, item, explain);

    /// <inheritdoc />
    void IScoreCache.Store(in InferenceCacheKey key, ScoreBuffer buffer, int item)
    {
        _local.Store(key, buffer, item);
        if (ClosedDatabase() is { } db)
        {
            StoreShared(db, key, buffer.ToResult(item));
        }
    }

    /// <inheritdoc />
    public void Store(in InferenceCacheKey key, InferenceResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        _local.Store(key, result);
        if (ClosedDatabase() is { } db)
        {
            StoreShared(db, key, result);
        }
    }

    private void StoreShared(IDatabase db, in InferenceCacheKey key, InferenceResult result)
    {
        var hash = StudentHash(key.StudentKey);
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Entry(Digest(key.FeatureDigest), result with { Cached = false }), Json);

        // Fire and forget, and through the async API: a synchronous call can block up to the sync timeout while the
        // connection is failing, even with FireAndForget. Both commands go in order on one connection.
        _ = db.HashSetAsync(hash, key.EntryName, payload, flags: CommandFlags.FireAndForget);
        _ = db.KeyExpireAsync(hash, _ttl, flags: CommandFlags.FireAndForget);
    }

    /// <inheritdoc />
    public async ValueTask InvalidateStudentAsync(string studentId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(studentId);
        var studentKey = _hasher.Hash(studentId);
        _local.RemoveStudent(studentKey);
        if (!await TryInvalidateRemoteAsync(studentKey, cancellationToken).ConfigureAwait(false))
        {
            // Other instances keep their in-process entries for at most the memory TTL; Redis is cleaned when it returns.
            Defer(studentKey);
        }
    }

    private void Defer(string studentKey)
    {
        if (_pendingOverflowed)
        {
            return;
        }

        if (_pendingInvalidations.Count >= _options.MaxPendingInvalidations)
        {
            // Bounded: forget the list; the whole shared cache is cleared when Redis is back.
            _pendingOverflowed = true;
            _pendingInvalidations.Clear();
            Log.PendingInvalidationsOverflowed(_logger, _options.MaxPendingInvalidations);
            return;
        }

        _pendingInvalidations.TryAdd(studentKey, 0);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        var redis = await _connecting.ConfigureAwait(false);
        if (redis is not null)
        {
            await redis.CloseAsync().ConfigureAwait(false);
            await redis.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<bool> TryInvalidateRemoteAsync(string studentKey, CancellationToken cancellationToken)
    {
        var db = ClosedDatabase();
        if (db is null)
        {
            return false;
        }

        try
        {
            await Task.WhenAll(
                db.KeyDeleteAsync(StudentHash(studentKey)),
                db.PublishAsync(_channel, studentKey)).WaitAsync(_options.OperationBudget * 4, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            return false;
        }
    }

    private async Task<ConnectionMultiplexer?> ConnectAsync()
    {
        var config = ConfigurationOptions.Parse(_options.Configuration);
        config.AbortOnConnectFail = false;
        config.BacklogPolicy = BacklogPolicy.FailFast;
        config.ReconnectRetryPolicy = new ExponentialRetry(250, 5000); // back within seconds of Redis returning
        config.ConnectTimeout = Math.Min(config.ConnectTimeout, 2000);
        config.AsyncTimeout = Math.Min(config.AsyncTimeout, 1000);
        config.SyncTimeout = Math.Min(config.SyncTimeout, 1000);
        try
        {
            // With AbortOnConnectFail off this returns even when Redis is down or slow to answer; the multiplexer keeps
            // reconnecting in the background, and the subscription is (re)established whenever it connects.
            var redis = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);
            redis.ConnectionRestored += (_, _) =>
            {
                _ = SubscribeAsync(redis);
                _ = ReplayInvalidationsAsync();
            };
            redis.ConnectionFailed += (_, _) => _subscribed = false;
            _redis = redis;
            await SubscribeAsync(redis).ConfigureAwait(false);
            return redis;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            return null;
        }
    }

    private async Task SubscribeAsync(ConnectionMultiplexer redis)
    {
        if (_subscribed)
        {
            return;
        }

        try
        {
            await redis.GetSubscriber().SubscribeAsync(_channel, (_, message) =>
            {
                if (message.IsNullOrEmpty)
                {
                    return;
                }

                var studentKey = message.ToString();
                if (studentKey == ClearAll)
                {
                    _local.Clear();
                }
                else
                {
                    _local.RemoveStudent(studentKey);
                }
            }).ConfigureAwait(false);
            _subscribed = true;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            // Not connected yet: ConnectionRestored tries again. Not counted by the breaker, which guards lookups.
        }
    }

    private async Task ReplayInvalidationsAsync()
    {
        if (Interlocked.Exchange(ref _replaying, 1) == 1)
        {
            return;
        }

        try
        {
            if (_pendingOverflowed && ClosedDatabase() is { } db && _redis is { } redis)
            {
                _pendingOverflowed = false;
                if (!await TryClearSharedAsync(redis, db).ConfigureAwait(false))
                {
                    _pendingOverflowed = true;
                }
            }

            var replayed = 0;
            foreach (var studentKey in _pendingInvalidations.Keys)
            {
                if (await TryInvalidateRemoteAsync(studentKey, CancellationToken.None).ConfigureAwait(false))
                {
                    _pendingInvalidations.TryRemove(studentKey, out _);
                    replayed++;
                }
            }

            if (replayed > 0)
            {
                Log.ReplayedInvalidations(_logger, replayed);
            }
        }
        finally
        {
            Volatile.Write(ref _replaying, 0);
        }
    }

    /// <summary>Deletes every student hash of this prefix and tells every instance to drop its in-process entries.</summary>
    private async Task<bool> TryClearSharedAsync(ConnectionMultiplexer redis, IDatabase db)
    {
        try
        {
            long cleared = 0;
            foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            {
                var batch = new List<RedisKey>(1000);
                await foreach (var key in server.KeysAsync(pattern: _options.KeyPrefix + "s:*", pageSize: 1000).ConfigureAwait(false))
                {
                    batch.Add(key);
                    if (batch.Count == 1000)
                    {
                        cleared += await db.KeyDeleteAsync([.. batch]).ConfigureAwait(false);
                        batch.Clear();
                    }
                }

                if (batch.Count > 0)
                {
                    cleared += await db.KeyDeleteAsync([.. batch]).ConfigureAwait(false);
                }
            }

            await db.PublishAsync(_channel, ClearAll).ConfigureAwait(false);
            _local.Clear();
            Log.SharedCacheCleared(_logger, cleared);
            return true;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            return false;
        }
    }

    /// <summary>The database while Redis is connected and the breaker closed; else null (nothing but a lookup ever probes).</summary>
    private IDatabase? ClosedDatabase() =>
        _redis is { IsConnected: true } redis && _breaker.CircuitState == CircuitState.Closed ? redis.GetDatabase() : null;

    private InferenceResult? Promote(InferenceCacheKey key, RedisValue value)
    {
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        var entry = JsonSerializer.Deserialize<Entry>((byte[])value!, Json);

        // Served only for the row it was computed from.
        if (entry?.Result is not { } result || !string.Equals(entry.Digest, Digest(key.FeatureDigest), StringComparison.Ordinal))
        {
            return null;
        }

        _local.Store(key, result);
        return result with { Cached = true };
    }

    private static string Digest(UInt128 digest) => digest.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);

    private RedisKey StudentHash(string studentKey) => _options.KeyPrefix + "s:" + studentKey;

    private static bool IsRedisFailure(Exception ex) =>
        ex is RedisException or TimeoutException or JsonException or ObjectDisposedException or InvalidOperationException;

    /// <summary>What a Redis entry holds: the digest of the row it was computed from, and the result.</summary>
    private sealed record Entry(string Digest, InferenceResult Result);
}
