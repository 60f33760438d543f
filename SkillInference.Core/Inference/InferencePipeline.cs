using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.ObjectPool;
using SkillInference.Caching;
using SkillInference.Engines;
using SkillInference.Loading;
using SkillInference.Monitoring;
using SkillInference.Routing;
using SkillInference.Schema;

namespace SkillInference.Inference;

/// <summary>
/// The one inference path. Every call of the service (one request, a batch, one student on every skill, columnar rows)
/// hands its items in through <see cref="InferenceItems"/> and runs these stages:
/// route (skill → the model that serves the student) → prepare (validate → impute → order → scale, once per item) →
/// hash (once per item: the result's feature hash and the cache key) → cache (in-process layer, then one round trip to
/// the shared layer for the misses, as the policy says) → score (one vectorized call per model) → explain → results,
/// written into a <see cref="ScoreBuffer"/> in columns. Failures are values: an unknown skill, invalid features, an
/// explanation a model cannot give, or a model that fails are an <see cref="InferenceError"/> for their items; nothing
/// is thrown or caught per item.
/// </summary>
internal sealed partial class InferencePipeline
{
    private readonly IInferenceCache _cache;
    private readonly IScoreCache? _scoreCache;
    private readonly SkillInferenceMetrics _metrics;
    private readonly ILogger _logger;
    private readonly IInferenceObserver[] _observers;
    private readonly DefaultObjectPool<PipelineScratch> _scratch = new(new PipelineScratch.Policy(), Environment.ProcessorCount * 4);

    private readonly ITrafficRouter _router;
    private readonly IAssignmentObserver[] _assignments;

