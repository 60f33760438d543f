using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using SkillInference.Caching;
using SkillInference.Engines;
using SkillInference.Monitoring;
using SkillInference.Routing;
using SkillInference.Schema;

namespace SkillInference.Inference;

/// <summary>The in-process inference service over the models of a <see cref="ModelCatalog"/>.</summary>
internal sealed class SkillInferenceService : ISkillInferenceService
{
    private const int StackLimit = 256;
    private const string Ok = "ok";
    private readonly ModelCatalog _catalog;
    private readonly SkillInferenceMetrics _metrics;
    private readonly IInferenceCache _cache;
    private readonly StudentKeyHasher _hasher;

    public SkillInferenceService(ModelCatalog catalog, SkillInferenceMetrics metrics, IInferenceCache cache, StudentKeyHasher hasher)
    {
        _catalog = catalog;
        _metrics = metrics;
        _cache = cache;
        _hasher = hasher;
        metrics.ObserveCache(cache);
    }

    public ValueTask InvalidateStudentAsync(string studentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(studentId);
        return _cache.Enabled ? _cache.InvalidateStudentAsync(_hasher.Hash(studentId), cancellationToken) : ValueTask.CompletedTask;
    }

    public IReadOnlyList<LoadedModelInfo> LoadedModels =>
        [.. _catalog.Current.Ordered.SelectMany(s => Describe(s))];

    public ServingStatus Status => _catalog.Current.ToStatus();

    public Task RefreshAsync(CancellationToken cancellationToken = default) => _catalog.RefreshAsync(cancellationToken);

    public ValueTask<InferenceResult> InferAsync(InferenceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Features);
        var serving = Resolve(_catalog.Current, request.Skill);
        var model = TrafficRouter.Choose(serving, request.StudentId);
        if (!_cache.Enabled || string.IsNullOrEmpty(request.StudentId))
        {
            return ValueTask.FromResult(ScoreOne(serving, model, request.Features, alsoKnown: null, request.Explain));
        }

        var started = Stopwatch.GetTimestamp();
        var key = KeyFor(serving, model, request.Features, request.StudentId);
        if (_cache.TryGetLocal(key, out var hit) && Usable(hit!, request.Explain))
        {
            RecordHit(serving, model, CacheLayer.Memory, 1, started);
            return ValueTask.FromResult(hit!);
        }

