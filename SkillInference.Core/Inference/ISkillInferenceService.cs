namespace SkillInference.Inference;

/// <summary>
/// Scores students on skills with the models deployed in the registry. Thread-safe; models are reloaded in the
/// background when the registry changes (see <see cref="SkillInferenceOptions.ReloadInterval"/>).
/// </summary>
public interface ISkillInferenceService
{
    /// <summary>Scores one student on one skill.</summary>
    /// <exception cref="InferenceException">The skill is unknown or its model is not loaded.</exception>
    /// <exception cref="Schema.FeatureValidationException">The features violate the skill's schema.</exception>
    ValueTask<InferenceResult> InferAsync(InferenceRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Scores many items, grouped by skill and scored per skill in one vectorized pass. Returns one outcome per item, in
    /// order; a bad item yields an error outcome and does not affect the others.
    /// </summary>
    ValueTask<IReadOnlyList<InferenceOutcome>> InferBatchAsync(IReadOnlyList<InferenceRequest> requests, CancellationToken cancellationToken = default);

    /// <summary>
    /// Scores one student on every deployed skill. Each skill takes the features of its schema from
    /// <paramref name="features"/>; a name no deployed skill uses is an error for every skill. With a student id, the
    /// in-process cache layer answers first and what is computed is cached (in every layer).
    /// </summary>
    ValueTask<IReadOnlyList<InferenceOutcome>> InferAllSkillsAsync(IReadOnlyDictionary<string, double?> features, string? studentId = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Scores many students on every deployed skill: per skill, all students in one vectorized pass. A student's bad
    /// features fail only that student's outcomes. The batch worker's path.
    /// </summary>
    ValueTask<IReadOnlyList<StudentScores>> InferStudentsAsync(IReadOnlyList<StudentRequest> students, CancellationToken cancellationToken = default);

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
