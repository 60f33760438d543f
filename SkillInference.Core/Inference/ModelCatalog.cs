using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Monitoring;
using SkillInference.Registry;

namespace SkillInference.Inference;

/// <summary>
/// Holds the models being served and reloads them when the registry changes: a new version is loaded and verified
/// beside the old one, then the whole view is swapped atomically. A version that fails to load is logged, counted and
/// retried at the next check, and the version it was meant to replace keeps serving.
/// </summary>
internal sealed class ModelCatalog : IDisposable
{
    private readonly ModelRegistry _registry;
    private readonly Dictionary<string, IModelFormat> _formats;
    private readonly SkillInferenceOptions _options;
    private readonly TimeProvider _time;
    private readonly SkillInferenceMetrics _metrics;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private volatile ServingSnapshot _current = ServingSnapshot.Empty;

    public ModelCatalog(
        ModelRegistry registry,
        IEnumerable<IModelFormat> formats,
        IOptions<SkillInferenceOptions> options,
        TimeProvider timeProvider,
        SkillInferenceMetrics metrics,
        ILogger<ModelCatalog>? logger = null)
    {
        _registry = registry;
        _formats = formats.GroupBy(f => f.Format).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        _options = options.Value;
        _time = timeProvider;
        _metrics = metrics;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public ServingSnapshot Current => _current;

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RefreshCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    private async Task RefreshCoreAsync(CancellationToken cancellationToken)
    {
        var old = _current;
        RegistrySnapshot registry;
        try
        {
            // Cheap check first: nothing to do when the registry is unchanged and nothing failed last time.
            var generation = await _registry.Store.GetGenerationAsync(ModelRegistry.RegistryPath, cancellationToken).ConfigureAwait(false);
            if (old.Initialized && generation == old.RegistryGeneration && old.Failures.Count == 0 && old.LastError is null)
            {
                return;
            }

            registry = await _registry.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ModelStoreException or RegistryException)
        {
            Log.RegistryReadFailed(_logger, ex, _registry.Store.Location);
            _current = new ServingSnapshot(old.Initialized, old.RegistryGeneration, old.RegisteredSkills, old.Skills, old.Failures, _time.GetUtcNow(), ex.Message);
            return;
        }

        var loadedByKey = old.Skills.Values.SelectMany(s => s.AllModels).ToDictionary(m => (m.Skill, m.Version));
        var skills = new Dictionary<string, SkillServing>(StringComparer.Ordinal);
        var failures = new List<ModelLoadFailure>();
        var registered = new List<string>();
        foreach (var (skill, registration) in registry.Document.Skills.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (registration.Deployed is null)
            {
                continue;
            }

            registered.Add(skill);
            old.Skills.TryGetValue(skill, out var previous);
            var deployed = await GetOrLoadAsync(skill, registration.Deployed, loadedByKey, failures, cancellationToken).ConfigureAwait(false)
                ?? previous?.Deployed;
            if (deployed is null)
            {
                continue;
            }

            var variants = new List<(LoadedModel, double)>();
            foreach (var variant in registration.Variants)
            {
                var model = await GetOrLoadAsync(skill, variant.Version, loadedByKey, failures, cancellationToken).ConfigureAwait(false);
                if (model is not null)
                {
                    variants.Add((model, variant.Weight));
                }
            }

            skills[skill] = new SkillServing(skill, deployed, variants);
            if (previous is not null && previous.Deployed.Version != deployed.Version)
            {
                Log.Swapped(_logger, skill, deployed.Version, previous.Deployed.Version);
            }
        }

        var next = new ServingSnapshot(true, registry.Generation, registered, skills, failures, _time.GetUtcNow(), null);
        _current = next;

        foreach (var skill in old.Skills.Keys.Except(skills.Keys))
        {
            Log.Unloaded(_logger, skill);
        }

        if (!old.Initialized || !old.Skills.Keys.Order().SequenceEqual(skills.Keys.Order()))
        {
            if (_logger.IsEnabled(LogLevel.Information))
            {
                var summary = string.Join(", ", skills.Values.Select(s => $"{s.Skill}@{s.Deployed.Version}"));
                Log.Serving(_logger, skills.Count, summary);
            }
        }

        var stillUsed = next.Skills.Values.SelectMany(s => s.AllModels).ToHashSet();
        RetireLater([.. old.Skills.Values.SelectMany(s => s.AllModels).Where(m => !stillUsed.Contains(m))]);
    }

    private async Task<LoadedModel?> GetOrLoadAsync(
        string skill,
        string version,
        Dictionary<(string, string), LoadedModel> loaded,
        List<ModelLoadFailure> failures,
        CancellationToken cancellationToken)
    {
        if (loaded.TryGetValue((skill, version), out var existing))
        {
            return existing;
        }

        var started = Stopwatch.GetTimestamp();
        IScoringModel? model = null;
        try
        {
            var bundle = await _registry.LoadBundleAsync(skill, version, cancellationToken).ConfigureAwait(false);
            if (!_formats.TryGetValue(bundle.Manifest.Format, out var format))
            {
                throw new BundleValidationException(
                    BundleValidationErrorKind.UnsupportedFormat,
                    $"No engine for format '{bundle.Manifest.Format}' is registered in this process (registered: {string.Join(", ", _formats.Keys)}).");
            }

            model = format.Load(bundle, _options.Engine);
            if (model.FeatureCount != bundle.Schema.Count)
            {
                throw new BundleValidationException(BundleValidationErrorKind.InvalidModel, $"The model takes {model.FeatureCount} features but the manifest lists {bundle.Schema.Count}.");
            }

            var result = new LoadedModel(bundle, model, _time.GetUtcNow());
            loaded[(skill, version)] = result;
            _metrics.RecordModelLoad(skill, version, success: true);
            var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            Log.ModelLoaded(_logger, skill, version, bundle.Manifest.Format, model.Engine, elapsedMs);
            return result;
        }
        catch (Exception ex) when (ex is SkillInferenceException or IOException or InvalidOperationException or ArgumentException or FormatException)
        {
            model?.Dispose();
            _metrics.RecordModelLoad(skill, version, success: false);
            var serving = _current.Skills.GetValueOrDefault(skill)?.Deployed.Version;
            Log.ModelLoadFailed(_logger, ex, skill, version, serving is null ? "the skill is not served until a version loads" : $"{skill}@{serving} keeps serving");
            failures.Add(new ModelLoadFailure(skill, version, ex.Message, _time.GetUtcNow()));
            return null;
        }
    }

    private void RetireLater(LoadedModel[] retired)
    {
        if (retired.Length == 0)
        {
            return;
        }

        // Requests that picked the old model before the swap may still be scoring with it.
        _ = Task.Delay(_options.RetiredModelGracePeriod, _time).ContinueWith(
            _ =>
            {
                foreach (var model in retired)
                {
                    model.Dispose();
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public void Dispose()
    {
        foreach (var model in _current.Skills.Values.SelectMany(s => s.AllModels))
        {
            model.Dispose();
        }

        _refreshLock.Dispose();
    }
}