        return InferThroughSharedCacheAsync(serving, model, request, key, started, cancellationToken);
    }

    private async ValueTask<InferenceResult> InferThroughSharedCacheAsync(SkillServing serving, LoadedModel model, InferenceRequest request, InferenceCacheKey key, long started, CancellationToken cancellationToken)
    {
        var hit = await _cache.GetDistributedAsync(key, cancellationToken).ConfigureAwait(false);
        if (hit is not null && Usable(hit, request.Explain))
        {
            RecordHit(serving, model, CacheLayer.Distributed, 1, started);
            return hit;
        }

        _metrics.RecordCacheLookups(serving.Skill, CacheLayer.Miss, 1);
        var result = ScoreOne(serving, model, request.Features, alsoKnown: null, request.Explain);
        _cache.Store(key, result);
        return result;
    }

    private void RecordHit(SkillServing serving, LoadedModel model, CacheLayer layer, long count, long started)
    {
        _metrics.RecordCacheLookups(serving.Skill, layer, count);
        _metrics.RecordPredictions(serving.Skill, model.Version, VariantOf(serving, model), "cached", count, started);
    }

    private static bool Usable(InferenceResult cached, bool explain) => !explain || cached.Explanation is not null;

    /// <summary>The cache key of a request: prepares its row (rejecting invalid features) and hashes it.</summary>
    private InferenceCacheKey KeyFor(SkillServing serving, LoadedModel model, IReadOnlyDictionary<string, double?> features, string studentId)
    {
        var n = model.Builder.Count;
        Span<float> row = n <= StackLimit ? stackalloc float[StackLimit] : new float[n];
        Span<double> used = n <= StackLimit ? stackalloc double[StackLimit] : new double[n];
        Span<bool> imputed = n <= StackLimit ? stackalloc bool[StackLimit] : new bool[n];
        row = row[..n];
        List<FeatureError>? errors = null;
        if (!model.Builder.TryBuild(features, row, used[..n], imputed[..n], ref errors))
        {
            throw new FeatureValidationException(serving.Skill, errors!);
        }

        return new InferenceCacheKey(_hasher.Hash(studentId), model.Skill, model.Version, FeatureHash.ComputeHex(row));
    }

    public ValueTask<IReadOnlyList<InferenceOutcome>> InferAllSkillsAsync(IReadOnlyDictionary<string, double?> features, string? studentId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        var snapshot = Initialized(_catalog.Current);

        // Resolve every name once into the slots shared by all skills; each skill then reads its features by index.
        var k = snapshot.FeatureSlots.Count;
        Span<double> values = k <= StackLimit ? stackalloc double[StackLimit] : new double[k];
        Span<bool> present = k <= StackLimit ? stackalloc bool[StackLimit] : new bool[k];
        values = values[..k];
        present = present[..k];
        present.Clear();
        var unknown = Resolve(snapshot, features, values, present);
        var studentKey = _cache.Enabled && !string.IsNullOrEmpty(studentId) ? _hasher.Hash(studentId) : null;

        var outcomes = new InferenceOutcome[snapshot.Ordered.Length];
        for (var i = 0; i < outcomes.Length; i++)
        {
            var serving = snapshot.Ordered[i];
            var model = TrafficRouter.Choose(serving, studentId);
            try
            {
                outcomes[i] = InferenceOutcome.Success(ScoreOne(serving, model, values, present, snapshot.ModelSlots[model], unknown, studentKey));
            }
            catch (FeatureValidationException ex)
            {
                outcomes[i] = InferenceOutcome.Failure(new InferenceError(InferenceErrorKind.InvalidFeatures, ex.Message, ex.Errors));
            }
        }

        return ValueTask.FromResult<IReadOnlyList<InferenceOutcome>>(outcomes);
    }

    /// <summary>Writes a student's features into the shared slots; returns the names no deployed skill uses, as errors.</summary>
    private static List<FeatureError>? Resolve(ServingSnapshot snapshot, IReadOnlyDictionary<string, double?> features, Span<double> values, Span<bool> present)
    {
        List<FeatureError>? unknown = null;
        foreach (var (name, value) in features)
        {
            if (snapshot.FeatureSlots.TryGetValue(name, out var slot))
            {
                if (value is { } v)
                {
                    values[slot] = v;
                    present[slot] = true;
                }
            }
            else
            {
                (unknown ??= []).Add(new FeatureError(name, FeatureErrorCode.Unknown, $"'{(name.Length <= 64 ? name : name[..64] + "...")}' is not a feature of any deployed skill"));
            }
        }

        return unknown;
    }

    public async ValueTask<IReadOnlyList<InferenceOutcome>> InferBatchAsync(IReadOnlyList<InferenceRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var snapshot = _catalog.Current;
        var outcomes = new InferenceOutcome?[requests.Count];

        // Group by routed model (skill and version) so that each model scores its rows in one vectorized pass.
        var groups = new Dictionary<LoadedModel, (SkillServing Serving, List<int> Items)>();
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            if (request?.Features is null || request.Skill is null)
            {
                outcomes[i] = InferenceOutcome.Failure(new InferenceError(InferenceErrorKind.InvalidFeatures, "The item needs a skill and a features object.", []));
                continue;
            }

            if (!TryResolve(snapshot, request.Skill, out var serving, out var error))
            {
                outcomes[i] = InferenceOutcome.Failure(error);
                continue;
            }

            AddToGroup(groups, serving, TrafficRouter.Choose(serving, request.StudentId), i);
        }

        foreach (var (model, (serving, items)) in groups)
        {
            RowPreparer prepare = (int i, Span<float> row, Span<double> used, Span<bool> imputed, ref List<FeatureError>? errors) =>
                model.Builder.TryBuild(requests[i].Features, row, used, imputed, ref errors);
            using var group = PreparedGroup.Prepare(serving, model, items, prepare, (i, o) => outcomes[i] = o);
            if (_cache.Enabled)
            {
                await ServeFromCacheAsync(group, i => requests[i].StudentId, i => requests[i].Explain, (i, o) => outcomes[i] = o, cancellationToken).ConfigureAwait(false);
            }

            ScoreGroup(group, i => requests[i].Explain, (i, o) => outcomes[i] = o);
        }

        return outcomes!;
    }

    public ValueTask<IReadOnlyList<StudentScores>> InferStudentsAsync(IReadOnlyList<StudentRequest> students, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(students);
        var snapshot = Initialized(_catalog.Current);
        var skills = snapshot.Ordered;
        var outcomes = new InferenceOutcome[students.Count, skills.Length];

        // Each student's names are resolved once into the shared slots; every skill then reads them by index.
        var k = snapshot.FeatureSlots.Count;
        var values = ArrayPool<double>.Shared.Rent(Math.Max(1, students.Count * k));
        var present = ArrayPool<bool>.Shared.Rent(Math.Max(1, students.Count * k));
        var unknown = new List<FeatureError>?[students.Count];
        try
        {
            Array.Clear(present, 0, students.Count * k);
            for (var i = 0; i < students.Count; i++)
            {
                unknown[i] = Resolve(snapshot, students[i].Features, values.AsSpan(i * k, k), present.AsSpan(i * k, k));
            }

            for (var s = 0; s < skills.Length; s++)
            {
                var serving = skills[s];
                var groups = new Dictionary<LoadedModel, (SkillServing Serving, List<int> Items)>();
                for (var i = 0; i < students.Count; i++)
                {
                    AddToGroup(groups, serving, TrafficRouter.Choose(serving, students[i].StudentId), i);
                }

                var column = s;
                foreach (var (model, (_, items)) in groups)
                {
                    var slots = snapshot.ModelSlots[model];
                    RowPreparer prepare = (int i, Span<float> row, Span<double> used, Span<bool> imputed, ref List<FeatureError>? errors) =>
                    {
                        var ok = model.Builder.TryBuild(values.AsSpan(i * k, k), present.AsSpan(i * k, k), slots, row, used, imputed, ref errors);
                        if (unknown[i] is { } names)
                        {
                            (errors ??= []).InsertRange(0, names);
                            return false;
                        }

                        return ok;
                    };
                    using var group = PreparedGroup.Prepare(serving, model, items, prepare, (i, o) => outcomes[i, column] = o);
                    ScoreGroup(group, _ => false, (i, o) => outcomes[i, column] = o);
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(values);
            ArrayPool<bool>.Shared.Return(present);
        }

        var result = new StudentScores[students.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var row = new InferenceOutcome[skills.Length];
            for (var s = 0; s < row.Length; s++)
            {
                row[s] = outcomes[i, s];
            }

            result[i] = new StudentScores(students[i].StudentId, row);
        }

        return ValueTask.FromResult<IReadOnlyList<StudentScores>>(result);
    }

    private static void AddToGroup(Dictionary<LoadedModel, (SkillServing Serving, List<int> Items)> groups, SkillServing serving, LoadedModel model, int item)
    {
        if (!groups.TryGetValue(model, out var group))
        {
            groups[model] = group = (serving, []);
        }

        group.Items.Add(item);
    }

    /// <summary>Answers the group's rows that carry a student id from the cache (memory, then one shared round trip), and marks them done.</summary>
    private async ValueTask ServeFromCacheAsync(PreparedGroup group, Func<int, string?> studentOf, Func<int, bool> explainOf, Action<int, InferenceOutcome> report, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var misses = new List<(int Row, InferenceCacheKey Key)>();
        var memoryHits = 0;
        for (var r = 0; r < group.Valid.Count; r++)
        {
            var item = group.Valid[r];
            if (studentOf(item) is not { Length: > 0 } student)
            {
                continue;
            }

            var key = new InferenceCacheKey(_hasher.Hash(student), group.Model.Skill, group.Model.Version, FeatureHash.ComputeHex(group.Row(r)));
            group.Keys[r] = key;
            if (_cache.TryGetLocal(key, out var hit) && Usable(hit!, explainOf(item)))
            {
                group.Done[r] = true;
                memoryHits++;
                report(item, InferenceOutcome.Success(hit!));
            }
            else
            {
                misses.Add((r, key));
            }
        }

        var sharedHits = 0;
        if (misses.Count > 0)
        {
            var found = await _cache.GetDistributedManyAsync([.. misses.Select(m => m.Key)], cancellationToken).ConfigureAwait(false);
            for (var m = 0; m < misses.Count; m++)
            {
                var item = group.Valid[misses[m].Row];
                if (found[m] is { } hit && Usable(hit, explainOf(item)))
                {
                    group.Done[misses[m].Row] = true;
                    sharedHits++;
                    report(item, InferenceOutcome.Success(hit));
                }
            }
        }

        if (memoryHits > 0)
        {
            RecordHit(group.Serving, group.Model, CacheLayer.Memory, memoryHits, started);
        }

        if (sharedHits > 0)
        {
            RecordHit(group.Serving, group.Model, CacheLayer.Distributed, sharedHits, started);
        }

        if (misses.Count - sharedHits > 0)
        {
            _metrics.RecordCacheLookups(group.Serving.Skill, CacheLayer.Miss, misses.Count - sharedHits);
        }
    }

    /// <summary>Scores the group's valid rows not already answered, in one vectorized call, and stores them in the cache.</summary>
    private void ScoreGroup(PreparedGroup group, Func<int, bool> explainOf, Action<int, InferenceOutcome> report)
    {
        var started = Stopwatch.GetTimestamp();
        var todo = group.Pending();
        if (todo.Count == 0)
        {
            return;
        }

        var model = group.Model;
        var n = model.Builder.Count;
        var rows = group.Compact(todo);
        var probabilities = ArrayPool<float>.Shared.Rent(todo.Count);
        try
        {
            model.Model.PredictBatch(rows[..(todo.Count * n)], probabilities.AsSpan(0, todo.Count));
            var variant = VariantOf(group.Serving, model);
            var explainable = model.Model is IExplainableModel { CanExplain: true };
            for (var k = 0; k < todo.Count; k++)
            {
                var r = todo[k];
                var item = group.Valid[r];
                var row = group.Row(r);
                var result = BuildResult(model, variant, probabilities[k], row, group.Used(r), group.Imputed(r));
                if (explainOf(item))
                {
                    if (!explainable)
                    {
                        report(item, InferenceOutcome.Failure(new InferenceError(InferenceErrorKind.ExplanationUnavailable, NotExplainable(model), [])));
                        continue;
                    }

                    result = result with { Explanation = Explain(model, row) };
                }

                if (group.Keys[r] is { } key)
                {
                    _cache.Store(key, result);
                }

                report(item, InferenceOutcome.Success(result));
            }

            _metrics.RecordPredictions(group.Serving.Skill, model.Version, variant, Ok, todo.Count, started);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(probabilities);
        }
    }

    private InferenceResult ScoreOne(SkillServing serving, LoadedModel model, IReadOnlyDictionary<string, double?> features, Func<string, bool>? alsoKnown, bool explain)
    {
        if (explain)
        {
            EnsureExplainable(model);
        }

        var started = Stopwatch.GetTimestamp();
        var n = model.Builder.Count;
        Span<float> row = n <= StackLimit ? stackalloc float[StackLimit] : new float[n];
        Span<double> used = n <= StackLimit ? stackalloc double[StackLimit] : new double[n];
        Span<bool> imputed = n <= StackLimit ? stackalloc bool[StackLimit] : new bool[n];
        row = row[..n];
        used = used[..n];
        imputed = imputed[..n];
        List<FeatureError>? errors = null;
        var ok = model.Builder.TryBuild(features, row, used, imputed, ref errors, alsoKnown);
        return Finish(serving, model, ok, errors, row, used, imputed, explain, started);
    }

    /// <summary>
    /// Scores one skill from a student's features resolved into shared slots (names no skill uses: <paramref name="unknown"/>);
    /// with a student key, the in-process cache layer answers first and stores what is computed.
    /// </summary>
    private InferenceResult ScoreOne(SkillServing serving, LoadedModel model, ReadOnlySpan<double> values, ReadOnlySpan<bool> present, int[] slots, List<FeatureError>? unknown, string? studentKey)
    {
        var started = Stopwatch.GetTimestamp();
        var n = model.Builder.Count;
        Span<float> row = n <= StackLimit ? stackalloc float[StackLimit] : new float[n];
        Span<double> used = n <= StackLimit ? stackalloc double[StackLimit] : new double[n];
        Span<bool> imputed = n <= StackLimit ? stackalloc bool[StackLimit] : new bool[n];
        row = row[..n];
        used = used[..n];
        imputed = imputed[..n];
        List<FeatureError>? errors = unknown is null ? null : [.. unknown];
        var ok = model.Builder.TryBuild(values, present, slots, row, used, imputed, ref errors) && unknown is null;
        if (!ok || studentKey is null)
        {
            return Finish(serving, model, ok, errors, row, used, imputed, explain: false, started);
        }

        var key = new InferenceCacheKey(studentKey, model.Skill, model.Version, FeatureHash.ComputeHex(row));
        if (_cache.TryGetLocal(key, out var hit))
        {
            RecordHit(serving, model, CacheLayer.Memory, 1, started);
            return hit!;
        }

        _metrics.RecordCacheLookups(serving.Skill, CacheLayer.Miss, 1);
        var result = Finish(serving, model, ok, errors, row, used, imputed, explain: false, started);
        _cache.Store(key, result);
        return result;
    }

    private InferenceResult Finish(SkillServing serving, LoadedModel model, bool ok, List<FeatureError>? errors, Span<float> row, Span<double> used, Span<bool> imputed, bool explain, long started)
    {
        var variant = VariantOf(serving, model);
        if (!ok)
        {
            _metrics.RecordPredictions(serving.Skill, model.Version, variant, "invalid_features", 1, started);
            throw new FeatureValidationException(serving.Skill, errors!);
        }

        var result = BuildResult(model, variant, model.Model.Predict(row), row, used, imputed);
        if (explain)
        {
            result = result with { Explanation = Explain(model, row) };
        }

        _metrics.RecordPredictions(serving.Skill, model.Version, variant, Ok, 1, started);
        return result;
    }

    private static void EnsureExplainable(LoadedModel model)
    {
        if (model.Model is not IExplainableModel { CanExplain: true })
        {
            throw new InferenceException(InferenceErrorKind.ExplanationUnavailable, model.Skill, NotExplainable(model));
        }
    }

    private static string NotExplainable(LoadedModel model) =>
        $"The model {model.Skill}@{model.Version} (engine {model.Model.Engine}) cannot explain predictions: explanations need a tree model with node covers (XGBoost, or FastTree trained by skillinf), served by the compiled engine.";

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

    private static InferenceResult BuildResult(LoadedModel model, string variant, float probability, ReadOnlySpan<float> row, ReadOnlySpan<double> used, ReadOnlySpan<bool> imputed)
    {
        if (float.IsNaN(probability))
        {
            throw new InvalidOperationException($"The model {model.Skill}@{model.Version} returned no probability.");
        }

        var score = Math.Clamp((double)probability, 0.0, 1.0);
        var imputedImportance = 0.0;
        List<string>? imputedNames = null;
        for (var i = 0; i < imputed.Length; i++)
        {
            if (imputed[i])
            {
                imputedImportance += model.Importance[i];
                (imputedNames ??= []).Add(model.Names[i]);
            }
        }

        var top = new TopFeature[model.TopIndices.Length];
        for (var t = 0; t < top.Length; t++)
        {
            var i = model.TopIndices[t];
            top[t] = new TopFeature(model.Names[i], model.Importance[i], double.IsNaN(used[i]) ? null : used[i], imputed[i]);
        }

        return new InferenceResult
        {
            Skill = model.Skill,
            Score = score,
            Confidence = Confidence.Compute(score, imputedImportance),
            ModelVersion = model.Version,
            Variant = variant,
            TopFeatures = top,
            ImputedFeatures = (IReadOnlyList<string>?)imputedNames ?? [],
            FeatureHash = FeatureHash.ComputeHex(row),
        };
    }

    private static string VariantOf(SkillServing serving, LoadedModel model) =>
        ReferenceEquals(model, serving.Deployed) ? "deployed" : "variant";

    private static ServingSnapshot Initialized(ServingSnapshot snapshot) =>
        snapshot.Initialized ? snapshot : throw new InferenceException(InferenceErrorKind.ModelNotLoaded, "*", "Models are still loading; retry shortly.");

    private static SkillServing Resolve(ServingSnapshot snapshot, string skill) =>
        TryResolve(snapshot, skill, out var serving, out var error)
            ? serving
            : throw new InferenceException(error.Kind, skill, error.Message);

    private static bool TryResolve(ServingSnapshot snapshot, string skill, [NotNullWhen(true)] out SkillServing? serving, [NotNullWhen(false)] out InferenceError? error)
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

    private static IEnumerable<LoadedModelInfo> Describe(SkillServing s)
    {
        yield return new LoadedModelInfo(s.Skill, s.Deployed.Version, "deployed", null, s.Deployed.Model.Engine, s.Deployed.LoadedAt, s.Deployed.Manifest);
        foreach (var (model, weight) in s.Variants)
        {
            yield return new LoadedModelInfo(s.Skill, model.Version, ReferenceEquals(model, s.Deployed) ? "deployed" : "variant", weight, model.Model.Engine, model.LoadedAt, model.Manifest);
        }
    }
}