    public InferencePipeline(IInferenceCache cache, SkillInferenceMetrics metrics, IEnumerable<IInferenceObserver> observers, ILogger<InferencePipeline>? logger = null, ITrafficRouter? router = null, IEnumerable<IAssignmentObserver>? assignments = null)
    {
        _cache = cache;
        _scoreCache = cache as IScoreCache;
        _metrics = metrics;
        _observers = [.. observers];
        _router = router ?? TrafficRouter.Instance;
        _assignments = [.. assignments ?? []];
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Scores every item into <paramref name="buffer"/>; completes synchronously unless the shared cache layer is asked.</summary>
    public ValueTask RunAsync(ServingSnapshot snapshot, InferenceItems items, CachePolicy policy, ScoreBuffer buffer, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        buffer.Reset(items.Count, snapshot.MaxFeatureCount);
        var groups = _scratch.Get();
        Route(snapshot, items, buffer, groups);
        var keyed = policy != CachePolicy.Bypass && _cache.Enabled;
        var reads = keyed && policy == CachePolicy.ReadWrite;
        var sharedCandidates = 0;
        var handedOff = false;
        try
        {
            for (var g = 0; g < groups.Count; g++)
            {
                var group = groups[g];
                Prepare(group, items, buffer);
                if (keyed)
                {
                    sharedCandidates += LookUpLocally(group, items, buffer, reads);
                }
            }

            if (sharedCandidates > 0 && _cache.HasSharedLayer)
            {
                handedOff = true;
                return ScoreAfterSharedLookupAsync(groups, items, buffer, keyed, sharedCandidates, started, cancellationToken);
            }

            Score(groups, items, buffer, keyed, started);
            return ValueTask.CompletedTask;
        }
        finally
        {
            if (!handedOff)
            {
                _scratch.Return(groups);
            }
        }
    }

    private void Route(ServingSnapshot snapshot, InferenceItems items, ScoreBuffer buffer, PipelineScratch groups)
    {
        string? lastSkill = null;
        SkillServing? serving = null;
        InferenceError? error = null;
        ModelGroup? last = null;
        for (var i = 0; i < items.Count; i++)
        {
            var skill = items.SkillOf(i);
            if (skill is null)
            {
                buffer.SetError(i, items.Malformed(i));
                continue;
            }

            if (!string.Equals(skill, lastSkill, StringComparison.Ordinal))
            {
                lastSkill = skill;
                if (!TryResolve(snapshot, skill, out serving, out error))
                {
                    serving = null;
                }
            }

            if (serving is null)
            {
                buffer.SetError(i, error!);
                continue;
            }

            var studentId = items.StudentIdOf(i);
            var model = _router.Choose(serving, studentId);
            if (_assignments.Length > 0 && serving.ExperimentId is not null && !string.IsNullOrEmpty(studentId))
            {
                foreach (var observer in _assignments)
                {
                    observer.OnAssigned(serving, model);
                }
            }

            if (last is null || !ReferenceEquals(last.Model, model))
            {
                last = groups.GroupFor(serving, model);
            }

            last.Items.Add(i);
        }
    }

    /// <summary>Prepares and hashes each routed item once; invalid ones get their error.</summary>
    private static void Prepare(ModelGroup group, InferenceItems items, ScoreBuffer buffer)
    {
        group.Allocate();
        items.Bind(group.Model);
        var model = group.Model;
        List<FeatureError>? errors = null;
        foreach (var item in group.Items)
        {
            if (items.ExplainOf(item) && !model.CanExplain)
            {
                buffer.SetError(item, new InferenceError(InferenceErrorKind.ExplanationUnavailable, NotExplainable(model), []));
                continue;
            }

            var row = group.NextRow;
            if (items.TryPrepare(item, model, row, group.NextUsed, group.NextImputed, ref errors))
            {
                group.Hashes[group.Valid.Count] = FeatureHash.Compute(row);
                group.Accept(item);
            }
            else
            {
                buffer.SetError(item, new InferenceError(InferenceErrorKind.InvalidFeatures, FeatureValidationException.Describe(group.Serving.Skill, errors!), errors!));
                errors = null;
            }
        }
    }

    /// <summary>Keys the group's rows that carry a student, answers those the in-process layer holds; returns how many are left for the shared layer.</summary>
    private int LookUpLocally(ModelGroup group, InferenceItems items, ScoreBuffer buffer, bool reads)
    {
        group.AllocateKeys();
        var model = group.Model;
        var misses = 0;
        for (var r = 0; r < group.Valid.Count; r++)
        {
            var item = group.Valid[r];
            if (items.StudentIdOf(item) is not { Length: > 0 } student)
            {
                continue;
            }

            var key = new InferenceCacheKey(_cache.StudentKey(student), model.Skill, model.Version, _cache.FeatureDigest(group.Row(r)));
            group.Keys[r] = key;
            if (!reads)
            {
                continue;
            }

            group.Lookups++;
            if (_scoreCache is { } scores)
            {
                // Written straight into the run's columns: no result object per hit.
                if (scores.TryGetLocal(key, buffer, item, items.ExplainOf(item)))
                {
                    MarkAnswered(group, r);
                    group.MemoryHits++;
                }
                else
                {
                    misses++;
                }
            }
            else if (_cache.TryGetLocal(key, out var hit) && Usable(hit!, items.ExplainOf(item)))
            {
                Answer(group, r, item, hit!, buffer);
                group.MemoryHits++;
            }
            else
            {
                misses++;
            }
        }

        return misses;
    }

    private async ValueTask ScoreAfterSharedLookupAsync(PipelineScratch groups, InferenceItems items, ScoreBuffer buffer, bool keyed, int candidates, long started, CancellationToken cancellationToken)
    {
        try
        {
            var keys = new List<InferenceCacheKey>(candidates);
            var rows = new List<(ModelGroup Group, int Row)>(candidates);
            for (var g = 0; g < groups.Count; g++)
            {
                var group = groups[g];
                for (var r = 0; r < group.Valid.Count; r++)
                {
                    if (!group.Done[r] && group.Keys[r] is { } key)
                    {
                        keys.Add(key);
                        rows.Add((group, r));
                    }
                }
            }

            var found = await _cache.GetSharedAsync(keys, cancellationToken).ConfigureAwait(false);
            for (var k = 0; k < rows.Count; k++)
            {
                var (group, r) = rows[k];
                var item = group.Valid[r];
                if (found[k] is { } hit && Usable(hit, items.ExplainOf(item)))
                {
                    Answer(group, r, item, hit, buffer);
                    group.SharedHits++;
                }
            }

            Score(groups, items, buffer, keyed, started);
        }
        finally
        {
            _scratch.Return(groups);
        }
    }

    private static void Answer(ModelGroup group, int r, int item, InferenceResult cached, ScoreBuffer buffer)
    {
        MarkAnswered(group, r);
        buffer.SetResult(item, cached);
    }

    private static void MarkAnswered(ModelGroup group, int r)
    {
        group.Done[r] = true;
        group.Answered++;
    }

    /// <summary>Scores each group's rows not answered yet in one vectorized call, explains, and stores what the policy caches.</summary>
    private void Score(PipelineScratch groups, InferenceItems items, ScoreBuffer buffer, bool keyed, long started)
    {
        var pending = groups.Pending;
        for (var g = 0; g < groups.Count; g++)
        {
            var group = groups[g];
            var input = group.Pending(pending);
            if (pending.Count > 0)
            {
                var probabilities = group.ScoredProbabilities;
                var engineErrors = Predict(group, input, probabilities);
                group.Failures = Complete(group, pending, probabilities, engineErrors, items, buffer, keyed);
            }
        }

        // One clock read for the run: every group's results are ready when the last one is.
        var elapsed = Stopwatch.GetElapsedTime(started);
        for (var g = 0; g < groups.Count; g++)
        {
            var group = groups[g];
            Record(group, group.Scored - group.Failures, group.Failures, elapsed);
            if (_observers.Length > 0)
            {
                Observe(new ScoredGroup(group.Model, group.VariantName, group.IsVariant, group.ScoredInput, group.ScoredProbabilities, group.Answered, group.Invalid, group.Failures, elapsed));
            }
        }
    }

    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "An observer's failure must not fail the request it observes; it is logged.")]
    private void Observe(in ScoredGroup scored)
    {
        foreach (var observer in _observers)
        {
            try
            {
                observer.OnScored(scored);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogObserverFailed(_logger, ex, observer.GetType().Name);
            }
        }
    }

    private int Complete(ModelGroup group, List<int> pending, Span<float> probabilities, InferenceError?[]? engineErrors, InferenceItems items, ScoreBuffer buffer, bool keyed)
    {
        var model = group.Model;
        var failures = 0;
        for (var k = 0; k < pending.Count; k++)
        {
            var r = pending[k];
            var item = group.Valid[r];
            if (engineErrors?[k] is { } engineError)
            {
                probabilities[k] = float.NaN;
                buffer.SetError(item, engineError);
                failures++;
                continue;
            }

            var probability = probabilities[k];
            if (float.IsNaN(probability))
            {
                buffer.SetError(item, new InferenceError(InferenceErrorKind.ModelFailure, $"The model {model.Skill}@{model.Version} returned no probability for this item.", []));
                failures++;
                continue;
            }

            var score = Math.Clamp((double)probability, 0.0, 1.0);
            var imputed = group.Imputed(r);
            var imputedImportance = 0.0;
            for (var i = 0; i < imputed.Length; i++)
            {
                if (imputed[i])
                {
                    imputedImportance += model.Importance[i];
                }
            }

            buffer.SetScore(item, model.Facts, group.IsVariant, score, Confidence.Compute(score, imputedImportance), group.Hashes[r], group.Used(r), imputed);
            if (items.ExplainOf(item))
            {
                buffer.SetExplanation(item, Explain(model, group.Row(r)));
            }

            if (keyed && group.Keys[r] is { } key)
            {
                if (_scoreCache is { } scores)
                {
                    scores.Store(key, buffer, item);
                }
                else
                {
                    _cache.Store(key, buffer.ToResult(item));
                }
            }
        }

        return failures;
    }

    /// <summary>
    /// Runs the engine over the group's rows. If the vectorized call fails, each row is scored on its own, so only the
    /// rows the engine cannot score fail (logged once per group); returns those rows' errors, or null when none failed.
    /// </summary>
    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "Any engine failure becomes an error value for the rows it affects; the call must not fail.")]
    private InferenceError?[]? Predict(ModelGroup group, ReadOnlySpan<float> rows, Span<float> probabilities)
    {
        var model = group.Model;
        try
        {
            if (probabilities.Length == 1)
            {
                probabilities[0] = model.Model.Predict(rows);
            }
            else
            {
                model.Model.PredictBatch(rows, probabilities);
            }

            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogEngineFailed(_logger, ex, model.Skill, model.Version, probabilities.Length);
            var errors = new InferenceError?[probabilities.Length];
            if (probabilities.Length == 1)
            {
                errors[0] = new InferenceError(InferenceErrorKind.ModelFailure, $"The model {model.Skill}@{model.Version} failed to score this item ({ex.GetType().Name}).", []);
                return errors;
            }

            for (var k = 0; k < probabilities.Length; k++)
            {
                try
                {
                    probabilities[k] = model.Model.Predict(rows.Slice(k * group.N, group.N));
                }
                catch (Exception rowFailure) when (rowFailure is not OutOfMemoryException)
                {
                    errors[k] = new InferenceError(InferenceErrorKind.ModelFailure, $"The model {model.Skill}@{model.Version} failed to score this item ({rowFailure.GetType().Name}).", []);
                }
            }

            return errors;
        }
    }

    private void Record(ModelGroup group, int computed, int failures, TimeSpan elapsed)
    {
        var skill = group.Serving.Skill;
        var version = group.Model.Version;
        var variant = group.VariantName;
        if (group.MemoryHits > 0)
        {
            _metrics.RecordCacheLookups(skill, CacheLayer.Memory, group.MemoryHits);
        }

        if (group.SharedHits > 0)
        {
            _metrics.RecordCacheLookups(skill, CacheLayer.Distributed, group.SharedHits);
        }

        if (group.Lookups - group.MemoryHits - group.SharedHits is > 0 and var misses)
        {
            _metrics.RecordCacheLookups(skill, CacheLayer.Miss, misses);
        }

        if (group.Answered > 0)
        {
            _metrics.RecordPredictions(skill, version, variant, "cached", group.Answered, elapsed);
        }

        if (computed > 0)
        {
            _metrics.RecordPredictions(skill, version, variant, "ok", computed, elapsed);
        }

        if (group.Invalid > 0)
        {
            _metrics.RecordPredictions(skill, version, variant, "invalid_features", group.Invalid, elapsed);
        }

        if (failures > 0)
        {
            _metrics.RecordPredictions(skill, version, variant, "model_failure", failures, elapsed);
        }
    }

    private static bool Usable(InferenceResult cached, bool explain) => !explain || cached.Explanation is not null;

    private static Explanation Explain(LoadedModel model, ReadOnlySpan<float> row)
    {
        var contributions = new double[model.Names.Length];
        var bias = ((IExplainableModel)model.Model).Explain(row, contributions);
        var byName = new Dictionary<string, double>(model.Names.Length, StringComparer.Ordinal);
        var logOdds = bias;
        for (var i = 0; i < contributions.Length; i++)
        {
            byName[model.Names[i]] = contributions[i];
            logOdds += contributions[i];
        }

        return new Explanation(bias, byName, logOdds);
    }

    internal static string NotExplainable(LoadedModel model) =>
        $"The model {model.Skill}@{model.Version} (engine {model.Model.Engine}) cannot explain predictions: explanations need a tree model with node covers (XGBoost, or FastTree trained by skillinf), served by the compiled engine.";

    /// <summary>Finds the models of a skill; else the error: still loading, deployed but not loaded, or unknown.</summary>
    internal static bool TryResolve(ServingSnapshot snapshot, string skill, [NotNullWhen(true)] out SkillServing? serving, [NotNullWhen(false)] out InferenceError? error)
    {
        if (snapshot.Skills.TryGetValue(skill, out serving))
        {
            error = null;
            return true;
        }

        error = !snapshot.Initialized
            ? new InferenceError(InferenceErrorKind.ModelNotLoaded, "Models are still loading; retry shortly.", [])
            : snapshot.RegisteredSkills.Contains(skill)
                ? new InferenceError(InferenceErrorKind.ModelNotLoaded, $"The model for skill '{skill}' is not loaded; retry shortly.", [])
                : new InferenceError(
                    InferenceErrorKind.UnknownSkill,
                    $"Unknown skill '{(skill.Length <= 64 ? skill : skill[..64] + "...")}'. " + (snapshot.RegisteredSkills.Count == 0 ? "No skill is deployed." : $"Deployed skills: {string.Join(", ", snapshot.RegisteredSkills)}."),
                    []);
        return false;
    }

    [LoggerMessage(EventId = 2020, Level = LogLevel.Error, Message = "The engine of {Skill}@{Version} failed on a batch of {Rows} rows; each row is scored on its own and the rows it cannot score are answered with a model failure")]
    private static partial void LogEngineFailed(ILogger logger, Exception exception, string skill, string version, int rows);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Error, Message = "The inference observer {Observer} failed; the request it observed is answered as usual")]
    private static partial void LogObserverFailed(ILogger logger, Exception exception, string observer);
}
