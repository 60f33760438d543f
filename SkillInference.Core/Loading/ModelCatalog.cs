using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SkillInference.Inference;
using SkillInference.Monitoring;
using SkillInference.Registry;

namespace SkillInference.Loading;

/// <summary>
/// Holds the models being served and swaps them atomically when the registry changes: a new version is loaded and
/// verified by the <see cref="ModelLoader"/> beside the old one, then the whole view is replaced. Each skill loads on its
/// own: whatever goes wrong with one bundle (any exception) is logged, counted and retried at the next check, the
/// version it was meant to replace keeps serving, and the other skills load. One registry read per refresh; a change
/// made through this catalog (<see cref="ChangeAsync"/>) hands the written registry and the models it already loaded
/// to the swap, so a deploy reads and compiles its bundle once.
/// </summary>
internal sealed partial class ModelCatalog : IDisposable
{
    private readonly ModelRegistry _registry;
    private readonly ModelLoader _loader;
    private readonly SkillInferenceOptions _options;
    private readonly TimeProvider _time;
    private readonly SkillInferenceMetrics _metrics;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private volatile ServingSnapshot _current = ServingSnapshot.Empty;

    public ModelCatalog(
        ModelRegistry registry,
        ModelLoader loader,
        IOptions<SkillInferenceOptions> options,
        TimeProvider timeProvider,
        SkillInferenceMetrics metrics,
        ILogger<ModelCatalog>? logger = null)
    {
        _registry = registry;
        _loader = loader;
        _options = options.Value;
        _time = timeProvider;
        _metrics = metrics;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public ServingSnapshot Current => _current;

    /// <summary>Reads the registry and loads what changed.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            RegistrySnapshot registry;
            try
            {
                registry = await _registry.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ModelStoreException or RegistryException)
            {
                var old = _current;
                Log.RegistryReadFailed(_logger, ex, _registry.Store.Location);
                _current = new ServingSnapshot(old.Initialized, old.RegistryGeneration, old.RegisteredSkills, old.Skills, old.Failures, _time.GetUtcNow(), ex.Message);
                return;
            }

            await ApplyAsync(registry, [], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    /// <summary>
    /// Makes a registry change with models loaded once: <paramref name="prepare"/> loads (and so verifies) the versions
    /// the change will serve, <paramref name="change"/> writes the registry, and the written registry is served at once
    /// with those models. A failure before the write changes nothing.
    /// </summary>
    public async Task<RegistrySnapshot> ChangeAsync(IReadOnlyList<(string Skill, string Version)> prepare, Func<CancellationToken, Task<RegistrySnapshot>> change, CancellationToken cancellationToken)
    {
        var loaded = new List<LoadedModel>();
        var served = _current.Skills.Values.SelectMany(s => s.AllModels).ToDictionary(m => (m.Skill, m.Version));
        try
        {
            foreach (var (skill, version) in prepare.Distinct())
            {
                if (!served.ContainsKey((skill, version)))
                {
                    loaded.Add(await _loader.LoadAsync(skill, version, cancellationToken).ConfigureAwait(false));
                }
            }

            var written = await change(cancellationToken).ConfigureAwait(false);
            await _refreshLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await ApplyAsync(written, loaded, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _refreshLock.Release();
            }

            loaded.Clear(); // adopted by the swap, or retired by it
            return written;
        }
        finally
        {
            foreach (var model in loaded)
            {
                model.Dispose();
            }
        }
    }

    private async Task ApplyAsync(RegistrySnapshot registry, List<LoadedModel> adopt, CancellationToken cancellationToken)
    {
        var old = _current;
        if (old.Initialized && registry.Generation == old.RegistryGeneration && old.Failures.Count == 0 && old.LastError is null && adopt.Count == 0)
        {
            _current = old.Refreshed(_time.GetUtcNow());
            return;
        }

        var available = old.Skills.Values.SelectMany(s => s.AllModels).Concat(adopt).ToDictionary(m => (m.Skill, m.Version));
        var failures = await LoadMissingAsync(registry.Document, available, cancellationToken).ConfigureAwait(false);
        var skills = new Dictionary<string, SkillServing>(StringComparer.Ordinal);
        var registered = new List<string>();
        foreach (var (skill, registration) in registry.Document.Skills.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (registration.Deployed is null)
            {
                continue;
            }

            registered.Add(skill);
            old.Skills.TryGetValue(skill, out var previous);
            var deployed = available.GetValueOrDefault((skill, registration.Deployed)) ?? previous?.Deployed;
            if (deployed is null)
            {
                continue;
            }

            var variants = new List<(LoadedModel, double)>();
            foreach (var variant in registration.Variants)
            {
                if (available.GetValueOrDefault((skill, variant.Version)) is { } model)
                {
                    variants.Add((model, variant.Weight));
                }
            }

            skills[skill] = new SkillServing(skill, deployed, variants, registration.ExperimentId, registration.Variants.Sum(v => v.Weight));
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

        if ((!old.Initialized || !old.Skills.Keys.Order().SequenceEqual(skills.Keys.Order())) && _logger.IsEnabled(LogLevel.Information))
        {
            var summary = string.Join(", ", skills.Values.Select(s => $"{s.Skill}@{s.Deployed.Version}"));
            Log.Serving(_logger, skills.Count, summary);
        }

        var stillUsed = next.Skills.Values.SelectMany(s => s.AllModels).ToHashSet();
        RetireLater([.. available.Values.Where(m => !stillUsed.Contains(m))]);
    }

    /// <summary>
    /// Loads every version the registry serves that is not loaded yet (deployed versions and variants), several at a
    /// time (one per core, at least two: a new instance loads all its skills at once, and a remote store downloads them
    /// side by side); returns the failures, in skill order.
    /// </summary>
    private async Task<List<ModelLoadFailure>> LoadMissingAsync(RegistryDocument document, Dictionary<(string, string), LoadedModel> available, CancellationToken cancellationToken)
    {
        var missing = document.Skills
            .Where(kv => kv.Value.Deployed is not null)
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .SelectMany(kv => kv.Value.Variants.Select(v => v.Version).Prepend(kv.Value.Deployed!).Select(version => (Skill: kv.Key, Version: version)))
            .Distinct()
            .Where(key => !available.ContainsKey(key))
            .ToArray();
        var results = new (LoadedModel? Model, ModelLoadFailure? Failure)[missing.Length];
        try
        {
            await Parallel.ForAsync(
                0,
                missing.Length,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount), CancellationToken = cancellationToken },
                async (i, ct) => results[i] = await TryLoadAsync(missing[i].Skill, missing[i].Version, ct).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch
        {
            // Cancelled: nothing is swapped, so what did load is released.
            foreach (var (model, _) in results)
            {
                model?.Dispose();
            }

            throw;
        }

        var failures = new List<ModelLoadFailure>();
        for (var i = 0; i < missing.Length; i++)
        {
            if (results[i].Model is { } model)
            {
                available[missing[i]] = model;
            }
            else
            {
                failures.Add(results[i].Failure!);
            }
        }

        return failures;
    }

    /// <summary>Loads one version; a failure (any exception but cancellation) is logged, counted and returned, never thrown.</summary>
    private async Task<(LoadedModel? Model, ModelLoadFailure? Failure)> TryLoadAsync(string skill, string version, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var model = await _loader.LoadAsync(skill, version, cancellationToken).ConfigureAwait(false);
            _metrics.RecordModelLoad(skill, version, success: true);
            var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            Log.ModelLoaded(_logger, skill, version, model.Manifest.Format, model.Model.Engine, elapsedMs);
            return (model, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever a bundle does wrong stays with its skill: the others load, and this one keeps its last good model.
            _metrics.RecordModelLoad(skill, version, success: false);
            var serving = _current.Skills.GetValueOrDefault(skill)?.Deployed.Version;
            Log.ModelLoadFailed(_logger, ex, skill, version, serving is null ? "the skill is not served until a version loads" : $"{skill}@{serving} keeps serving");
            return (null, new ModelLoadFailure(skill, version, ex is Bundles.BundleValidationException or RegistryException or ModelStoreException ? ex.Message : $"The bundle could not be loaded ({ex.GetType().Name}).", _time.GetUtcNow()));
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
