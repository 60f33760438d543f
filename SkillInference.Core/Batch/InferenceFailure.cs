namespace SkillInference.Batch;

/// <summary>A row of <c>inference_failures</c>: a student a run could not score on a skill after its retries.</summary>
/// <param name="RunId">The run.</param>
/// <param name="StudentId">The student.</param>
/// <param name="Skill">The skill.</param>
/// <param name="Error">Why (feature names and rules, never feature values).</param>
/// <param name="Attempts">How many times the item was tried (the first attempt plus the retries).</param>
/// <param name="FailedAt">When the last attempt failed.</param>
/// <param name="Permanent">
/// Whether the failure will not go away by retrying (the stored features are invalid): later incremental runs select
/// an item again until it succeeds, unless its failure is permanent (it is then tried again when its features change).
/// </param>
internal sealed record InferenceFailure(Guid RunId, string StudentId, string Skill, string Error, int Attempts, DateTimeOffset FailedAt, bool Permanent = false);
