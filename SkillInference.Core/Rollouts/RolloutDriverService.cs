using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace SkillInference.Rollouts;

/// <summary>Calls <see cref="RolloutManager.DriveAsync"/> every evaluation interval (on the injected clock).</summary>
internal sealed class RolloutDriverService : BackgroundService
{
    private readonly RolloutManager _manager;
    private readonly RolloutOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public RolloutDriverService(RolloutManager manager, IOptions<RolloutOptions> options, TimeProvider timeProvider, ILogger<RolloutDriverService>? logger = null)
    {
        _manager = manager;
        _options = options.Value;
        _time = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.EvaluationInterval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await _manager.DriveAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.DriveFailed(_logger, ex, "*");
            }
        }
    }
}
