using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SkillInference.Inference;

namespace SkillInference.Loading;

/// <summary>Runs the store initializers, loads the deployed models, then checks the registry every reload interval.</summary>
internal sealed class ModelReloadService : BackgroundService
{
    private readonly ModelCatalog _catalog;
    private readonly IEnumerable<IModelStoreInitializer> _initializers;
    private readonly SkillInferenceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ModelReloadService(ModelCatalog catalog, IEnumerable<IModelStoreInitializer> initializers, IOptions<SkillInferenceOptions> options, TimeProvider timeProvider, ILogger<ModelReloadService>? logger = null)
    {
        _catalog = catalog;
        _initializers = initializers;
        _options = options.Value;
        _time = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var initializer in _initializers)
        {
            try
            {
                await initializer.InitializeAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.InitializerFailed(_logger, ex, initializer.GetType().Name);
            }
        }

        using var timer = new PeriodicTimer(_options.ReloadInterval, _time);
        do
        {
            try
            {
                await _catalog.RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // RefreshAsync handles store and bundle failures itself; anything else must not stop the loop.
                Log.RegistryReadFailed(_logger, ex, "the model store");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
