using SkillInference.Batch;
using Log = SkillInference.Host.Batch.Log;

namespace SkillInference.Host.Batch;

/// <summary>
/// Applies the batch database migrations at start-up (when <c>SkillInference:Database:MigrateOnStartup</c>). A transient
/// failure (the database is not reachable yet) does not stop the host, which serves online inference without the
/// database: the migrations are retried in the background. A permanent failure stops the start.
/// </summary>
internal sealed class DatabaseMigrationService(IDatabaseMigrator migrator, TimeProvider timeProvider, ILogger<DatabaseMigrationService> logger, string kind) : IHostedService, IDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(15);
    private CancellationTokenSource? _stopping;
    private Task? _retries;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var applied = await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
            Log.Migrated(logger, kind, applied.Count);
        }
        catch (BatchStoreException ex) when (ex.IsTransient)
        {
            Log.MigrationDeferred(logger, ex, RetryDelay.TotalSeconds);
            _stopping = new CancellationTokenSource();
            _retries = RetryAsync(_stopping.Token);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is null || _retries is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _retries.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _stopping?.Dispose();

    private async Task RetryAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RetryDelay, timeProvider, cancellationToken).ConfigureAwait(false);
                var applied = await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
                Log.Migrated(logger, kind, applied.Count);
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (BatchStoreException ex)
            {
                Log.MigrationDeferred(logger, ex, RetryDelay.TotalSeconds);
            }
        }
    }
}
