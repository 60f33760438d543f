using SkillInference.Inference;

namespace SkillInference.Tests.Batch;

/// <summary>
/// Wraps the real service: the first <see cref="TransientCalls"/> batch calls answer "model not loaded" for every item,
/// and any call that contains <see cref="ThrowFor"/> throws (a row that breaks the engine).
/// </summary>
internal sealed class FlakyInferenceService(ISkillInferenceService inner) : ISkillInferenceService
{
    private int _calls;

    public int TransientCalls { get; set; }

    public string? ThrowFor { get; set; }

    public int Calls => _calls;

    public IReadOnlyList<LoadedModelInfo> LoadedModels => inner.LoadedModels;

    public ServingStatus Status => inner.Status;

    public ValueTask<InferenceResult> InferAsync(InferenceRequest request, CancellationToken cancellationToken = default) => inner.InferAsync(request, cancellationToken);

    public ValueTask<InferenceOutcome> TryInferAsync(InferenceRequest request, CancellationToken cancellationToken = default) => inner.TryInferAsync(request, cancellationToken);

    public ValueTask<RowScores> InferRowsAsync(string skill, FeatureRows rows, RowScoringOptions? options = null, CancellationToken cancellationToken = default) => inner.InferRowsAsync(skill, rows, options, cancellationToken);

    /// <summary>The batch worker's call: counted, failing as configured.</summary>
    public async ValueTask<IReadOnlyList<RowScores>> InferRowsOnAllSkillsAsync(FeatureRows rows, RowScoringOptions? options = null, CancellationToken cancellationToken = default)
    {
        var call = Interlocked.Increment(ref _calls);
        if (ThrowFor is not null && Enumerable.Range(0, rows.Count).Any(r => rows.StudentIdOf(r) == ThrowFor))
        {
            throw new InvalidOperationException("The engine failed on a row.");
        }

        if (call <= TransientCalls)
        {
            throw new InferenceException(InferenceErrorKind.ModelNotLoaded, "*", "The model is not loaded; retry shortly.");
        }

        return await inner.InferRowsOnAllSkillsAsync(rows, options, cancellationToken);
    }

    public ValueTask<IReadOnlyList<InferenceOutcome>> InferBatchAsync(IReadOnlyList<InferenceRequest> requests, CancellationToken cancellationToken = default) => inner.InferBatchAsync(requests, cancellationToken);

    public ValueTask<IReadOnlyList<InferenceOutcome>> InferAllSkillsAsync(IReadOnlyDictionary<string, double?> features, string? studentId = null, CancellationToken cancellationToken = default) => inner.InferAllSkillsAsync(features, studentId, cancellationToken);

    public async ValueTask<IReadOnlyList<StudentScores>> InferStudentsAsync(IReadOnlyList<StudentRequest> students, CancellationToken cancellationToken = default)
    {
        var call = Interlocked.Increment(ref _calls);
        if (ThrowFor is not null && students.Any(s => s.StudentId == ThrowFor))
        {
            throw new InvalidOperationException("The engine failed on a row.");
        }

        var scores = await inner.InferStudentsAsync(students, cancellationToken);
        if (call > TransientCalls)
        {
            return scores;
        }

        var notLoaded = InferenceOutcome.Failure(new InferenceError(InferenceErrorKind.ModelNotLoaded, "The model is not loaded; retry shortly.", []));
        return [.. scores.Select(s => s with { Outcomes = [.. s.Outcomes.Select(_ => notLoaded)] })];
    }

    public ValueTask InvalidateStudentAsync(string studentId, CancellationToken cancellationToken = default) => inner.InvalidateStudentAsync(studentId, cancellationToken);

    public Task RefreshAsync(CancellationToken cancellationToken = default) => inner.RefreshAsync(cancellationToken);
}
