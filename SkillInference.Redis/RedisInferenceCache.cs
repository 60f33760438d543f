using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SkillInference.Caching;
using SkillInference.Inference;
using StackExchange.Redis;

namespace SkillInference.Redis;

/// <summary>
/// The result cache with two layers: the in-process <see cref="MemoryInferenceCache"/> in front of a shared Redis.
/// A student's entries are one Redis hash (<c>{prefix}s:{studentKey}</c>, field <c>skill|version|featureHash</c>, TTL
/// set on every write), so invalidating a student is one DEL, announced on a pub/sub channel so that every instance
/// drops its in-process entries too. Redis is never waited on for long: commands fail fast when disconnected, each
/// lookup has a time budget, and a circuit breaker skips Redis after repeated failures and probes it again later.
/// Invalidations that cannot reach Redis are kept and replayed when it is back.
/// </summary>
/// <remarks>
/// Microsoft.Extensions.Caching.Hybrid was considered: it has no backplane to evict other instances' in-process
/// entries, no per-student delete in one operation, and no control over fail-fast behaviour; hence StackExchange.Redis.
/// </remarks>
public sealed class RedisInferenceCache : IInferenceCache, IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
    private readonly MemoryInferenceCache _local;
    private readonly RedisCacheOptions _options;
    private readonly TimeSpan _ttl;
    private readonly CircuitBreaker _breaker;
    private readonly StudentKeyHasher _hasher;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, byte> _pendingInvalidations = new(StringComparer.Ordinal);
    private readonly RedisChannel _channel;
    private readonly Task<ConnectionMultiplexer?> _connecting;
    private volatile ConnectionMultiplexer? _redis;
    private volatile bool _subscribed;

    /// <summary>Creates the cache and starts connecting in the background (start-up never waits for Redis).</summary>
    public RedisInferenceCache(IOptions<RedisCacheOptions> options, IOptions<InferenceCacheOptions> cacheOptions, TimeProvider? timeProvider = null, ILogger<RedisInferenceCache>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cacheOptions);
        _options = options.Value;
        var time = timeProvider ?? TimeProvider.System;
        _local = new MemoryInferenceCache(cacheOptions, time);
        _ttl = cacheOptions.Value.TimeToLive;
        _breaker = new CircuitBreaker(_options.FailuresToOpen, _options.BreakDuration, time);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _channel = RedisChannel.Literal(_options.KeyPrefix + "invalidate");
        _hasher = new StudentKeyHasher(cacheOptions.Value.KeySecret);
        if (string.IsNullOrEmpty(cacheOptions.Value.KeySecret))
        {
            Log.DevelopmentSecret(_logger);
        }

        _connecting = ConnectAsync();
    }

    /// <inheritdoc />
    public bool Enabled => true;

    /// <inheritdoc />
    public bool HasSharedLayer => true;

    /// <summary>The in-process layer.</summary>
    public MemoryInferenceCache Local => _local;

    /// <summary>Whether Redis is connected, other instances' invalidations are heard, and the breaker is closed.</summary>
    public bool RedisAvailable => _redis is { IsConnected: true } && _subscribed && !_breaker.IsOpen;

    /// <inheritdoc />
    public CacheStatus Status => RedisAvailable
        ? new("Redis", true, $"Redis reachable; {_local.Count} entries in memory.", _local.Count)
        : new("Redis", false, $"Redis unavailable{(_breaker.OpenedAt is { } at ? $" since {at:O}" : "")}; serving from memory ({_local.Count} entries) and computation.", _local.Count);

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

    /// <inheritdoc />
    public bool TryGetLocal(in InferenceCacheKey key, out InferenceResult? result) => _local.TryGetLocal(key, out result);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<InferenceResult?>> GetSharedAsync(IReadOnlyList<InferenceCacheKey> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var results = new InferenceResult?[keys.Count];
        var db = Database();
        if (db is null || keys.Count == 0)
        {
            return results;
        }

        try
        {
            // Issued together: StackExchange.Redis pipelines them on one connection (one round trip's latency).
            var pending = keys.Select(k => db.HashGetAsync(StudentHash(k.StudentKey), k.EntryName)).ToArray();
            var values = await Task.WhenAll(pending).WaitAsync(_options.OperationBudget, cancellationToken).ConfigureAwait(false);
            Succeeded();
            for (var i = 0; i < keys.Count; i++)
            {
                results[i] = Promote(keys[i], values[i]);
            }
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            Failed(ex);
        }

        return results;
    }

    /// <inheritdoc />
    public void Store(in InferenceCacheKey key, InferenceResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        _local.Store(key, result);
        var db = Database();
        if (db is null)
        {
            return;
        }

        var hash = StudentHash(key.StudentKey);
        var payload = JsonSerializer.SerializeToUtf8Bytes(result with { Cached = false }, Json);

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
            _pendingInvalidations.TryAdd(studentKey, 0);
        }
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
        var db = Database();
        if (db is null)
        {
            return false;
        }

        try
        {
            await Task.WhenAll(
                db.KeyDeleteAsync(StudentHash(studentKey)),
                db.PublishAsync(_channel, studentKey)).WaitAsync(_options.OperationBudget * 4, cancellationToken).ConfigureAwait(false);
            Succeeded();
            return true;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            Failed(ex);
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
            _redis = redis;
            await SubscribeAsync(redis).ConfigureAwait(false);
            return redis;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            Failed(ex);
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
                if (!message.IsNullOrEmpty)
                {
                    _local.RemoveStudent(message.ToString());
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

    private IDatabase? Database()
    {
        var redis = _redis;
        return redis is { IsConnected: true } && _breaker.Allow() ? redis.GetDatabase() : null;
    }

    private InferenceResult? Promote(InferenceCacheKey key, RedisValue value)
    {
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        var result = JsonSerializer.Deserialize<InferenceResult>((byte[])value!, Json);
        if (result is null)
        {
            return null;
        }

        _local.Store(key, result);
        return result with { Cached = true };
    }

    private void Succeeded()
    {
        var wasOpen = _breaker.IsOpen;
        _breaker.Success();
        if (wasOpen)
        {
            Log.Recovered(_logger);
            _ = ReplayInvalidationsAsync();
        }
    }

    private void Failed(Exception ex)
    {
        if (_breaker.Failure())
        {
            Log.BreakerOpened(_logger, ex.GetType().Name);
        }
    }

    private RedisKey StudentHash(string studentKey) => _options.KeyPrefix + "s:" + studentKey;

    private static bool IsRedisFailure(Exception ex) =>
        ex is RedisException or TimeoutException or JsonException or ObjectDisposedException or InvalidOperationException;
}
