using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using SkillInference.Inference;

namespace SkillInference.Batch;

/// <summary>
/// The default dispatcher: a queue in this process worked by <see cref="BatchOptions.MaxParallelShards"/> workers. A shard
/// whose failure is transient is tried again (up to <see cref="BatchOptions.MaxShardAttempts"/>, backing off exponentially
/// from <see cref="BatchOptions.ShardRetryDelay"/>, through the Polly pipeline <c>SkillInference.Batch.Shard</c>); any
/// other failure stops the run.
/// </summary>
internal sealed class InProcessShardDispatcher : IShardDispatcher
{
    public const string DispatcherName = "in-process";
    private readonly ShardHandler _handler;
    private readonly BatchOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _retries;
    private static readonly ResiliencePropertyKey<ShardTask> ShardKey = new("SkillInference.Shard");

    public InProcessShardDispatcher(ShardHandler handler, IOptions<BatchOptions> options, TimeProvider timeProvider, ILogger<InProcessShardDispatcher>? logger = null)
    {
        _handler = handler;
        _options = options.Value;
        _time = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var pipeline = new ResiliencePipelineBuilder { Name = "SkillInference.Batch.Shard", TimeProvider = timeProvider };
        if (_options.MaxShardAttempts > 1)
        {
            pipeline.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = _options.MaxShardAttempts - 1,
                Delay = _options.ShardRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                OnRetry = args =>
                {
                    var shard = args.Context.Properties.GetValue(ShardKey, null!);
                    Log.ShardRetry(_logger, args.Outcome.Exception!, shard.Shard, shard.RunId, args.AttemptNumber + 1, _options.MaxShardAttempts, args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            });
        }

        _retries = pipeline.Build();
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
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(ShardKey, shard);
        var attempts = 0;
        try
        {
            await _retries.ExecuteAsync(
                async (ctx, state) =>
                {
                    attempts++;
                    await state.HandleAsync(shard, ctx.CancellationToken).ConfigureAwait(false);
                },
                context,
                _handler).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BatchStoreException or InferenceException)
        {
            throw new BatchRunException(BatchRunErrorKind.ShardFailed, $"Shard {shard.Shard} could not be stored after {attempts} attempt(s): {ex.Message}", shard.RunId, ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    internal static bool IsTransient(Exception exception) =>
        exception is BatchStoreException { IsTransient: true } or InferenceException { Kind: InferenceErrorKind.ModelNotLoaded };
}
