using Microsoft.Extensions.ObjectPool;
using SkillInference.Caching;
using SkillInference.Loading;
using SkillInference.Monitoring;
using SkillInference.Schema;

namespace SkillInference.Inference;

/// <summary>
/// The in-process inference service: each entry point hands its items to the one <see cref="InferencePipeline"/> and
/// turns the columns it fills into the shape the caller asked for.
/// </summary>
internal sealed class SkillInferenceService : ISkillInferenceService
{
    /// <summary>Buffers of calls up to this many items are pooled; larger calls get their own.</summary>
    private const int PooledItems = 4096;

    private readonly ModelCatalog _catalog;
    private readonly InferencePipeline _pipeline;
    private readonly IInferenceCache _cache;
    private readonly DefaultObjectPool<ScoreBuffer> _buffers = new(new DefaultPooledObjectPolicy<ScoreBuffer>(), Environment.ProcessorCount * 4);

    public SkillInferenceService(ModelCatalog catalog, InferencePipeline pipeline, IInferenceCache cache, SkillInferenceMetrics metrics)
    {
        _catalog = catalog;
        _pipeline = pipeline;
        _cache = cache;
        metrics.ObserveCache(cache);
    }

    public IReadOnlyList<LoadedModelInfo> LoadedModels => [.. _catalog.Current.Ordered.SelectMany(Describe)];

    public ServingStatus Status => _catalog.Current.ToStatus();

    public Task RefreshAsync(CancellationToken cancellationToken = default) => _catalog.RefreshAsync(cancellationToken);

    public ValueTask InvalidateStudentAsync(string studentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(studentId);
        return _cache.Enabled ? _cache.InvalidateStudentAsync(studentId, cancellationToken) : ValueTask.CompletedTask;
    }

    public async ValueTask<InferenceResult> InferAsync(InferenceRequest request, CancellationToken cancellationToken = default)
    {
        var outcome = await TryInferAsync(request, cancellationToken).ConfigureAwait(false);
        return outcome.IsSuccess ? outcome.Result : throw ToException(request.Skill, outcome.Error);
    }

