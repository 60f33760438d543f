namespace SkillInference.Inference;

/// <summary>
/// Scores students on skills with the models deployed in the registry. Thread-safe; models are reloaded in the
/// background when the registry changes (see <see cref="SkillInferenceOptions.ReloadInterval"/>). Every method runs the
/// same pipeline (route → prepare → cache → score → explain); they differ only in how items are handed in.
/// </summary>
public interface ISkillInferenceService
{
    /// <summary>Scores one student on one skill; results of requests with a student id are cached.</summary>
    /// <exception cref="InferenceException">The skill is unknown, its model is not loaded, or the model failed.</exception>
    /// <exception cref="Schema.FeatureValidationException">The features violate the skill's schema.</exception>
    ValueTask<InferenceResult> InferAsync(InferenceRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Scores one student on one skill, returning a failure (unknown skill, model not loaded, invalid features, no
    /// explanation, model failure) as an error value instead of throwing.
    /// </summary>
    ValueTask<InferenceOutcome> TryInferAsync(InferenceRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Scores many items, grouped by the model that serves them and scored per model in one vectorized pass. Returns
    /// one outcome per item, in order; a bad item yields an error outcome and does not affect the others.
    /// </summary>
    ValueTask<IReadOnlyList<InferenceOutcome>> InferBatchAsync(IReadOnlyList<InferenceRequest> requests, CancellationToken cancellationToken = default);

    /// <summary>
    /// Scores one student on every deployed skill. Each skill takes the features of its schema from
    /// <paramref name="features"/>; a name no deployed skill uses is an error for every skill. With a student id,
    /// cached scores are used and what is computed is cached.
    /// </summary>
    /// <exception cref="InferenceException">The models are still loading.</exception>
    ValueTask<IReadOnlyList<InferenceOutcome>> InferAllSkillsAsync(IReadOnlyDictionary<string, double?> features, string? studentId = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Scores many students on every deployed skill: per skill, all students in one vectorized pass. A student's bad
    /// features fail only that student's outcomes. The cache is bypassed.
    /// </summary>
    /// <exception cref="InferenceException">The models are still loading.</exception>
    ValueTask<IReadOnlyList<StudentScores>> InferStudentsAsync(IReadOnlyList<StudentRequest> students, CancellationToken cancellationToken = default);

    /// <summary>
    /// Scores columnar rows on one skill: no dictionary and no object per row (results stay in columns until asked
    /// for). The bulk path of files, batch runs and batch requests.
    /// </summary>
    ValueTask<RowScores> InferRowsAsync(string skill, FeatureRows rows, RowScoringOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Scores columnar rows on every deployed skill: one <see cref="RowScores"/> per skill, in <see cref="ServingStatus.RegisteredSkills"/> order.</summary>
    /// <exception cref="InferenceException">The models are still loading.</exception>
    ValueTask<IReadOnlyList<RowScores>> InferRowsOnAllSkillsAsync(FeatureRows rows, RowScoringOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops serving cached scores of a student (every skill and version, on every instance sharing the cache): call it
    /// when the student's features are updated.
    /// </summary>
    ValueTask InvalidateStudentAsync(string studentId, CancellationToken cancellationToken = default);

    /// <summary>The models in memory.</summary>
    IReadOnlyList<LoadedModelInfo> LoadedModels { get; }

    /// <summary>What is served now, and whether the service is ready.</summary>
    ServingStatus Status { get; }

    /// <summary>
    /// Reads the registry now and loads what changed (the background reload does this every interval). Call it once at
    /// start-up when the service runs without a host.
    /// </summary>
    Task RefreshAsync(CancellationToken cancellationToken = default);
}
