using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SkillInference.Inference;

namespace SkillInference.Batch;

/// <summary>
/// The default dispatcher: a queue in this process worked by <see cref="BatchOptions.MaxParallelShards"/> workers. A shard
/// whose failure is transient is tried again (up to <see cref="BatchOptions.MaxShardAttempts"/>); any other failure
/// stops the run.
/// </summary>
internal sealed class InProcessShardDispatcher : IShardDispatcher
{
    public const string DispatcherName = "in-process";
    private readonly ShardHandler _handler;
    private readonly BatchOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public InProcessShardDispatcher(ShardHandler handler, IOptions<BatchOptions> options, TimeProvider timeProvider, ILogger<InProcessShardDispatcher>? logger = null)
    {
        _handler = handler;
        _options = options.Value;
        _time = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public string Name => DispatcherName;

    public async Task<DispatchOutcome> DispatchAsync(IReadOnlyList<ShardTask> shards, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shards);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelShards, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(shards, parallel, async (shard, ct) => await HandleWithRetriesAsync(shard, ct).ConfigureAwait(false)).ConfigureAwait(false);
        return DispatchOutcome.Processed;
    }

    private async Task HandleWithRetriesAsync(ShardTask shard, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _handler.HandleAsync(shard, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (IsTransient(ex) && attempt < _options.MaxShardAttempts)
            {
                var delay = _options.ShardRetryDelay * Math.Pow(2, attempt - 1);
                Log.ShardRetry(_logger, ex, shard.Shard, shard.RunId, attempt, _options.MaxShardAttempts, delay.TotalMilliseconds);
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is BatchStoreException or InferenceException)
            {
                throw new BatchRunException(BatchRunErrorKind.ShardFailed, $"Shard {shard.Shard} could not be stored after {attempt} attempt(s): {ex.Message}", shard.RunId, ex);
            }
        }
    }

    internal static bool IsTransient(Exception exception) =>
        exception is BatchStoreException { IsTransient: true } or InferenceException { Kind: InferenceErrorKind.ModelNotLoaded };
}