    public ValueTask<InferenceOutcome> TryInferAsync(InferenceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Features);
        ArgumentNullException.ThrowIfNull(request.Skill);
        return RunAsync(new RequestItems([request]), CachePolicy.ReadWrite, static b => b.ToOutcome(0), cancellationToken);
    }

    public ValueTask<IReadOnlyList<InferenceOutcome>> InferBatchAsync(IReadOnlyList<InferenceRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        return RunAsync(new RequestItems(requests), CachePolicy.ReadWrite, Outcomes, cancellationToken);
    }

    public ValueTask<IReadOnlyList<InferenceOutcome>> InferAllSkillsAsync(IReadOnlyDictionary<string, double?> features, string? studentId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        var snapshot = Initialized(_catalog.Current);
        return RunAsync(snapshot, StudentItems.Rent(snapshot, studentId, features), CachePolicy.ReadWrite, Outcomes, cancellationToken);
    }

    public ValueTask<IReadOnlyList<StudentScores>> InferStudentsAsync(IReadOnlyList<StudentRequest> students, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(students);
        var snapshot = Initialized(_catalog.Current);
        var skills = snapshot.Ordered.Length;
        return RunAsync(snapshot, new StudentItems(snapshot, students), CachePolicy.Bypass, buffer =>
        {
            var result = new StudentScores[students.Count];
            for (var i = 0; i < result.Length; i++)
            {
                var outcomes = new InferenceOutcome[skills];
                for (var s = 0; s < skills; s++)
                {
                    outcomes[s] = buffer.ToOutcome((s * students.Count) + i);
                }

                result[i] = new StudentScores(students[i]?.StudentId, outcomes);
            }

            return (IReadOnlyList<StudentScores>)result;
        }, cancellationToken);
    }

    public async ValueTask<RowScores> InferRowsAsync(string skill, FeatureRows rows, RowScoringOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(skill);
        ArgumentNullException.ThrowIfNull(rows);
        options ??= RowScoringOptions.Default;
        var snapshot = _catalog.Current;
        var buffer = new ScoreBuffer();
        await _pipeline.RunAsync(snapshot, new RowItems(snapshot, rows, skill, options.Explain), options.Cache, buffer, cancellationToken).ConfigureAwait(false);
        return new RowScores(skill, buffer, 0, rows.Count);
    }

    public async ValueTask<IReadOnlyList<RowScores>> InferRowsOnAllSkillsAsync(FeatureRows rows, RowScoringOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        options ??= RowScoringOptions.Default;
        var snapshot = Initialized(_catalog.Current);
        var buffer = new ScoreBuffer();
        await _pipeline.RunAsync(snapshot, new RowItems(snapshot, rows, null, options.Explain), options.Cache, buffer, cancellationToken).ConfigureAwait(false);
        return [.. snapshot.Ordered.Select((s, i) => new RowScores(s.Skill, buffer, i * rows.Count, rows.Count))];
    }

    private ValueTask<T> RunAsync<T>(InferenceItems items, CachePolicy policy, Func<ScoreBuffer, T> read, CancellationToken cancellationToken) =>
        RunAsync(_catalog.Current, items, policy, read, cancellationToken);

    /// <summary>Runs the pipeline into a (pooled, for small calls) buffer and reads the answer out of it.</summary>
    private ValueTask<T> RunAsync<T>(ServingSnapshot snapshot, InferenceItems items, CachePolicy policy, Func<ScoreBuffer, T> read, CancellationToken cancellationToken)
    {
        var pooled = items.Count <= PooledItems;
        var buffer = pooled ? _buffers.Get() : new ScoreBuffer();
        var run = _pipeline.RunAsync(snapshot, items, policy, buffer, cancellationToken);
        if (!run.IsCompletedSuccessfully)
        {
            return AwaitAsync(run, items, buffer, pooled, read);
        }

        var value = read(buffer);
        items.Release();
        if (pooled)
        {
            _buffers.Return(buffer);
        }

        return ValueTask.FromResult(value);
    }

    private async ValueTask<T> AwaitAsync<T>(ValueTask run, InferenceItems items, ScoreBuffer buffer, bool pooled, Func<ScoreBuffer, T> read)
    {
        await run.ConfigureAwait(false);
        var value = read(buffer);
        items.Release();
        if (pooled)
        {
            _buffers.Return(buffer);
        }

        return value;
    }

    private static IReadOnlyList<InferenceOutcome> Outcomes(ScoreBuffer buffer)
    {
        var outcomes = new InferenceOutcome[buffer.Count];
        for (var i = 0; i < outcomes.Length; i++)
        {
            outcomes[i] = buffer.ToOutcome(i);
        }

        return outcomes;
    }

    /// <summary>The exception a throwing entry point raises for an error value (one per call, at the boundary).</summary>
    internal static SkillInferenceException ToException(string skill, InferenceError error) => error.Kind == InferenceErrorKind.InvalidFeatures && error.FeatureErrors.Count > 0
        ? new FeatureValidationException(skill, error.FeatureErrors)
        : new InferenceException(error.Kind, skill, error.Message);

    private static ServingSnapshot Initialized(ServingSnapshot snapshot) =>
        snapshot.Initialized ? snapshot : throw new InferenceException(InferenceErrorKind.ModelNotLoaded, "*", "Models are still loading; retry shortly.");

    private static IEnumerable<LoadedModelInfo> Describe(SkillServing s)
    {
        yield return new LoadedModelInfo(s.Skill, s.Deployed.Version, Variant.Deployed, null, s.Deployed.Model.Engine, s.Deployed.LoadedAt, s.Deployed.Manifest);
        foreach (var (model, weight) in s.Variants)
        {
            yield return new LoadedModelInfo(s.Skill, model.Version, ReferenceEquals(model, s.Deployed) ? Variant.Deployed : Variant.Candidate, weight, model.Model.Engine, model.LoadedAt, model.Manifest);
        }
    }
}
