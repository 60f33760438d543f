using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace SkillInference.Host.Configuration;

/// <summary>
/// On shutdown (SIGTERM), waits for the requests in flight before the server stops. Kestrel's own graceful stop lets a
/// running handler finish but cancels a request body that is still arriving ("PipeReader.ReadAsync was canceled"),
/// so a slow client's request would fail when Cloud Run scales the instance in. This runs first, while the server
/// still serves; Cloud Run routes no new requests to a stopping instance. It waits at most the shutdown timeout less
/// two seconds, leaving the rest for the server and the other services.
/// </summary>
internal sealed partial class InFlightRequestDrain(IOptions<HostOptions> hostOptions, ILogger<InFlightRequestDrain> logger) : IHostedLifecycleService, IStartupFilter
{
    private static readonly TimeSpan Reserve = TimeSpan.FromSeconds(2);
    private int _active;

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            Interlocked.Increment(ref _active);
            try
            {
                await nextMiddleware(context).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _active);
            }
        });
        next(app);
    };

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var active = Volatile.Read(ref _active);
        if (active == 0)
        {
            return;
        }

        var limit = hostOptions.Value.ShutdownTimeout - Reserve;
        var started = Stopwatch.GetTimestamp();
        LogDraining(logger, active, limit.TotalSeconds);
        while (Volatile.Read(ref _active) > 0 && Stopwatch.GetElapsedTime(started) < limit && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None).ConfigureAwait(false);
        }

        var left = Volatile.Read(ref _active);
        var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        LogDrained(logger, left, elapsedMs);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Stopping: waiting up to {LimitSeconds:0.0} s for {Active} request(s) in flight")]
    private static partial void LogDraining(ILogger logger, int active, double limitSeconds);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Stopping: {Active} request(s) still in flight after {ElapsedMs:0} ms; stopping the server")]
    private static partial void LogDrained(ILogger logger, int active, double elapsedMs);
}
